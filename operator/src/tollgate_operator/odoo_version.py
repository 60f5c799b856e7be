"""The detected Odoo version in a tenant's status: asked of the tenant's worker (DescribeOdoo).

Only the worker talks to Odoo; the operator asks it once the worker is available, in the
background and with a deadline, so a slow or unreachable Odoo never holds up a reconcile. A
failed probe is retried by the periodic resync.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import grpc
from tollgate.v1 import worker_pb2, worker_pb2_grpc
from tollgate_common.grpc_channel import create_channel

from tollgate_operator.context import OperatorContext

PROBE_DEADLINE_SECONDS: Final = 5.0
logger = logging.getLogger(__name__)


async def describe_odoo(address: str) -> str | None:
    """The Odoo version string the worker at ``address`` reports, or None when it cannot tell."""
    channel = create_channel(address, default_deadline=PROBE_DEADLINE_SECONDS)
    try:
        stub = worker_pb2_grpc.WorkerServiceStub(channel)
        response = await stub.DescribeOdoo(worker_pb2.DescribeOdooRequest())
    except grpc.aio.AioRpcError as error:
        logger.info(
            "odoo version probe failed", extra={"address": address, "code": str(error.code())}
        )
        return None
    finally:
        await channel.close()
    return response.version or None


def probe_in_background(ctx: OperatorContext, namespace: str, name: str, address: str) -> None:
    """Start one probe for the tenant unless one is already running."""
    key = (namespace, name)
    if key in ctx.probes:
        return
    task = asyncio.get_running_loop().create_task(_probe(ctx, namespace, name, address))
    ctx.probes[key] = task
    task.add_done_callback(lambda _: ctx.probes.pop(key, None))


async def _probe(ctx: OperatorContext, namespace: str, name: str, address: str) -> None:
    version = await describe_odoo(address)
    if version is None:
        return
    async with ctx.lock(namespace, name):
        tenant = await ctx.client.get("OdooTenant", namespace, name)
        if tenant is None or (tenant.get("status") or {}).get("odooVersion") == version:
            return
        await ctx.client.merge_patch(
            "OdooTenant", namespace, name, {"status": {"odooVersion": version}}, sub="status"
        )
