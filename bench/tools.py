"""The tool surface's cost: six everyday calls through the gateway and directly against Odoo.

Starts its own local stack (`tollgate dev --free-ports`, one tenant on a simulated Odoo, 18.0 by
default or ``--odoo-version 19.0``), makes sure 50+ leads exist (created through the gateway's own
``create_records``), then for each scenario at concurrency 1 and 8 runs a fixed number of calls:

- gateway: MCP ``tools/call`` (protocol 2026-07-28, one HTTP POST) to the front, which asks auth
  (cached), policy and the tenant's worker, which calls the simulator;
- direct: the request the worker sends for that call, as JSON-RPC (JSON-2 on 19) straight to
  the simulator with the same user (the worker asks one record more than the limit to know whether
  more exist, so the direct call does too).

Printed per scenario and concurrency: p50/p99 latency of both, the latency Tollgate adds (p50 and
p99 of gateway minus direct), the CPU time all Tollgate processes (front, auth, policy, worker)
spent per call (from /proc/<pid>/stat, summed), Odoo requests per gateway call (the simulator's
own request counter) and the answer's size (structuredContent, and the whole HTTP body).
Bounded: a fixed number of calls, no thresholds; targets are printed next to the figures.

Last, the architecture's floor, measured in the same run: the CPU of a bare MCP SDK server
answering a stateless ``tools/call`` with a ten-record result (same SDK, uvicorn, protocol and
transport-security settings as the front, no Tollgate code), plus two grpc.aio unary round trips
(the Authorize and ExecuteTool hops, client and server CPU, on uvloop), plus the client side of
one HTTP request to Odoo (this process's CPU while it made the direct calls). Tollgate's CPU per
call is printed as a ratio of that floor: what is left above 1x is Tollgate's own work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import httpx
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from tollgate_cli.stack_file import TenantEndpoint
from tollgate_cli.testing import (
    MCP_PROTOCOL_VERSION,
    DevStack,
    mcp_headers,
    mcp_request,
    odoo_sign_in,
    running_dev_stack,
)
from tollgate_common import event_loop

TENANT = "bench"
TENANT_YAML = """
apiVersion: tollgate.dev/v1alpha1
kind: OdooTenant
metadata:
  name: bench
  annotations: {{tollgate.dev/simulator: "{version}"}}
spec:
  odoo: {{url: "http://127.0.0.1:8069", database: odoo, allowInsecureHttp: true}}
  access: {{mode: readWrite, allowedEmails: ["*"]}}
  # One allowed method, so call_method is listed too: tools/list is measured for the whole catalog.
  policy: {{defaultModelAccess: allow, methods: [sale.order.action_confirm]}}
