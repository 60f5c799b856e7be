from __future__ import annotations

import csv
import io

from tollgate_common.audit_export import AUDIT_COLUMNS, audit_csv


def test_csv_has_every_column_in_order_and_defuses_formulas() -> None:
    text = audit_csv(
        [
            ("1-0", {"user": "a@x.example", "tool": "search_records", "hash": "h1"}),
            ("2-0", {"user": "=cmd|' /C calc'!A0", "outcome": "error:POLICY_DENIED"}),
        ]
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", *AUDIT_COLUMNS, "payload", "prev_hash", "hash"]
    assert rows[1][0] == "1-0"
    assert rows[1][rows[0].index("hash")] == "h1"
    assert rows[2][rows[0].index("user")] == "'=cmd|' /C calc'!A0"
    assert len(rows) == 3
