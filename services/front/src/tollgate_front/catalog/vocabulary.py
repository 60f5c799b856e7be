"""The tenant's business words for models ("customers" -> res.partner, optionally with a default
domain), accepted wherever a tool takes a model.

Resolution happens here, before policy sees the call, so a decision is always about the real model.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Final

from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.tenants import TenantConfig

from tollgate_front.catalog.arguments import MODEL_NAME_PATTERN

_MODEL_NAME: Final = re.compile(MODEL_NAME_PATTERN)


@dataclass(frozen=True)
class ResolvedModel:
    model: str
    # The word's default domain, AND-ed with the caller's own.
    domain: list[Any] = field(default_factory=list)
    word: str = ""

    def and_domain(self, domain: list[Any] | None) -> list[Any]:
        # Two domains side by side in a list are AND-ed by Odoo.
        return [*self.domain, *(domain or [])]


def resolve_model(tenant: TenantConfig, name: str) -> ResolvedModel:
    word = " ".join(name.split()).lower()
    model = tenant.vocabulary.get(word)
    if model is not None:
        return ResolvedModel(
            model=model, domain=list(tenant.vocabulary_domains.get(word, [])), word=word
        )
    if _MODEL_NAME.fullmatch(name):
        return ResolvedModel(model=name)
    raise TollgateError(
        ErrorCode.INVALID_ARGUMENT,
        f"{name!r} is neither an Odoo model name nor one of this company's business words.",
        hint="Use list_models to see the models and words you can use.",
        field="model",
        suggestions=difflib.get_close_matches(word, list(tenant.vocabulary), n=3, cutoff=0.5),
    )


def aliases_by_model(tenant: TenantConfig) -> dict[str, list[str]]:
    aliases: dict[str, list[str]] = {}
    for word, model in sorted(tenant.vocabulary.items()):
        aliases.setdefault(model, []).append(word)
    return aliases
