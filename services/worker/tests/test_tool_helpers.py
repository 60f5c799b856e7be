"""Pure helpers of the tools: group orders per version, value conversion, error explanations."""

from __future__ import annotations

from tollgate_common.errors import ErrorCode
from tollgate_worker.odoo.errors import (
    OdooAccessError,
    OdooInvalidRequest,
    OdooMissingError,
    OdooValidationError,
)
from tollgate_worker.schema import FieldInfo
from tollgate_worker.tools.aggregate_records import _order_terms
from tollgate_worker.tools.errors import explain
from tollgate_worker.tools.workflow import summarize

SCHEMA = {
    "name": FieldInfo("char", string="Name"),
    "email": FieldInfo("char", string="Email"),
    "country_id": FieldInfo("many2one", "res.country", string="Country"),
}


def test_group_orders_follow_the_odoo_version() -> None:
    order = "amount_total:sum desc, count"
    assert _order_terms(order, legacy=True) == "amount_total desc, __count"
    assert _order_terms(order, legacy=False) == "amount_total:sum desc, __count"


def test_method_results_stay_readable() -> None:
    action = {"type": "ir.actions.act_window", "name": "Invoice", "res_model": "account.move"}
    assert summarize(action, 100) == {
        "action": "ir.actions.act_window",
        "name": "Invoice",
        "res_model": "account.move",
    }
    assert summarize(True, 100) is True
    assert summarize(list(range(1000)), 100).startswith("(a list of")


def test_access_errors_name_operation_and_model() -> None:
    error = explain(
        OdooAccessError("You are not allowed."), model="sale.order", operation="unlink", schema=None
    )
    assert error.code is ErrorCode.PERMISSION_DENIED
    assert (
        error.message
        == "Your Odoo user may not delete sale.order records. Odoo said: You are not allowed."
    )


def test_validation_errors_name_the_field() -> None:
    error = explain(
        OdooValidationError("The Email is not valid"),
        model="res.partner",
        operation="create",
        schema=SCHEMA,
    )
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert error.field == "email"


def test_unknown_fields_and_models_get_suggestions() -> None:
    field = explain(
        OdooInvalidRequest("Invalid field 'emial' on model 'res.partner'"),
        model="res.partner",
        operation="read",
        schema=SCHEMA,
    )
    assert field.suggestions == ("email",)
    model = explain(
        OdooInvalidRequest("Object res.partnr doesn't exist"),
        model="res.partnr",
        operation="read",
        schema=None,
        model_suggestions=["res.partner"],
    )
    assert model.field == "model"
    assert model.suggestions == ("res.partner",)


def test_missing_records_say_what_to_do() -> None:
    error = explain(OdooMissingError("gone"), model="res.partner", operation="write", schema=None)
    assert error.code is ErrorCode.NOT_FOUND
    assert "Search for the records first" in error.hint
