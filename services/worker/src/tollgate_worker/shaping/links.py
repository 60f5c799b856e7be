"""Web-client links to records, in the URL form of the tenant's Odoo version.

Odoo 18 introduced ``/odoo/<model>/<id>``; Odoo 17 opens a record with ``/web#id=..&model=..``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordLinks:
    base_url: str
    major: int

    def record(self, model: str, record_id: int) -> str:
        if self.major >= 18:
            return f"{self.base_url}/odoo/{model}/{record_id}"
        return f"{self.base_url}/web#id={record_id}&model={model}&view_type=form"
