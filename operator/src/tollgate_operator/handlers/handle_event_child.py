"""A worker child changed: follow the worker's availability and repair drift.

The echo of the operator's own write is ignored; a Deployment whose status alone moved (the
Deployment controller reporting available replicas) updates the tenant's conditions; anything
else — a child deleted or edited by someone else — reconciles its tenant, which puts it back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from tollgate_operator.build import TENANT_LABEL
from tollgate_operator.context import OperatorContext
from tollgate_operator.handlers.handle_reconcile_tenant import (
    reconcile_tenant,
    refresh_worker_status,
)


async def on_child_event(
    ctx: OperatorContext,
    event: Mapping[str, Any],
    logger: logging.Logger | logging.LoggerAdapter[Any],
) -> None:
    if event.get("type") is None:
        return  # the initial listing: resuming the tenants covers it
    child = event.get("object") or {}
    meta = child.get("metadata") or {}
    name = (meta.get("labels") or {}).get(TENANT_LABEL)
    namespace = meta.get("namespace")
    if not name or not namespace:
        return
    deleted = event.get("type") == "DELETED"
    if not deleted and ctx.is_own_write(child):
        return
    if not deleted and child.get("kind") == "Deployment" and ctx.spec_unchanged(child):
        ctx.remember(child)
        if await refresh_worker_status(ctx, namespace, name, child):
            return
    tenant = await ctx.client.get("OdooTenant", namespace, name)
    if tenant is None or tenant["metadata"].get("deletionTimestamp"):
        return  # the tenant is gone or going: its delete handler cleans up
    logger.info(f"{child.get('kind')} {meta.get('name')} changed: reconciling {name}")
    await reconcile_tenant(ctx, tenant, logger=logger)
