"""Argument types shared by tools: Odoo names, domains and orders, checked before Odoo sees them."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from pydantic import AfterValidator

_MODEL_NAME: Final = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_FIELD_NAME: Final = re.compile(r"^[a-z_][a-z0-9_]*$")
_ORDER_TERM: Final = re.compile(
    r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?(\s+(asc|desc))?(\s+nulls\s+(first|last))?$",
    re.IGNORECASE,
)
_DOMAIN_OPERATORS: Final = frozenset({"&", "|", "!"})


def _model_name(value: str) -> str:
    if not _MODEL_NAME.fullmatch(value):
        raise ValueError(f"{value!r} is not an Odoo model name (like res.partner)")
    return value


def _field_names(value: list[str]) -> list[str]:
    for name in value:
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a field name")
    return list(dict.fromkeys(value))


def _order(value: str) -> str:
    terms = [term.strip() for term in value.split(",")]
    for term in terms:
        if not _ORDER_TERM.fullmatch(term):
            raise ValueError(
                f"{term!r} is not an order term (like 'name', 'date desc' or 'id asc')"
            )
    return ", ".join(terms)


def _domain(value: list[Any]) -> list[Any]:
    """A domain in Odoo's prefix form; leaves are [field, operator, value]."""
    for position, item in enumerate(value):
        if isinstance(item, str):
            if item not in _DOMAIN_OPERATORS:
                raise ValueError(
                    f"item {position} is {item!r}; only '&', '|' and '!' may stand alone"
                )
            continue
        if (
            not isinstance(item, list)
            or len(item) != 3
            or not isinstance(item[0], str)
            or not isinstance(item[1], str)
        ):
            raise ValueError(
                f"item {position} must be a [field, operator, value] condition "
                "or one of '&', '|', '!'"
            )
    return value


ModelName = Annotated[str, AfterValidator(_model_name)]
FieldNames = Annotated[list[str], AfterValidator(_field_names)]
Order = Annotated[str, AfterValidator(_order)]
Domain = Annotated[list[Any], AfterValidator(_domain)]
