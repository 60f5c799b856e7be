"""Every model class declared anywhere, in declaration order, so a registry can assemble them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Model

_DECLARED: list[type[Model]] = []


def remember(cls: type[Model]) -> None:
    _DECLARED.append(cls)


def declared_models(module_prefix: str | None = None) -> list[type[Model]]:
    """Declared classes whose module starts with *module_prefix* (all of them when None)."""
    return [
        cls
        for cls in _DECLARED
        if module_prefix is None
        or cls.__module__ == module_prefix
        or cls.__module__.startswith(module_prefix + ".")
    ]
