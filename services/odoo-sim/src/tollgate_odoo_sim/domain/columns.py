"""Predicates for a leaf on a plain column, with the NULL semantics of the SQL Odoo generates.

A predicate returns True, False, or None for SQL's "unknown" (a comparison with NULL). Unknown
only matters right under a ``!`` that Odoo could not push into the operator (``=like``, ``=?``
...): ``NOT (name =like 'a%')`` does not match a record without a name.

What Odoo 17/18 generate, and we mirror:
- ``= False`` is ``IS NULL``, ``!= False`` is ``IS NOT NULL``;
- ``!=`` with a truthy operand, ``not like``, ``not ilike`` and ``not in`` (without False in the
  list) also match NULL;
- ``<``, ``>``, ``<=``, ``>=``, ``=``, ``like`` never match NULL; ``like ''`` matches everything;
- ``in``/``not in``: False or None in the list stands for NULL;
- booleans: False and NULL are the same (``COALESCE``-like conditions).
"""

from __future__ import annotations

import operator as op
from collections.abc import Callable, Collection
from datetime import date, datetime
from typing import Any

from tollgate_odoo_sim.domain.normalize import NEGATIVE_OPERATORS, Leaf
from tollgate_odoo_sim.domain.values import as_text, column_key, is_unset, like_pattern, stored_key

Pred = Callable[[int], bool | None]
Getter = Callable[[int], Any]

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": op.eq,
    "<": op.lt,
    "<=": op.le,
    ">": op.gt,
    ">=": op.ge,
}
LIKE_OPERATORS = frozenset({"like", "not like", "ilike", "not ilike", "=like", "=ilike"})


def always(result: bool) -> Pred:
    return lambda _rid: result


def column_predicate(get: Getter, field_type: str, operator: str, right: Any, leaf: Leaf) -> Pred:
    """The predicate of ``(field, operator, right)`` on a non-relational column."""
    if field_type == "datetime" and right:
        right = _widen_date(right, operator)
    if operator in ("in", "not in"):
        return _membership(get, field_type, operator, right, leaf)
    if operator in LIKE_OPERATORS:
        return _like(get, operator, right)
    if field_type == "boolean" and operator in ("=", "!=") and isinstance(right, bool):
        wanted = right if operator == "=" else not right
        return (lambda rid: bool(get(rid))) if wanted else (lambda rid: not get(rid))
    if operator in ("=", "!=") and (right is False or right is None):
        if operator == "=":
            return lambda rid: is_unset(get(rid))
        return lambda rid: not is_unset(get(rid))
    if isinstance(right, list | tuple | dict | set):
        raise ValueError(f"Invalid domain term {leaf!r}")
    return _comparison(get, field_type, operator, right)


def _widen_date(right: Any, operator: str) -> Any:
    """A bare date against a datetime: Odoo widens it to the start or end of that day."""
    if isinstance(right, date) and not isinstance(right, datetime):
        right = right.isoformat()
    if isinstance(right, str) and len(right) == 10:
        return right + (" 23:59:59" if operator in (">", "<=") else " 00:00:00")
    return right


def _comparison(get: Getter, field_type: str, operator: str, right: Any) -> Pred:
    operand = column_key(field_type, right)
    if operand is None:  # compared with NULL: unknown for every record
        return lambda _rid: None

    def key(rid: int) -> Any:
        return stored_key(field_type, get(rid))

    if operator == "!=":
        # Odoo adds "OR col IS NULL" only for a truthy operand: ('qty', '!=', 0) skips NULLs.
        null_result: bool | None = True if right else None

        def differs(rid: int) -> bool | None:
            value = key(rid)
            return null_result if value is None else value != operand

        return differs
    compare = COMPARISONS[operator]

    def compares(rid: int) -> bool | None:
        value = key(rid)
        return None if value is None else compare(value, operand)

    return compares


def _membership(get: Getter, field_type: str, operator: str, right: Any, leaf: Leaf) -> Pred:
    if not isinstance(right, list | tuple):
        raise ValueError(f"Invalid domain term {leaf!r}")
    positive = operator == "in"
    if field_type == "boolean":
        # False in the list also stands for NULL, and NULL behaves as False.
        wanted = {flag for flag in (True, False) if flag in right}
        if positive:
            return lambda rid: bool(get(rid)) in wanted
        return lambda rid: bool(get(rid)) not in wanted
    params = [
        column_key(field_type, item) for item in right if item is not False and item is not None
    ]
    null_listed = len(params) < len(right)
    values = _lookup_set(params)
    if positive:

        def member(rid: int) -> bool | None:
            value = stored_key(field_type, get(rid))
            if value is None:
                return True if null_listed else None
            return value in values

        return member

    def non_member(rid: int) -> bool:
        value = stored_key(field_type, get(rid))
        if value is None:
            return not null_listed
        return value not in values

    return non_member


def _lookup_set(params: list[Any]) -> Collection[Any]:
    try:
        return frozenset(params)
    except TypeError:  # unhashable operands: compare one by one
        return params


def _like(get: Getter, operator: str, right: Any) -> Pred:
    negative = operator in NEGATIVE_OPERATORS
    wildcard = not operator.startswith("=")
    insensitive = "ilike" in operator
    text = _to_text(right)
    # ``like ''`` becomes LIKE '%%' OR IS NULL in Odoo: it matches every record.
    null_result: bool | None = True if negative or (wildcard and not right) else None
    matches = _text_matcher(text, wildcard=wildcard, insensitive=insensitive)

    def predicate(rid: int) -> bool | None:
        value = get(rid)
        if is_unset(value):
            return null_result
        found = matches(as_text(value))
        return not found if negative else found

    return predicate


def _to_text(value: Any) -> str:
    if value is None or value is False:
        return ""
    return value if isinstance(value, str) else str(value)


def _text_matcher(text: str, *, wildcard: bool, insensitive: bool) -> Callable[[str], bool]:
    if wildcard and not any(char in text for char in "%_\\"):
        # Plain substring search: much faster than a regular expression over many records.
        if insensitive:
            needle = text.lower()
            return lambda value: needle in value.lower()
        return lambda value: text in value
    pattern = like_pattern(f"%{text}%" if wildcard else text, insensitive=insensitive)
    return lambda value: pattern.fullmatch(value) is not None
