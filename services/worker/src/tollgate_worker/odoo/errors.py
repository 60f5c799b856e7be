"""What can go wrong between the worker and Odoo, as typed exceptions.

Every protocol client turns Odoo's error report (the JSON-RPC ``error`` member, the JSON-2 error
body, an XML-RPC fault) or a transport failure into one of these classes, so callers never look at
wire formats. Each class knows the `TollgateError` it becomes at the gRPC boundary. Odoo's ``debug``
traceback is dropped here: it never travels further than this module.
"""

from __future__ import annotations

import re
from typing import ClassVar, Final

from tollgate_common.errors import ErrorCode, TollgateError


class OdooError(Exception):
    """Odoo refused or failed a request. ``message`` is Odoo's own sentence for it."""

    code: ClassVar[ErrorCode] = ErrorCode.ODOO_ERROR
    hint: ClassVar[str] = ""

    def __init__(self, message: str, *, odoo_name: str = "") -> None:
        super().__init__(message)
        self.message = message
        # Odoo's exception path (``odoo.exceptions.AccessError``); for logs and tests.
        self.odoo_name = odoo_name

    def to_tollgate(self) -> TollgateError:
        return TollgateError(self.code, self.message, hint=self.hint)


class OdooAccessDenied(OdooError):
    """The login or API key is wrong, expired or revoked."""

    code = ErrorCode.UNAUTHENTICATED
    hint = "Reconnect with a valid Odoo login and API key."


class OdooAccessError(OdooError):
    """The user's Odoo rights do not allow this operation."""

    code = ErrorCode.PERMISSION_DENIED
    hint = "Ask your Odoo administrator for access, or work with records you may see."


class OdooMissingError(OdooError):
    """The records do not exist or were deleted."""

    code = ErrorCode.NOT_FOUND


class OdooValidationError(OdooError):
    """A constraint on the values failed."""

    code = ErrorCode.VALIDATION_FAILED


class OdooUserError(OdooError):
    """Odoo refused the operation with a message meant for the user."""

    code = ErrorCode.ODOO_ERROR


class OdooInvalidRequest(OdooError):
    """The request is wrong: unknown model, field or method, malformed domain or arguments."""

    code = ErrorCode.INVALID_ARGUMENT
    hint = "Check the model, field and method names and the domain's shape."


class OdooServerError(OdooError):
    """Odoo failed with an internal error. The message names the error class only."""

    code = ErrorCode.ODOO_ERROR
    hint = "Odoo reported an internal error; try again later or ask an administrator."


class OdooUnavailable(OdooError):
    """Odoo cannot be reached or is overloaded."""

    code = ErrorCode.UNAVAILABLE
    hint = "Try again in a moment; if it keeps happening, ask an administrator."

    def __init__(self, message: str, *, odoo_name: str = "", retry_after: float = 0.0) -> None:
        super().__init__(message, odoo_name=odoo_name)
        self.retry_after = retry_after or RETRY_AFTER

    def to_tollgate(self) -> TollgateError:
        return TollgateError(self.code, self.message, hint=self.hint, retry_after=self.retry_after)


class OdooTimeout(OdooError):
    """Odoo did not answer before the call's deadline."""

    code = ErrorCode.DEADLINE_EXCEEDED
    hint = "Narrow the request (a smaller limit or a tighter domain) or try again later."


class OdooProtocolError(OdooError):
    """The server answered, but not the way Odoo does: wrong URL, proxy page, other software."""

    code = ErrorCode.UNAVAILABLE
    hint = "Check the tenant's Odoo URL and protocol settings."


RETRY_AFTER: Final = 5.0

# Odoo's exception paths (``data.name``) and the class each becomes. Python builtins raised by
# the ORM mean the request was malformed: an invalid domain or field is a ValueError, an unknown
# method an AttributeError, wrong arguments a TypeError.
_BY_NAME: Final[dict[str, type[OdooError]]] = {
    "odoo.exceptions.AccessDenied": OdooAccessDenied,
    "odoo.http.SessionExpiredException": OdooAccessDenied,
    "werkzeug.exceptions.Unauthorized": OdooAccessDenied,
    "odoo.exceptions.AccessError": OdooAccessError,
    "werkzeug.exceptions.Forbidden": OdooAccessError,
    "odoo.exceptions.MissingError": OdooMissingError,
    "odoo.exceptions.ValidationError": OdooValidationError,
    "odoo.exceptions.UserError": OdooUserError,
    "odoo.exceptions.RedirectWarning": OdooUserError,
    "odoo.exceptions.except_orm": OdooUserError,
    "builtins.ValueError": OdooInvalidRequest,
    "builtins.TypeError": OdooInvalidRequest,
    "builtins.KeyError": OdooInvalidRequest,
    "builtins.AttributeError": OdooInvalidRequest,
    "werkzeug.exceptions.NotFound": OdooInvalidRequest,
    "werkzeug.exceptions.BadRequest": OdooInvalidRequest,
    "werkzeug.exceptions.UnprocessableEntity": OdooInvalidRequest,
    "werkzeug.exceptions.MethodNotAllowed": OdooInvalidRequest,
}


# execute_kw on a model that is not installed: a UserError, yet the request is what is wrong.
_UNKNOWN_MODEL: Final = re.compile(r"^Object \S+ doesn't exist")


def error_from_odoo(name: str, message: str) -> OdooError:
    """The typed error for an exception Odoo reported by its dotted ``name``."""
    cls = _BY_NAME.get(name, OdooServerError)
    if cls is OdooUserError and _UNKNOWN_MODEL.match(message):
        cls = OdooInvalidRequest
    if cls is OdooServerError:
        # Messages of unexpected errors (database, programming errors) can quote SQL or values:
        # keep the class name only.
        short = name.rsplit(".", 1)[-1] or "error"
        return OdooServerError(f"Odoo failed with an internal error ({short}).", odoo_name=name)
    if cls is OdooAccessDenied:
        # Odoo says just "Access Denied"; say which credential is at fault.
        return OdooAccessDenied(
            "Odoo refused the login or API key (wrong, expired or revoked).", odoo_name=name
        )
    return cls(message.strip() or "Odoo refused the request.", odoo_name=name)
