"""Access rights (``ir.model.access``), record rules (``ir.rule``) and group-restricted fields.

The rules are data (written by the addons); this module is the engine that applies them the way
Odoo does: superuser bypasses everything, model access is the union of the user's groups' rows,
global rules intersect, group rules union, and field ``groups=`` hide and refuse fields.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import AccessError
from . import fields
from .safe_eval import safe_eval_domain

if TYPE_CHECKING:
    from .fields import Field
    from .models import Model
    from .registry import Registry

OPERATIONS = ("read", "write", "create", "unlink")

_ACCESS_HEADER = {
    "read": "You are not allowed to access '{kind}' ({model}) records.",
    "write": "You are not allowed to modify '{kind}' ({model}) records.",
    "create": "You are not allowed to create '{kind}' ({model}) records.",
    "unlink": "You are not allowed to delete '{kind}' ({model}) records.",
}


def _rows(registry: Registry, model: str) -> Iterable[dict[str, Any]]:
    table = registry.tables.get(model)
    return table.rows.values() if table is not None else ()


def _per_generation(registry: Registry, key: str, build: Any) -> Any:
    cache: dict[str, tuple[int, Any]] = registry.__dict__.setdefault("_security_cache", {})
    hit = cache.get(key)
    if hit is None or hit[0] != registry.generation:
        hit = (registry.generation, build())
        cache[key] = hit
    return hit[1]


def user_group_ids(registry: Registry, uid: int) -> frozenset[int]:
    """The user's groups, including every group they imply (transitively)."""

    def build() -> frozenset[int]:
        users = registry.models.get("res.users")
        if users is None or uid not in registry.tables["res.users"].rows:
            return frozenset()
        field = users._fields.get("group_ids") or users._fields.get("groups_id")
        if not isinstance(field, fields.Many2many):
            return frozenset()
        direct = registry.relation(field).linked(field.column1 or "", uid)
        groups = registry.models["res.groups"]
        implied = groups._fields.get("implied_ids")
        seen: set[int] = set()
        todo = list(direct)
        while todo:
            gid = todo.pop()
            if gid in seen:
                continue
            seen.add(gid)
            if isinstance(implied, fields.Many2many):
                todo.extend(registry.relation(implied).linked(implied.column1 or "", gid))
        return frozenset(seen)

    result: frozenset[int] = _per_generation(registry, f"groups:{uid}", build)
    return result


def has_group(registry: Registry, uid: int, xmlid: str) -> bool:
    found = registry.xmlid_to_res(xmlid)
    return found is not None and found[1] in user_group_ids(registry, uid)


def _model_ids(registry: Registry) -> dict[int, str]:
    return {rid: str(row.get("model")) for rid, row in registry.tables["ir.model"].rows.items()}


def _access_rows(registry: Registry) -> dict[str, list[dict[str, Any]]]:
    def build() -> dict[str, list[dict[str, Any]]]:
        names = _model_ids(registry)
        result: dict[str, list[dict[str, Any]]] = {}
        for row in _rows(registry, "ir.model.access"):
            if row.get("active", True):
                result.setdefault(names.get(row.get("model_id") or 0, ""), []).append(row)
        return result

    rows: dict[str, list[dict[str, Any]]] = _per_generation(registry, "access", build)
    return rows


def model_description(model: Model) -> str:
    return model._description or model._name or ""


def check_model_access(model: Model, operation: str, raise_exception: bool = True) -> bool:
    """Odoo's ``check_access_rights``: True, False or the AccessError Odoo raises."""
    if operation not in OPERATIONS:
        raise ValueError(f"Invalid access mode {operation!r}")
    env = model.env
    if env.su:
        return True
    registry = env.registry
    groups = user_group_ids(registry, env.uid)
    allowed_groups: list[int] = []
    for row in _access_rows(registry).get(model._name or "", []):
        if not row.get(f"perm_{operation}"):
            continue
        group = row.get("group_id")
        if not group or group in groups:
            return True
        allowed_groups.append(group)
    if not raise_exception:
        return False
    raise AccessError(_access_message(model, operation, allowed_groups))


def _access_message(model: Model, operation: str, group_ids: Sequence[int]) -> str:
    header = _ACCESS_HEADER[operation].format(kind=model_description(model), model=model._name)
    groups = model.env(su=True)["res.groups"].browse(tuple(dict.fromkeys(group_ids)))
    names = sorted(str(name) for name in groups.mapped("display_name"))
    if names:
        listing = "\n".join(f"\t- {name}" for name in names)
        info = f"This operation is allowed for the following groups:\n{listing}"
    else:
        info = "No group currently allows this operation."
    return f"{header}\n\n{info}\n\nContact your administrator to request access if necessary."