"""
LEVELS = (1, 8)
CALLS = {1: 200, 8: 400}
WARMUP = 20
LEADS_WANTED = 55
CLOCK_TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")

# The fields the worker picks when none are named (tollgate_worker.shaping.defaults), plus the
# currency field it reads to label amounts.
PARTNER_FIELDS = ["name", "email", "phone", "city", "country_id", "is_company"]
LEAD_FIELDS = [
    "name",
    "partner_id",
    "stage_id",
    "expected_revenue",
    "currency_id",
]
FIELD_ATTRIBUTES = [
    "type",
    "relation",
    "string",
    "required",
    "readonly",
    "selection",
    "store",
    "currency_field",
]


@dataclass(frozen=True)
class Scenario:
    name: str
    tool: str
    arguments: dict[str, Any]
    # What the worker sends to Odoo for it: model, method, args, kwargs (keyword form).
    direct: tuple[str, str, list[Any], dict[str, Any]]


def scenarios(major: int) -> list[Scenario]:
    companies = [["is_company", "=", True]]
    if major >= 19:
        grouping: tuple[str, str, list[Any], dict[str, Any]] = (
            "sale.order",
            "formatted_read_group",
            [],
            {
                "domain": [],
                "groupby": ["partner_id"],
                "aggregates": ["amount_total:sum", "__count"],
                "limit": 81,
            },
        )
    else:
        grouping = (
            "sale.order",
            "read_group",
            [],
            {
                "domain": [],
                "fields": ["amount_total:sum", "__count"],
                "groupby": ["partner_id"],
                "lazy": False,
                "limit": 81,
            },
        )
    return [
        Scenario(
            "search 10 companies",
            "search_records",
            {"model": "res.partner", "domain": companies, "limit": 10},
            (
                "res.partner",
                "search_read",
                [],
                {"domain": companies, "fields": PARTNER_FIELDS, "offset": 0, "limit": 11},
            ),
        ),
        Scenario(
            "read one partner",
            "get_records",
            {"model": "res.partner", "ids": [8]},
            ("res.partner", "read", [[8]], {"fields": PARTNER_FIELDS}),
        ),
        Scenario(
            "count orders",
            "count_records",
            {"model": "sale.order"},
            ("sale.order", "search_count", [], {"domain": []}),
        ),
        Scenario(
            "total by customer",
            "aggregate_records",
            {"model": "sale.order", "groupby": ["partner_id"], "aggregates": ["amount_total:sum"]},
            grouping,
        ),
        Scenario(
            "describe res.partner",
            "describe_model",
            {"model": "res.partner"},
            ("res.partner", "fields_get", [], {"attributes": FIELD_ATTRIBUTES}),
        ),
        Scenario(
            "50 leads",
            "search_records",
            {"model": "crm.lead", "limit": 50},
            (
                "crm.lead",
                "search_read",
                [],
                {"domain": [], "fields": LEAD_FIELDS, "offset": 0, "limit": 51},
            ),
        ),
    ]


Call = Callable[[httpx.AsyncClient], Awaitable[tuple[int, int]]]


def _rpc_result(response: httpx.Response) -> dict[str, Any]:
    text = response.text
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[5:].strip() for line in text.splitlines() if line.startswith("data:")]
        text = data[-1] if data else "{}"
    payload = json.loads(text)
    result = payload.get("result")
    if response.status_code != 200 or not isinstance(result, dict) or result.get("isError"):
        raise RuntimeError(f"gateway call failed: {response.status_code} {response.text[:400]}")
    return result


def gateway_call(tenant: TenantEndpoint, tool: str, arguments: dict[str, Any]) -> Call:
    body = mcp_request("tools/call", {"name": tool, "arguments": arguments})
    headers = mcp_headers(tenant, "tools/call", tool)

    async def call(client: httpx.AsyncClient) -> tuple[int, int]:
        response = await client.post(tenant.mcp_url, json=body, headers=headers)
        result = _rpc_result(response)
        content = result.get("structuredContent") or {}
        if content.get("truncated"):
            print(f"  note: {tool} answer cut by the size budget ({content.get('more')})")
        structured = json.dumps(content, separators=(",", ":"))
        return len(structured.encode()), len(response.content)

    return call


async def direct_call(tenant: TenantEndpoint, scenario: Scenario) -> Call:
    url = f"{tenant.odoo_url}/jsonrpc"
    async with httpx.AsyncClient() as client:
        uid, api_key = await odoo_sign_in(client, tenant, "odoo")
        model, method, args, kwargs = scenario.direct
        if "fields" in kwargs:
            # Like the worker, read the currency field only where the model has one.
            known = await client.post(
                url,
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "service": "object",
                        "method": "execute_kw",
                        "args": ["odoo", uid, api_key, model, "fields_get", [], {}],
                    },
                },
            )
            schema = known.json()["result"]
            kwargs = {**kwargs, "fields": [f for f in kwargs["fields"] if f in schema]}
    if (tenant.simulator_version or "").startswith("19"):
        # Odoo 19: the worker speaks JSON-2, so the baseline does too.
        target = f"{tenant.odoo_url}/json/2/{model}/{method}"
        body: dict[str, Any] = {**kwargs, **({"ids": args[0]} if args else {})}
        headers = {"Authorization": f"bearer {api_key}", "X-Odoo-Database": "odoo"}
    else:
        target, headers = url, {}
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": ["odoo", uid, api_key, model, method, args, kwargs],
            },
        }

    async def call(client: httpx.AsyncClient) -> tuple[int, int]:
        response = await client.post(target, json=body, headers=headers)
        answer = response.json()
        if response.status_code != 200 or (isinstance(answer, dict) and "error" in answer):
            raise RuntimeError(f"direct call failed: {response.text[:300]}")
        return len(response.content), len(response.content)

    return call


async def measure(call: Call, concurrency: int, total: int) -> tuple[list[float], int, int]:
    """Latencies (ms) of ``total`` calls by ``concurrency`` callers; the last answer's sizes."""
    latencies: list[float] = []
    remaining = total
    sizes = (0, 0)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def caller() -> None:
            nonlocal remaining, sizes
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                sizes = await call(client)
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(caller() for _ in range(concurrency)))
    return latencies, sizes[0], sizes[1]


def own_cpu_ms() -> float:
    times = os.times()
    return (times.user + times.system) * 1000


def process_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def cpu_ticks(pids: list[int]) -> int:
    return sum(process_ticks(pid) for pid in pids)


