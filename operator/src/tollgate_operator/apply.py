"""Idempotent apply: create what is missing, merge-patch what drifted, leave the rest alone.

"Drifted" means some field the builder sets differs in the live object; fields the API server or
other controllers add (defaults, status, their own annotations) are not ours and are ignored. This
works on any API server, without server-side apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from tollgate_operator.kube import ApiError, KubeClient

Outcome = Literal["created", "updated", "unchanged"]
Obj = dict[str, Any]


def is_subset(desired: Any, live: Any) -> bool:
    """Whether every field of ``desired`` has the same value in ``live`` (lists item by item)."""
    if isinstance(desired, Mapping):
        return isinstance(live, Mapping) and all(
            key in live and is_subset(value, live[key]) for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(live, list)
            and len(desired) == len(live)
            and all(is_subset(d, x) for d, x in zip(desired, live, strict=True))
        )
    return bool(desired == live)


def drifted(desired: Mapping[str, Any], live: Mapping[str, Any]) -> bool:
    return not is_subset({k: v for k, v in desired.items() if k != "status"}, live)


async def apply(client: KubeClient, desired: Mapping[str, Any]) -> tuple[Outcome, Obj]:
    """Returns what was done and the object as the API server now holds it."""
    meta = desired["metadata"]
    live = await client.get(desired["kind"], meta["namespace"], meta["name"])
    if live is None:
        try:
            return "created", await client.create(desired)
        except ApiError as error:
            if error.status != 409:
                raise
            # Created meanwhile (a concurrent reconcile): fall through to compare and patch.
            live = await client.get(desired["kind"], meta["namespace"], meta["name"])
            if live is None:
                raise
    if not drifted(desired, live):
        return "unchanged", live
    patched = await client.merge_patch(desired["kind"], meta["namespace"], meta["name"], desired)
    return "updated", patched
