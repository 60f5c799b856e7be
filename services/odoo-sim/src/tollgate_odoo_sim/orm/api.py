"""Method decorators with Odoo's names: they only tag functions; the registry reads the tags."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: ``func._api`` values: how ``call_kw`` binds a call (records, model, model with create's shape).
API_MODEL = "model"
API_MODEL_CREATE = "model_create"


def model(func: F) -> F:
    """The method works on the model, not on records: RPC callers pass no ids."""
    func._api = API_MODEL  # type: ignore[attr-defined]
    return func


def model_create_multi(func: F) -> F:
    """``create`` taking a list of values; a single dict is wrapped into a list."""

    @functools.wraps(func)
    def create(self: Any, vals_list: Any = None, *args: Any, **kwargs: Any) -> Any:
        if isinstance(vals_list, Mapping):
            vals_list = [vals_list]
        return func(self, vals_list or [], *args, **kwargs)

    create._api = API_MODEL_CREATE  # type: ignore[attr-defined]
    return create  # type: ignore[return-value]


def depends(*names: str | Callable[[Any], Any]) -> Callable[[F], F]:
    """Fields the compute method reads (dotted paths allowed); writing them recomputes."""

    def decorate(func: F) -> F:
        func._depends = names  # type: ignore[attr-defined]
        return func

    return decorate


def depends_context(*keys: str) -> Callable[[F], F]:
    """Accepted for compatibility: computed values here are never cached across contexts."""

    def decorate(func: F) -> F:
        func._depends_context = keys  # type: ignore[attr-defined]
        return func

    return decorate


def constrains(*names: str) -> Callable[[F], F]:
    """Run the method after create/write when one of *names* was set (raises ValidationError)."""

    def decorate(func: F) -> F:
        func._constrains = names  # type: ignore[attr-defined]
        return func

    return decorate


def onchange(*names: str) -> Callable[[F], F]:
    """Accepted for compatibility: the simulator has no form views, so onchanges never run."""

    def decorate(func: F) -> F:
        func._onchange = names  # type: ignore[attr-defined]
        return func

    return decorate


def ondelete(*, at_uninstall: bool) -> Callable[[F], F]:
    """Run the method before ``unlink``; it raises UserError to forbid the deletion."""

    def decorate(func: F) -> F:
        func._ondelete = True  # type: ignore[attr-defined]
        return func

    return decorate


def autovacuum(func: F) -> F:
    return func


def private(func: F) -> F:
    """Odoo 18+ marker: never callable over RPC even without a leading underscore."""
    func._api_private = True  # type: ignore[attr-defined]
    return func


def api_kind(func: object) -> str | None:
    return getattr(func, "_api", None)
