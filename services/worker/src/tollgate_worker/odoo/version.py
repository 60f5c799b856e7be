"""Which Odoo a tenant runs, as ``/web/webclient/version_info`` or ``common.version()`` say."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tollgate_worker.odoo.errors import OdooProtocolError

_LEADING_NUMBER = re.compile(r"(\d+)")


@dataclass(frozen=True, slots=True)
class OdooVersion:
    """``series`` is Odoo's ``server_serie`` ("18.0", "saas~18.3"); ``major`` its first number."""

    series: str
    major: int
    server_version: str

    @property
    def has_json2(self) -> bool:
        """Odoo 19 introduced the JSON-2 API."""
        return self.major >= 19

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OdooVersion:
        info = payload.get("server_version_info")
        server_version = str(payload.get("server_version") or "")
        series = str(payload.get("server_serie") or server_version)
        # version_info starts with the major number, or with "saas~18" on SaaS builds.
        first = info[0] if isinstance(info, list | tuple) and info else series
        match = _LEADING_NUMBER.search(str(first))
        if match is None:
            raise OdooProtocolError("Odoo's version description names no version number.")
        return cls(series=series, major=int(match.group(1)), server_version=server_version)
