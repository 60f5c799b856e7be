"""Writing many rows at once, past ``create``: for data whose stored values are known upfront.

``create`` computes defaults, recomputes stored computed fields and runs constraints one record
at a time. Data that the caller fully describes (reflected models and fields, generated benchmark
records) goes straight into the registry's tables instead; the records are ordinary afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tollgate_odoo_sim.orm import fields
from tollgate_odoo_sim.orm.environment import SUPERUSER_ID
from tollgate_odoo_sim.orm.registry import Registry


class BulkWriter:
    """Appends rows to the registry's tables, filling what ``create`` would have filled."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.now = fields.Datetime.now()

    def insert(self, model: str, values: Mapping[str, Any]) -> int:
        table = self.registry.tables[model]
        cls = self.registry.models[model]
        row = dict(values)
        if cls._log_access:
            row.update(
                create_uid=SUPERUSER_ID,
                write_uid=SUPERUSER_ID,
                create_date=self.now,
                write_date=self.now,
            )
        record_id = table.allocate_id()
        if table.journal.entries is None:
            # Outside a transaction there is nothing to undo: the row goes in whole and only the
            # many2one indexes already built are updated (column by column is several times
            # slower for --scale).
            table.rows[record_id] = row
            for column, index in table.reverse.items():
                target = row.get(column)
                if target:
                    index.setdefault(target, set()).add(record_id)
        else:
            table.insert(record_id, row)
        return record_id

    def link(self, model: str, field_name: str, record_id: int, targets: list[int]) -> None:
        field = self.registry.models[model]._fields[field_name]
        relation = self.registry.relation(field)  # type: ignore[arg-type]
        for target in targets:
            relation.link(field.column1 or "", field.column2 or "", record_id, target)  # type: ignore[attr-defined]

    def ref(self, xmlid: str) -> int:
        found = self.registry.xmlid_to_res(xmlid)
        if found is None:
            raise LookupError(f"scale data needs the demo record {xmlid!r}")
        return found[1]

    def done(self) -> None:
        """Tell the registry its data changed (drops cached computed values)."""
        self.registry.touch()
