"""Argument types shared by the tools, each with the JSON schema an AI reads before calling.

The schemas are precise so that a model gets shapes right on the first try; the worker checks
the same rules again (it never trusts its caller), and Odoo has the last word on meaning.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

MODEL_NAME_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
FIELD_NAME_PATTERN = r"^[a-z_][a-z0-9_]*$"
# "name", "date desc", "partner_id.name asc nulls last", comma-separated.
_ORDER_TERM = (
    r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?(\s+(asc|desc|ASC|DESC))?(\s+nulls\s+(first|last))?"
)
ORDER_PATTERN = rf"^{_ORDER_TERM}(\s*,\s*{_ORDER_TERM})*$"

# The largest page a read tool returns; the worker enforces its own configured maximum too.
MAX_LIMIT = 200

ModelName = Annotated[
    str,
    Field(
        pattern=MODEL_NAME_PATTERN,
        max_length=128,
        description="Technical Odoo model name, e.g. res.partner, sale.order, account.move.",
        examples=["res.partner"],
    ),
]

FieldName = Annotated[str, Field(pattern=FIELD_NAME_PATTERN, max_length=128)]

DomainOperator = Literal[
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "=?",
    "like",
    "not like",
    "ilike",
    "not ilike",
    "=like",
    "=ilike",
    "in",
    "not in",
    "child_of",
    "parent_of",
    "any",
    "not any",
]

DomainCondition = Annotated[
    tuple[Annotated[str, Field(min_length=1, max_length=256)], DomainOperator, Any],
    Field(
        description="[field, operator, value]; the field may be a dotted path (country_id.code)."
    ),
]

DomainItem = Literal["&", "|", "!"] | DomainCondition

Domain = Annotated[
    list[DomainItem],
    Field(
        max_length=200,
        description=(
            "Odoo domain in prefix notation: [field, operator, value] conditions, AND-ed by "
            "default; '|', '&' and '!' go before the conditions they combine. "
            'Example: [["is_company", "=", true], "|", ["city", "ilike", "paris"], '
            '["city", "ilike", "lyon"]]. Empty matches every record.'
        ),
    ),
]

FieldNames = Annotated[
    list[FieldName],
    Field(
        max_length=100,
        description="Fields to return; omit for a few sensible default fields.",
    ),
]

Limit = Annotated[
    int,
    Field(ge=1, le=MAX_LIMIT, description=f"Page size (default 20, at most {MAX_LIMIT})."),
]

Cursor = Annotated[
    str,
    Field(max_length=200, description="next_cursor of the previous page, to get the next one."),
]

Order = Annotated[
    str,
    Field(
        pattern=ORDER_PATTERN,
        max_length=256,
        description="Sort order, e.g. 'name' or 'date_order desc, id'.",
    ),
]
