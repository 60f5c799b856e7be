"""The detected Odoo version in a tenant's status: the operator asks the tenant's Odoo itself.

It sends the one request Odoo answers without a login (`tollgate_common.odoo_version`, the same
request the worker detects its protocol with), so nothing but front and auth ever needs to call
a worker. The probe runs in the background with a deadline, so a slow or unreachable Odoo never
holds up a reconcile; a failed probe is retried by the next reconcile (at the latest the
periodic resync).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import httpx
from tollgate_common.odoo_version import probe_odoo_version
from tollgate_common.tenants import TenantSpecError, parse_tenant_resource
from tollgate_common.tenants.spec import OdooSpec

from tollgate_operator.context import OperatorContext

PROBE_DEADLINE_SECONDS: Final = 5.0
USER_AGENT: Final = "tollgate-operator/0.1"
logger = logging.getLogger(__name__)


async def detect_odoo_version(odoo: OdooSpec) -> str | None:
    """The series the tenant's Odoo reports ("18.0"), or None when it names none in time."""
    async with httpx.AsyncClient(
        verify=odoo.verify_tls,
        timeout=PROBE_DEADLINE_SECONDS,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    ) as client:
        try:
            async with asyncio.timeout(PROBE_DEADLINE_SECONDS):
                return await probe_odoo_version(odoo.url, client=client)
        except TimeoutError:
            return None


def probe_in_background(ctx: OperatorContext, namespace: str, name: str, odoo: OdooSpec) -> None:
    """Start a probe of the tenant's Odoo unless one of that same Odoo is already running."""
    key = (namespace, name, odoo.url)
    if key in ctx.probes:
        return
    task = asyncio.get_running_loop().create_task(_probe(ctx, namespace, name, odoo))
    ctx.probes[key] = task
    task.add_done_callback(lambda _: ctx.probes.pop(key, None))


async def _probe(ctx: OperatorContext, namespace: str, name: str, odoo: OdooSpec) -> None:
    version = await detect_odoo_version(odoo)
    if version is None:
        logger.info("no Odoo version yet", extra={"tenant": name, "namespace": namespace})
        return
    async with ctx.lock(namespace, name):
        tenant = await ctx.client.get("OdooTenant", namespace, name)
        if tenant is None or (tenant.get("status") or {}).get("odooVersion") == version:
            return
        # The spec may have moved to another Odoo while the probe ran: that one is asked next.
        try:
            _, spec = parse_tenant_resource(tenant)
        except TenantSpecError:
            return
        if spec.odoo.url != odoo.url:
            return
        await ctx.client.merge_patch(
            "OdooTenant", namespace, name, {"status": {"odooVersion": version}}, sub="status"
        )
