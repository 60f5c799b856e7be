"""Stored values and operands as PostgreSQL would compare them for an Odoo column.

Dates and datetimes are compared as their canonical ISO strings ("YYYY-MM-DD",
"YYYY-MM-DD HH:MM:SS"), which order exactly like the values they stand for and are cheap to
compare over many records.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"
STRING_TYPES = frozenset({"char", "text", "html", "selection", "binary"})
NUMBER_TYPES = frozenset({"integer", "float", "monetary", "many2one"})


def is_unset(value: Any) -> bool:
    """Whether a stored value is SQL NULL (Odoo reads NULL as False)."""
    return value is None or value is False


def date_key(value: Any) -> str | None:
    """A date field's stored value or operand as "YYYY-MM-DD" (None when unset)."""
    if is_unset(value):
        return None
    if isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        # Odoo's Date.to_date keeps the first ten characters and parses them strictly.
        return datetime.strptime(value[:10], DATE_FORMAT).strftime(DATE_FORMAT)
    raise ValueError(f"{value!r} is not a valid date")


def datetime_key(value: Any) -> str | None:
    """A datetime field's stored value or operand as "YYYY-MM-DD HH:MM:SS" (None when unset)."""
    if is_unset(value):
        return None
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(DATE_FORMAT) + " 00:00:00"
    if isinstance(value, str):
        if len(value) == 10:
            return datetime.strptime(value, DATE_FORMAT).strftime(DATETIME_FORMAT)
        return datetime.strptime(value[:19], DATETIME_FORMAT).strftime(DATETIME_FORMAT)
    raise ValueError(f"{value!r} is not a valid datetime")


def number_key(value: Any, field_type: str) -> int | float | None:
    """A numeric operand converted as Odoo's ``convert_to_column`` does.

    Integer and float columns turn False into 0 (``int(value or 0)``), so ``('qty', '<', False)``
    means ``qty < 0``; a many2one keeps its raw id and False is NULL.
    """
    if field_type == "integer":
        return int(value or 0)
    if field_type in ("float", "monetary"):
        return float(value or 0.0)
    return None if is_unset(value) else value


def string_key(value: Any) -> str | None:
    if is_unset(value):
        return None
    return value if isinstance(value, str) else str(value)


def column_key(field_type: str, value: Any) -> Any:
    """Stored value or operand in the form used for comparisons on *field_type*."""
    if field_type == "date":
        return date_key(value)
    if field_type == "datetime":
        return datetime_key(value)
    if field_type in NUMBER_TYPES:
        return number_key(value, field_type)
    if field_type == "boolean":
        return bool(value)
    if field_type in STRING_TYPES:
        return string_key(value)
    return None if is_unset(value) else value


def stored_key(field_type: str, value: Any) -> Any:
    """Like :func:`column_key` for values read from storage, which are trusted and cheap."""
    if value is None or value is False:
        return False if field_type == "boolean" else None
    if field_type in ("date", "datetime") and isinstance(value, str):
        return value if field_type == "date" or len(value) != 10 else value + " 00:00:00"
    return column_key(field_type, value)


def as_text(value: Any) -> str:
    """A non-NULL column value cast to text (``column::text``), as LIKE patterns see it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def like_pattern(pattern: str, *, insensitive: bool) -> re.Pattern[str]:
    """SQL LIKE as a regular expression: ``%`` any run, ``_`` one character, ``\\`` escapes."""
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            parts.append(re.escape(next(chars, "")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    flags = re.DOTALL | (re.IGNORECASE if insensitive else 0)
    return re.compile("".join(parts), flags)