def _rule_rows(registry: Registry, model: str, operation: str) -> list[dict[str, Any]]:
    def build() -> dict[str, list[dict[str, Any]]]:
        names = _model_ids(registry)
        result: dict[str, list[dict[str, Any]]] = {}
        if "ir.rule" not in registry.tables:
            return result
        groups_field = registry.models["ir.rule"]._fields["groups"]
        relation = registry.relation(groups_field)  # type: ignore[arg-type]
        for rid, row in registry.tables["ir.rule"].rows.items():
            if not row.get("active", True):
                continue
            entry = dict(row, id=rid, group_ids=relation.linked(groups_field.column1 or "", rid))  # type: ignore[attr-defined]
            result.setdefault(names.get(row.get("model_id") or 0, ""), []).append(entry)
        return result

    rules: dict[str, list[dict[str, Any]]] = _per_generation(registry, "rules", build)
    return [row for row in rules.get(model, []) if row.get(f"perm_{operation}", True)]


def rule_domain(model: Model, operation: str) -> list[Any] | None:
    """The combined rule domain for the current user, or None when no rule applies."""
    env = model.env
    if env.su:
        return None
    rows = _rule_rows(env.registry, model._name or "", operation)
    if not rows:
        return None
    groups = user_group_ids(env.registry, env.uid)
    names = {
        "user": env(su=True)["res.users"].browse(env.uid),
        "company_id": env.company.id,
        "company_ids": env.companies.ids,
        "time": time,
    }
    global_domains: list[list[Any]] = []
    group_domains: list[list[Any]] = []
    for row in rows:
        group_ids = row["group_ids"]
        if group_ids and not groups.intersection(group_ids):
            continue
        domain = list(safe_eval_domain(row.get("domain_force") or "[]", names) or [])
        (group_domains if group_ids else global_domains).append(domain or [(1, "=", 1)])
    major = env.version.major
    parts = list(global_domains)
    if group_domains:
        parts.append(_combine("|", group_domains, major))
    if not parts:
        return None
    return _combine("&", parts, major)


def _combine(operator: str, domains: list[list[Any]], major: int) -> list[Any]:
    result: list[Any] = [operator] * (len(domains) - 1)
    for domain in domains:
        result.extend(_normalized(domain, major))
    return result


def _normalized(domain: list[Any], major: int) -> list[Any]:
    from .. import domain as domains

    return list(domains.normalize(domain, version=major))


def rule_filter(model: Model, operation: str, ids: Iterable[int]) -> list[int]:
    """*ids* restricted to the records the user's rules let them *operation*."""
    domain = rule_domain(model, operation)
    if domain is None:
        return list(ids)
    from .search import filter_ids

    return filter_ids(model.sudo(), domain, ids)


def linked_filter(model: Model, operation: str, ids: Iterable[int]) -> list[int]:
    """*ids* restricted by the model's own code-defined access (``_linked_access_filter``)."""
    allows = None if model.env.su else model._linked_access_filter(operation)
    return list(ids) if allows is None else [rid for rid in ids if allows(rid)]


def check_record_rules(records: Model, operation: str) -> None:
    """Odoo's ``check_access_rule``: AccessError for hidden records, MissingError for gone ones."""
    env = records.env
    if env.su or not records._ids:
        return
    table = env.registry.tables[records._name or ""]
    existing = [rid for rid in dict.fromkeys(records._ids) if rid in table.rows]
    allowed = set(rule_filter(records, operation, existing))
    forbidden = [rid for rid in existing if rid not in allowed]
    if forbidden:
        raise AccessError(_rule_message(records, operation))
    records.browse(tuple(existing))._check_linked_access(operation)
    missing = [rid for rid in records._ids if rid not in table.rows]
    if missing and operation not in ("read", "unlink"):
        from ..exceptions import MissingError

        raise MissingError(
            "One of the documents you are trying to access has been deleted, "
            "please try again after refreshing.\n\n"
            f"(Document type: {records._name}, Operation: {operation}, "
            f"Records: {missing[:6]}, User: {env.uid})"
        )


def _rule_message(records: Model, operation: str) -> str:
    user = records.env(su=True)["res.users"].browse(records.env.uid)
    return (
        "Uh-oh! Looks like you have stumbled upon some top-secret records.\n\n"
        f"Sorry, {user.display_name} (id={records.env.uid}) doesn't have '{operation}' access to:\n"
        f"- {model_description(records)} ({records._name})\n\n"
        "If you really, really need access, perhaps you can win over your friendly "
        "administrator with a batch of freshly baked cookies."
    )


def field_allowed(model: Model, field: Field) -> bool:
    if not field.groups or model.env.su:
        return True
    registry = model.env.registry
    return any(
        has_group(registry, model.env.uid, xmlid.strip())
        for xmlid in field.groups.split(",")
        if xmlid.strip()
    )


def check_field_access(model: Model, operation: str, names: Iterable[str]) -> None:
    """Refuse reading/writing group-restricted fields like ``check_field_access_rights``."""
    if model.env.su:
        return
    denied = [
        name
        for name in names
        if name in model._fields and not field_allowed(model, model._fields[name])
    ]
    if denied:
        raise AccessError(
            f'You do not have enough rights to access the fields "{",".join(denied)}" on '
            f"{model_description(model)} ({model._name}). Please contact your system administrator."
            f"\n\n(Operation: {operation})"
        )
