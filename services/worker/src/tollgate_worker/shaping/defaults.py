"""The fields a person looks at first, when a caller names none (Odoo would return them all)."""

from __future__ import annotations

from typing import Final

from tollgate_worker.schema import X2MANY_TYPES, ModelSchema

# Hand-picked for the models people ask about most; other models use `_GENERIC`.
_BY_MODEL: Final[dict[str, tuple[str, ...]]] = {
    "res.partner": ("name", "email", "phone", "city", "country_id", "is_company"),
    "res.users": ("name", "login", "email", "company_id"),
    "res.company": ("name", "currency_id", "country_id"),
    "sale.order": ("name", "partner_id", "date_order", "state", "amount_total", "user_id"),
    "sale.order.line": ("order_id", "name", "product_uom_qty", "price_unit", "price_subtotal"),
    "account.move": (
        "name",
        "partner_id",
        "invoice_date",
        "invoice_date_due",
        "state",
        "payment_state",
        "amount_total",
        "amount_residual",
    ),
    "account.move.line": ("move_id", "name", "account_id", "debit", "credit"),
    "crm.lead": ("name", "partner_id", "stage_id", "expected_revenue"),
    "project.project": ("name", "partner_id", "user_id"),
    "project.task": ("name", "project_id", "stage_id", "date_deadline", "priority"),
    "product.product": ("name", "default_code", "list_price", "type"),
    "product.template": ("name", "default_code", "list_price", "type"),
    "hr.employee": ("name", "job_title", "department_id", "work_email"),
    "mail.activity": ("res_model", "res_id", "summary", "date_deadline", "user_id"),
}
_GENERIC: Final = (
    "name",
    "display_name",
    "default_code",
    "partner_id",
    "state",
    "date",
    "date_order",
    "invoice_date",
    "amount_total",
    "list_price",
    "user_id",
    "stage_id",
)
MAX_DEFAULT_FIELDS: Final = 8
_NEVER_BY_DEFAULT: Final = frozenset({"binary", "html", *X2MANY_TYPES})


def default_fields(model: str, schema: ModelSchema) -> list[str]:
    """A handful of telling fields of ``model`` that this user can see."""
    candidates = _BY_MODEL.get(model, _GENERIC)
    chosen = [
        name for name in candidates if name in schema and schema[name].type not in _NEVER_BY_DEFAULT
    ]
    if "name" in chosen and "display_name" in chosen:
        chosen.remove("display_name")
    return chosen[:MAX_DEFAULT_FIELDS] or ["display_name"]
