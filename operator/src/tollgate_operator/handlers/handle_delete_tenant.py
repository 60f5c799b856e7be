"""A tenant is being deleted: deregister it everywhere, then remove its worker.

Removing its compiled config first makes front, auth and policy forget the tenant, so its tokens
stop working at once; then the children go (owner references would collect them too, but the
operator does not leave that to chance or to the garbage collector's timing).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from tollgate_operator import build
from tollgate_operator.apply import remove
from tollgate_operator.context import OperatorContext
from tollgate_operator.handlers.handle_reconcile_tenant import (
    register_config,
    registered_owner,
    shared_config_map,
)

CHILDREN = (
    ("Deployment", ""),
    ("PodDisruptionBudget", ""),
    ("Service", ""),
    ("NetworkPolicy", ""),
    ("Secret", "keys"),
)


async def on_tenant_deleted(
    ctx: OperatorContext,
    body: Mapping[str, Any],
    logger: logging.Logger | logging.LoggerAdapter[Any],
) -> None:
    meta = body["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    async with ctx.lock(namespace, name):
        config_map = await shared_config_map(ctx)
        if registered_owner(config_map, name) == namespace:
            await register_config(ctx, name, namespace, None, config_map)
            logger.info("deregistered the tenant from the services")
        for kind, suffix in CHILDREN:
            ctx.forget(kind, namespace, build.child_name(name, suffix))
            if await remove(ctx.client, kind, namespace, build.child_name(name, suffix)):
                logger.info(f"deleted {kind} {build.child_name(name, suffix)}")
    ctx.locks.pop((namespace, name), None)
