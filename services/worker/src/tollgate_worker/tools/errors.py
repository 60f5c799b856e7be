"""Odoo's errors in words an assistant can act on: which operation on which model was refused,
which names come closest to an unknown field or model, which field failed validation."""

from __future__ import annotations

import difflib
import re
from typing import Final

from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_worker.odoo.errors import (
    OdooAccessError,
    OdooError,
    OdooInvalidRequest,
    OdooMissingError,
    OdooValidationError,
)
from tollgate_worker.schema import ModelSchema

_VERBS: Final = {
    "read": "read",
    "create": "create",
    "write": "change",
    "unlink": "delete",
    "execute": "run actions on",
}
_UNKNOWN_FIELD: Final = re.compile(
    r"Invalid field '?([a-z0-9_]+)'? on model|Invalid field [a-z0-9_.]+?\.([a-z0-9_]+) in leaf"
)


def nearest_fields(name: str, schema: ModelSchema) -> list[str]:
    return difflib.get_close_matches(name, list(schema), n=3, cutoff=0.6)


def unknown_field(model: str, name: str, schema: ModelSchema, *, field: str) -> TollgateError:
    suggestions = nearest_fields(name, schema)
    return TollgateError(
        ErrorCode.INVALID_ARGUMENT,
        f"{model} has no field {name!r}.",
        hint="" if suggestions else f"Use describe_model with model={model} to list its fields.",
        field=field,
        suggestions=suggestions,
    )


def access_refused(error: OdooError, model: str, operation: str) -> TollgateError:
    verb = _VERBS.get(operation, operation)
    return TollgateError(
        ErrorCode.PERMISSION_DENIED,
        f"Your Odoo user may not {verb} {model} records. Odoo said: {error.message}",
        hint="Ask your Odoo administrator for this right, or work with records you may see.",
    )


def validation_failed(error: OdooError, schema: ModelSchema | None) -> TollgateError:
    """Odoo's sentence, with the field it is about when the sentence names one."""
    field = ""
    if schema:
        text = error.message.lower()
        for name, info in schema.items():
            if re.search(rf"\b{re.escape(name)}\b", text) or (
                info.string and len(info.string) > 3 and info.string.lower() in text
            ):
                field = name
                break
    message = error.message if not field else f"{error.message} (field {field!r})"
    return TollgateError(
        ErrorCode.VALIDATION_FAILED,
        message,
        hint="Correct the value and try again.",
        field=field,
    )


def explain(
    error: OdooError,
    *,
    model: str,
    operation: str,
    schema: ModelSchema | None,
    model_suggestions: list[str] | None = None,
) -> TollgateError:
    """The `TollgateError` for ``error`` raised while a tool worked on ``model``."""
    if isinstance(error, OdooAccessError) and model:
        return access_refused(error, model, operation)
    if isinstance(error, OdooValidationError):
        return validation_failed(error, schema)
    if isinstance(error, OdooMissingError) and model:
        return TollgateError(
            ErrorCode.NOT_FOUND,
            f"Some of the {model} records do not exist or were deleted. Odoo said: {error.message}",
            hint="Search for the records first to get their current ids.",
        )
    if isinstance(error, OdooInvalidRequest):
        field_match = _UNKNOWN_FIELD.search(error.message)
        if field_match and schema:
            name = field_match.group(1) or field_match.group(2)
            return unknown_field(model, name, schema, field="")
        if model_suggestions is not None:
            return TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"There is no model {model!r} in this Odoo (or it is not installed).",
                hint="Use list_models to see the models you can work with.",
                field="model",
                suggestions=model_suggestions,
            )
    return error.to_tollgate()


def looks_like_unknown_model(error: OdooError) -> bool:
    if not isinstance(error, OdooInvalidRequest):
        return False
    return (
        "doesn't exist" in error.message
        or "Not Found" in error.message
        or (error.odoo_name == "werkzeug.exceptions.NotFound")
    )
