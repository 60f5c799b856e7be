"""A worker child changed: follow the worker's availability and repair drift.

Any event of a labelled child (the Deployment reporting available replicas, a Service deleted by
hand, a NetworkPolicy edited) reconciles its tenant; applying is idempotent, so an event caused by
the operator's own change settles after one look.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from tollgate_operator.build import TENANT_LABEL
from tollgate_operator.context import OperatorContext
from tollgate_operator.handlers.handle_reconcile_tenant import reconcile_tenant, status_changed


async def on_child_event(
    ctx: OperatorContext,
    event: Mapping[str, Any],
    logger: logging.Logger | logging.LoggerAdapter[Any],
) -> None:
    if event.get("type") is None:
        return  # the initial listing: resuming the tenants covers it
    meta = (event.get("object") or {}).get("metadata") or {}
    name = (meta.get("labels") or {}).get(TENANT_LABEL)
    namespace = meta.get("namespace")
    if not name or not namespace:
        return
    tenant = await ctx.client.get("OdooTenant", namespace, name)
    if tenant is None or tenant["metadata"].get("deletionTimestamp"):
        return  # the tenant is gone or going: its delete handler cleans up
    outcome = await reconcile_tenant(ctx, tenant, logger=logger)
    if status_changed(tenant, outcome.status):
        await ctx.client.merge_patch(
            "OdooTenant", namespace, name, {"status": outcome.status}, sub="status"
        )
