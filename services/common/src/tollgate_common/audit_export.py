"""The audit record's columns and its CSV form, shared by `tollgate audit export` and the web page.

Cells that a spreadsheet would run as a formula (leading ``=``, ``+``, ``-``, ``@``) are quoted
with a leading apostrophe, so an exported trail cannot carry code into whoever opens it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Final

# One record per tool call, in this order; ``payload`` only when the tenant logs payloads.
AUDIT_COLUMNS: Final = (
    "time",
    "tenant",
    "user",
    "connection",
    "client",
    "tool",
    "model",
    "operation",
    "record_count",
    "decision",
    "outcome",
    "duration_ms",
    "trace_id",
)
CHAIN_COLUMNS: Final = ("prev_hash", "hash")


def _cell(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def audit_csv(records: Iterable[tuple[str, Mapping[str, str]]]) -> str:
    """CSV of ``(id, fields)`` pairs: id, the audit columns, payload, then the chain hashes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = ("id", *AUDIT_COLUMNS, "payload", *CHAIN_COLUMNS)
    writer.writerow(columns)
    for record_id, fields in records:
        row = {"id": record_id, **fields}
        writer.writerow([_cell(str(row.get(column, ""))) for column in columns])
    return out.getvalue()
