"""Odoo's exception classes, with the module path Odoo reports for each.

Clients tell errors apart by the path in JSON-RPC's ``data.name`` (``odoo.exceptions.AccessError``)
and by XML-RPC fault codes derived from the class, so the hierarchy mirrors ``odoo/exceptions.py``.
"""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """An error the user caused and can fix; Odoo shows its message as is."""

    odoo_path = "odoo.exceptions.UserError"

    def __init__(self, message: str) -> None:
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class RedirectWarning(Exception):
    """A warning that offers to open an action; XML-RPC reports it as a warning (code 2)."""

    odoo_path = "odoo.exceptions.RedirectWarning"

    def __init__(
        self,
        message: str,
        action: int | str,
        button_text: str,
        additional_context: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, action, button_text, additional_context)

    @property
    def message(self) -> str:
        return str(self.args[0])


class AccessDenied(UserError):
    """Wrong login, password or API key. Odoo hides its traceback on purpose."""

    odoo_path = "odoo.exceptions.AccessDenied"

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class AccessError(UserError):
    """The user may not perform this operation on these records."""

    odoo_path = "odoo.exceptions.AccessError"


class MissingError(UserError):
    """The records do not exist (any more)."""

    odoo_path = "odoo.exceptions.MissingError"


class ValidationError(UserError):
    """A constraint on the values failed."""

    odoo_path = "odoo.exceptions.ValidationError"


def odoo_path(exc: BaseException) -> str:
    """The dotted path Odoo puts in ``data.name`` (``builtins.ValueError`` for builtins)."""
    path = getattr(type(exc), "odoo_path", None)
    if isinstance(path, str):
        return path
    cls = type(exc)
    return f"{cls.__module__}.{cls.__qualname__}"