async def odoo_requests(client: httpx.AsyncClient, tenant: TenantEndpoint) -> int:
    response = await client.get(f"{tenant.odoo_url}/_sim/stats")
    return int(response.json()["requests"])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def ensure_leads(tenant: TenantEndpoint) -> int:
    async with httpx.AsyncClient(timeout=60) as client:
        body = mcp_request(
            "tools/call", {"name": "count_records", "arguments": {"model": "crm.lead"}}
        )
        response = await client.post(
            tenant.mcp_url, json=body, headers=mcp_headers(tenant, "tools/call", "count_records")
        )
        have = int(_rpc_result(response)["structuredContent"]["count"])
        missing = max(0, LEADS_WANTED - have)
        if missing:
            records = [
                {
                    "name": f"Opportunity {i}: {('desks', 'chairs', 'lamps')[i % 3]} for an office",
                    "partner_id": [8, 12, 24, 27][i % 4],
                    "expected_revenue": 1000.0 + 250 * i,
                    "probability": float(10 * (i % 10)),
                    "type": "opportunity",
                }
                for i in range(missing)
            ]
            create = gateway_call(
                tenant, "create_records", {"model": "crm.lead", "records": records}
            )
            await create(client)
        return have + missing


FLOOR_CALLS = 1000


def serve_floor_mcp(port: int) -> None:
    """The floor's MCP server: the SDK alone, configured like the front, with one tool."""
    import logging

    import uvicorn
    from mcp.server.mcpserver import MCPServer
    from mcp.server.transport_security import TransportSecuritySettings

    logging.disable(logging.WARNING)  # like the front, which logs no line per request
    server: MCPServer[Any] = MCPServer("floor")

    @server.tool()
    def search_records(model: str, limit: int = 10) -> dict[str, Any]:
        """Ten records, about the shape and size of the gateway's answer."""
        records = [
            {"id": i, "name": f"Company {i}", "city": "Brussels", "url": f"{model}/{i}"}
            for i in range(limit)
        ]
        return {"model": model, "records": records, "count": limit}

    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True, allowed_hosts=["127.0.0.1:*"], allowed_origins=[]
    )
    app = server.streamable_http_app(stateless_http=True, transport_security=security)
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


async def serve_floor_grpc() -> None:
    """The floor's gRPC server: grpc.aio with the library's health servicer as the echo."""
    server = grpc.aio.server()
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(port, flush=True)
    await server.wait_for_termination()


