"""One tool call through the whole chain against the same call made directly to Odoo.

Starts its own local stack (`tollgate dev --free-ports`), then at concurrency 1, 8 and 32 runs a
fixed number of calls of each kind and prints p50/p99 latency and the gateway/direct ratio:

- gateway: MCP ``tools/call search_records`` (protocol 2026-07-28, one HTTP POST) to the front,
  which asks auth (cached after the first call), policy, and the tenant's worker, which calls the
  simulator;
- direct: the same ``search_read`` as JSON-RPC ``execute_kw`` straight to the same simulator,
  with the same user, domain, fields and limit (the worker asks one record more than the limit to
  know whether more exist, so the direct call does too).

Both sides use plain keep-alive HTTP from this process, so neither pays an SDK's client overhead.
Bounded: a fixed number of calls per level, no thresholds.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from tollgate_cli.stack_file import TenantEndpoint
from tollgate_cli.testing import mcp_headers, mcp_request, odoo_sign_in, running_dev_stack

TENANT = "bench"
# Its own tenant: the examples' rate limits would stop a benchmark after a minute's worth of calls.
TENANT_YAML = """
apiVersion: tollgate.dev/v1alpha1
kind: OdooTenant
metadata:
  name: bench
  annotations: {tollgate.dev/simulator: "18.0"}
spec:
  odoo: {url: "http://127.0.0.1:8069", database: odoo, allowInsecureHttp: true}
  access: {mode: readOnly, allowedEmails: ["*"]}
  policy:
    models: [{model: res.partner, allow: [read]}]
"""
LEVELS = (1, 8, 32)
CALLS_PER_LEVEL = {1: 300, 8: 640, 32: 1280}
WARMUP_CALLS = 30

MODEL = "res.partner"
DOMAIN: list[Any] = [["is_company", "=", True]]
FIELDS = ["name", "email", "city"]
LIMIT = 10

Call = Callable[[httpx.AsyncClient], Awaitable[None]]


def gateway_call(tenant: TenantEndpoint) -> Call:
    body = mcp_request(
        "tools/call",
        {
            "name": "search_records",
            "arguments": {"model": MODEL, "domain": DOMAIN, "fields": FIELDS, "limit": LIMIT},
        },
    )
    headers = mcp_headers(tenant, "tools/call", "search_records")

    async def call(client: httpx.AsyncClient) -> None:
        response = await client.post(tenant.mcp_url, json=body, headers=headers)
        result = response.json().get("result", {})
        if response.status_code != 200 or result.get("isError"):
            raise RuntimeError(f"gateway call failed: {response.status_code} {response.text[:300]}")

    return call


async def direct_call(tenant: TenantEndpoint, database: str) -> Call:
    url = f"{tenant.odoo_url}/jsonrpc"
    async with httpx.AsyncClient() as client:
        uid, api_key = await odoo_sign_in(client, tenant, database)
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [
                database,
                uid,
                api_key,
                MODEL,
                "search_read",
                [DOMAIN],
                {"fields": FIELDS, "limit": LIMIT + 1, "offset": 0},
            ],
        },
    }

    async def call(client: httpx.AsyncClient) -> None:
        response = await client.post(url, json=body)
        if response.status_code != 200 or "error" in response.json():
            raise RuntimeError(f"direct call failed: {response.text[:300]}")

    return call


async def measure(call: Call, concurrency: int, total: int) -> list[float]:
    """Latencies (ms) of ``total`` calls made by ``concurrency`` concurrent callers."""
    latencies: list[float] = []
    remaining = total
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        for _ in range(WARMUP_CALLS):
            await call(client)

        async def caller() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                await call(client)
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(caller() for _ in range(concurrency)))
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(tenant: TenantEndpoint, database: str) -> None:
    direct = await direct_call(tenant, database)
    gateway = gateway_call(tenant)
    print(
        f"search_records {MODEL} {DOMAIN} fields={FIELDS} limit={LIMIT}, tenant {tenant.name} "
        f"(simulated Odoo {tenant.simulator_version})"
    )
    header = (
        f"{'conc':>4} {'calls':>6} | {'direct p50':>10} {'p99':>9} | "
        f"{'gateway p50':>11} {'p99':>9} | {'ratio p50':>9} {'p99':>6} | {'added p50':>9}"
    )
    print(header)
    print("-" * len(header))
    for concurrency in LEVELS:
        total = CALLS_PER_LEVEL[concurrency]
        direct_ms = await measure(direct, concurrency, total)
        gateway_ms = await measure(gateway, concurrency, total)
        d50, d99 = statistics.median(direct_ms), percentile(direct_ms, 0.99)
        g50, g99 = statistics.median(gateway_ms), percentile(gateway_ms, 0.99)
        print(
            f"{concurrency:>4} {total:>6} | {d50:>8.1f}ms {d99:>7.1f}ms | "
            f"{g50:>9.1f}ms {g99:>7.1f}ms | {g50 / d50:>8.2f}x {g99 / d99:>5.2f}x | "
            f"{g50 - d50:>7.1f}ms"
        )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="tollgate-bench-") as work:
        tenants_dir, state = Path(work) / "tenants", Path(work) / "state"
        tenants_dir.mkdir()
        (tenants_dir / f"{TENANT}.yaml").write_text(TENANT_YAML)
        print("starting the local stack (tollgate dev --free-ports) ...", file=sys.stderr)
        with running_dev_stack(state, tenants_dir=tenants_dir) as stack:
            tenant = stack.info.tenants[TENANT]
            config = (state / "tenants" / f"{TENANT}.json").read_text()
            from tollgate_common.tenants import TenantConfig

            database = TenantConfig.from_json(config).odoo.database
            asyncio.run(run(tenant, database))


if __name__ == "__main__":
    main()
