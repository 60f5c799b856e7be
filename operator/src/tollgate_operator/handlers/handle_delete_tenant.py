"""A tenant is being deleted: revoke its tokens, deregister it, then remove its worker.

auth revokes every OAuth grant and API key of the tenant first (`revoke.revoke_tenant`); until
that succeeds the handler fails temporarily and the finalizer stays. Removing its compiled config
next makes front, auth and policy forget the tenant; then the children go (owner references
would collect them too, but the operator does not leave that to chance or to the garbage
collector's timing).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from tollgate_operator import build
from tollgate_operator.context import OperatorContext
from tollgate_operator.handlers.handle_reconcile_tenant import (
    register_config,
    registered_owner,
    shared_config_map,
)
from tollgate_operator.revoke import revoke_tenant

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
        # Only the namespace that registered the name owns its tokens (a refused twin has none).
        if registered_owner(config_map, name) == namespace:
            await _revoke_tokens(ctx, name, logger)
            await register_config(ctx, name, namespace, None, config_map)
            logger.info("deregistered the tenant from the services")
        for kind, suffix in CHILDREN:
            child = build.child_name(name, suffix)
            if await ctx.delete(kind, namespace, child):
                logger.info(f"deleted {kind} {child}")
    ctx.locks.pop((namespace, name), None)


async def _revoke_tokens(
    ctx: OperatorContext, name: str, logger: logging.Logger | logging.LoggerAdapter[Any]
) -> None:
    if not ctx.settings.auth_address:
        logger.warning("no auth address is set: the tenant's tokens were not revoked")
        return
    settings = ctx.settings
    revoked = await revoke_tenant(
        settings.auth_address,
        name,
        deadline=settings.auth_timeout,
        retry=settings.auth_retry_seconds,
    )
    logger.info(
        f"revoked the tenant's tokens: {revoked.grants_revoked} connections, "
        f"{revoked.api_keys_revoked} API keys"
    )