def _floor_process(kind: str, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-P", __file__, "--serve-floor", kind, *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


async def floor_mcp_ms() -> float:
    """Server CPU per stateless ``tools/call`` of the bare MCP SDK."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = _floor_process("mcp", "--port", str(port))
    url = f"http://127.0.0.1:{port}/mcp"
    body = mcp_request("tools/call", {"name": "search_records", "arguments": {"model": "x"}})
    headers = {
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": MCP_PROTOCOL_VERSION,
        "Mcp-Method": "tools/call",
        "Mcp-Name": "search_records",
    }
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    _rpc_result(await client.post(url, json=body, headers=headers))
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.1)
            for _ in range(WARMUP * 5):
                await client.post(url, json=body, headers=headers)
            before = process_ticks(server.pid)
            for _ in range(FLOOR_CALLS):
                await client.post(url, json=body, headers=headers)
            return (process_ticks(server.pid) - before) * CLOCK_TICK_MS / FLOOR_CALLS
    finally:
        server.terminate()
        server.wait()


async def floor_grpc_ms() -> float:
    """Client plus server CPU per grpc.aio unary round trip."""
    server = _floor_process("grpc")
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            request = health_pb2.HealthCheckRequest()
            for _ in range(WARMUP * 5):
                await stub.Check(request, timeout=10)
            before, own_before = process_ticks(server.pid), own_cpu_ms()
            for _ in range(FLOOR_CALLS):
                await stub.Check(request, timeout=10)
            server_ms = (process_ticks(server.pid) - before) * CLOCK_TICK_MS
            return (server_ms + own_cpu_ms() - own_before) / FLOOR_CALLS
    finally:
        server.terminate()
        server.wait()


async def run(stack: DevStack, version: str) -> None:
    tenant = stack.info.tenants[TENANT]
    pids = [pid for name, pid in stack.info.pids.items() if not name.startswith("odoo-")]
    names = sorted(name for name in stack.info.pids if not name.startswith("odoo-"))
    leads = await ensure_leads(tenant)
    major = int(version.split(".")[0])
    print(
        f"Tollgate tool surface vs direct Odoo — simulated Odoo {version}, tenant {tenant.name}, "
        f"user {tenant.odoo_login}, {leads} leads; Tollgate processes: {', '.join(names)}; "
        f"telemetry {'off' if os.environ.get('OTEL_SDK_DISABLED') == 'true' else 'on'}"
    )
    header = (
        f"{'scenario':<21} {'c':>2} | {'direct p50':>10} {'p99':>7} | {'gateway p50':>11} "
        f"{'p99':>7} | {'added p50':>9} {'p99':>7} | {'CPU/call':>8} | {'odoo req':>8} | "
        f"{'answer B':>8} {'body B':>7}"
    )
    print(header)
    print("-" * len(header))
    processes = {name: stack.info.pids[name] for name in names}
    share = dict.fromkeys(names, 0)
    gateway_calls = direct_calls = 0
    direct_cpu_ms = 0.0
    async with httpx.AsyncClient() as admin:
        for scenario in scenarios(major):
            direct = await direct_call(tenant, scenario)
            gateway = gateway_call(tenant, scenario.tool, scenario.arguments)
            for concurrency in LEVELS:
                total = CALLS[concurrency]
                await measure(direct, concurrency, WARMUP)
                await measure(gateway, concurrency, WARMUP)
                own_before = own_cpu_ms()
                direct_ms, _, _ = await measure(direct, concurrency, total)
                direct_cpu_ms += own_cpu_ms() - own_before
                direct_calls += total
                ticks_before = cpu_ticks(pids)
                each_before = {name: process_ticks(pid) for name, pid in processes.items()}
                requests_before = await odoo_requests(admin, tenant)
                gateway_ms, answer, body = await measure(gateway, concurrency, total)
                requests = (await odoo_requests(admin, tenant) - requests_before) / total
                cpu_ms = (cpu_ticks(pids) - ticks_before) * CLOCK_TICK_MS / total
                for name, pid in processes.items():
                    share[name] += process_ticks(pid) - each_before[name]
                gateway_calls += total
                d50, d99 = statistics.median(direct_ms), percentile(direct_ms, 0.99)
                g50, g99 = statistics.median(gateway_ms), percentile(gateway_ms, 0.99)
                print(
                    f"{scenario.name:<21} {concurrency:>2} | {d50:>8.2f}ms {d99:>5.2f}ms | "
                    f"{g50:>9.2f}ms {g99:>5.2f}ms | {g50 - d50:>7.2f}ms {g99 - d99:>5.2f}ms | "
                    f"{cpu_ms:>6.2f}ms | {requests:>8.2f} | {answer:>8} {body:>7}"
                )
    print(
        "CPU per gateway call by process: "
        + ", ".join(
            f"{name} {ticks * CLOCK_TICK_MS / gateway_calls:.2f} ms"
            for name, ticks in share.items()
        )
    )
    tollgate_ms = sum(share.values()) * CLOCK_TICK_MS / gateway_calls
    mcp_ms, grpc_ms = await floor_mcp_ms(), await floor_grpc_ms()
    http_ms = direct_cpu_ms / direct_calls
    floor = mcp_ms + 2 * grpc_ms + http_ms
    print(
        f"architecture floor per call: bare MCP SDK tools/call {mcp_ms:.2f} ms + 2 gRPC round "
        f"trips 2 x {grpc_ms:.2f} ms + one HTTP request to Odoo (client) {http_ms:.2f} ms = "
        f"{floor:.2f} ms; Tollgate's CPU per call {tollgate_ms:.2f} ms = "
        f"{tollgate_ms / floor:.2f}x the floor"
    )
    async with httpx.AsyncClient() as client:
        list_body = mcp_request("tools/list", {})
        headers = mcp_headers(tenant, "tools/list")
        response = await client.post(tenant.mcp_url, json=list_body, headers=headers)
        tools = _rpc_result(response)
        listed = json.dumps(tools, separators=(",", ":"))
    print(
        f"tools/list: {len(tools.get('tools', []))} tools, {len(listed.encode())} bytes "
        "(target <= 16 KiB); targets per simple call: CPU <= 2 ms, added p50 <= 3 ms, "
        "1 Odoo request; 50 leads <= 12 KiB; describe res.partner <= 8 KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo-version", default="18.0", choices=["17.0", "18.0", "19.0"])
    parser.add_argument(
        "--no-telemetry",
        action="store_true",
        help="run the stack with OTEL_SDK_DISABLED=true (no spans written to the dev trace file)",
    )
    parser.add_argument("--serve-floor", choices=["mcp", "grpc"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_floor == "mcp":
        serve_floor_mcp(options.port)
        return
    if options.serve_floor == "grpc":
        event_loop.run(serve_floor_grpc())
        return
    if options.no_telemetry:
        os.environ["OTEL_SDK_DISABLED"] = "true"
    with tempfile.TemporaryDirectory(prefix="tollgate-bench-") as work:
        tenants_dir, state = Path(work) / "tenants", Path(work) / "state"
        tenants_dir.mkdir()
        (tenants_dir / f"{TENANT}.yaml").write_text(
            TENANT_YAML.format(version=options.odoo_version)
        )
        print("starting the local stack (tollgate dev --free-ports) ...", file=sys.stderr)
        with running_dev_stack(state, tenants_dir=tenants_dir) as stack:
            event_loop.run(run(stack, options.odoo_version))


if __name__ == "__main__":
    main()
