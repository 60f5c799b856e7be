"""Argument types shared by the tools, each with the JSON schema an AI reads before calling.

The schemas are precise so that a model gets shapes right on the first try; the worker checks
the same rules again (it never trusts its caller), and Odoo has the last word on meaning.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

MODEL_NAME_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
FIELD_NAME_PATTERN = r"^[a-z_][a-z0-9_]*$"
# "name", "date desc", "partner_id.name asc nulls last", comma-separated (the worker checks
# each term precisely; this keeps the advertised pattern short).
ORDER_PATTERN = r"^[a-z_][a-z0-9_.]*( +[A-Za-z ]+)?(, *[a-z_][a-z0-9_.]*( +[A-Za-z ]+)?)*$"

# The largest page a read tool returns; the worker enforces its own configured maximum too.
MAX_LIMIT = 200
# The most records one write call may touch.
MAX_BATCH = 100

ModelName = Annotated[
    str,
    Field(
        pattern=MODEL_NAME_PATTERN,
        max_length=128,
        description="Technical Odoo model name, e.g. res.partner.",
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

# The field may be a dotted path (country_id.code); the worker checks it, Odoo resolves it.
DomainCondition = tuple[str, DomainOperator, Any]

DomainItem = Literal["&", "|", "!"] | DomainCondition

Domain = Annotated[
    list[DomainItem],
    Field(
        max_length=200,
        description="[field, operator, value] conditions, AND-ed; '|', '&', '!' prefix "
        'their operands: ["|", ["a", "=", 1], ["b", "=", 2]]',
    ),
]

FieldNames = Annotated[
    list[FieldName],
    Field(
        max_length=100,
        description="Fields to return; omit for a few telling ones.",
    ),
]

Limit = Annotated[
    int,
    Field(ge=1, le=MAX_LIMIT, description="Default 20."),
]

Order = Annotated[
    str,
    Field(pattern=ORDER_PATTERN, max_length=256, description="e.g. 'date_order desc, id'"),
]

# A technical model name or a business word of the tenant's vocabulary ("customers").
MODEL_REF_PATTERN = r"^[A-Za-z][\w. -]{0,127}$"

ModelRef = Annotated[
    str, Field(pattern=MODEL_REF_PATTERN, description="Model (res.partner) or business word.")
]

RecordId = Annotated[int, Field(gt=0)]

RecordIds = Annotated[list[RecordId], Field(min_length=1, max_length=MAX_BATCH)]

CompanyIds = Annotated[
    list[int], Field(max_length=20, description="Companies to use, active first.")
]

Cursor = Annotated[str, Field(max_length=200, description="next_cursor of the previous page.")]

Values = Annotated[
    dict[str, Any],
    Field(
        min_length=1,
        description="many2one as id, to-many as list of ids.",
    ),
]
