"""Answers within a size budget, with an honest marker and an opaque cursor for the rest.

A page that would exceed the budget is cut at a record boundary; the answer then says how many
matching records it leaves out (at least, when Odoo has more than were fetched) and gives the
cursor that continues exactly where it stopped. Nothing is dropped silently.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from tollgate_common.errors import ErrorCode, TollgateError

# The encoding answers leave the worker in (see `answer_json`); built once, not per call.
_ANSWER_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def answer_json(value: Any) -> str:
    """``value`` as the compact JSON text an answer carries (non-JSON values as ``str``)."""
    return _ANSWER_ENCODER.encode(value)


def json_size(value: Any) -> int:
    return len(_ANSWER_ENCODER.encode(value))


def fit(records: Sequence[dict[str, Any]], budget: int) -> int:
    """How many leading ``records`` fit in ``budget`` bytes (at least one, so a call progresses).

    Each record costs its JSON plus one separator; the JSON of the whole list is exactly that
    sum plus one, so one encoding settles the common case where everything fits."""
    if json_size(records) - 1 <= budget:
        return len(records)
    used = 0
    for index, record in enumerate(records):
        used += json_size(record) + 1
        if used > budget and index > 0:
            return index
    return len(records)


def query_digest(*parts: Any) -> str:
    text = json.dumps(parts, separators=(",", ":"), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def make_cursor(offset: int, digest: str) -> str:
    raw = json.dumps({"o": offset, "q": digest}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_cursor(cursor: str, digest: str) -> int:
    """The offset ``cursor`` continues from; it must come from the same query."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset, owner = payload["o"], payload["q"]
    except (ValueError, KeyError, TypeError):
        raise TollgateError(
            ErrorCode.INVALID_ARGUMENT,
            "The cursor is not one Tollgate gave out.",
            hint="Pass next_cursor from the previous answer unchanged, or leave cursor out.",
            field="cursor",
        ) from None
    if not isinstance(offset, int) or offset < 0 or owner != digest:
        raise TollgateError(
            ErrorCode.INVALID_ARGUMENT,
            "The cursor belongs to another search (different model, domain or order).",
            hint="Repeat the same search with the cursor, or leave cursor out to start over.",
            field="cursor",
        )
    return offset
