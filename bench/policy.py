"""policy's Authorize: decisions per second and p50/p99 with rate limits on a real Redis.

Starts its own ``redis-server`` on a free port and measures, for a tenant with model rules, field
deny-lists, approvals (not triggered), and per-user, per-connection and per-tenant limits per
minute and per day (high enough never to refuse):

- baseline: the bare rate-limit round trip (`Store.hit` with the same six windows) — the floor a
  decision cannot go under;
- decision: `Decider.authorize` in process (rules + one Redis round trip), sequentially and with
  32 concurrent callers;
- gRPC: the same Authorize through a grpc.aio server on loopback, as the front calls it.

Prints p50/p99 per decision and each ratio against the baseline. Bounded: a fixed number of
calls, no thresholds (the target is p50 <= 0.5 ms per decision).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

import grpc
from tollgate.v1 import common_pb2, policy_pb2, policy_pb2_grpc
from tollgate_common.stores import RedisStore
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.registry import StaticSource, TenantRegistry
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import redis_server, running_grpc_server
from tollgate_policy.audit import AuditTrail
from tollgate_policy.decisions import Decider
from tollgate_policy.rates import limits_for
from tollgate_policy.servicer import PolicyServicer

SEQUENTIAL_CALLS = 5000
CONCURRENT_CALLS = 10_000
CONCURRENCY = 32
WARMUP = 300
USERS = 50
BIG = 10**9

SPEC = {
    "odoo": {"url": "https://bench.example", "database": "bench"},
    "policy": {
        "defaultModelAccess": "deny",
        "models": [
            {"model": "res.partner", "allow": ["read", "write"], "denyFields": ["vat"]},
            {"model": "sale.*", "allow": ["read"]},
            {"model": "account.move", "allow": ["read"]},
            {"model": "*", "denyFields": ["password"]},
        ],
        "tools": {"deny": ["export_everything"]},
        "approvals": {"tools": ["delete_records"], "approvers": ["cfo@bench.example"]},
        "ip": {"block": ["203.0.113.0/24"]},
        "rateLimits": {
            "perUserPerMinute": BIG,
            "perUserPerDay": BIG,
            "perConnectionPerMinute": BIG,
            "perConnectionPerDay": BIG,
            "perTenantPerMinute": BIG,
            "perTenantPerDay": BIG,
        },
    },
}


def request(n: int) -> policy_pb2.AuthorizeRequest:
    user = n % USERS
    return policy_pb2.AuthorizeRequest(
        principal=common_pb2.Principal(
            tenant="bench",
            subject=f"user{user}@bench.example",
            connection_id=f"conn{user}",
            client_id="bench",
        ),
        call=common_pb2.ToolCall(
            tool="search_records",
            model="res.partner",
            operation="read",
            arguments_json=json.dumps(
                {"model": "res.partner", "domain": [["name", "ilike", "a"]], "limit": 10}
            ).encode(),
        ),
        client_ip="192.0.2.7",
    )


async def sequential(call: Callable[[int], Awaitable[object]], calls: int) -> list[float]:
    for n in range(WARMUP):
        await call(n)
    latencies = []
    for n in range(calls):
        started = time.perf_counter()
        await call(n)
        latencies.append(time.perf_counter() - started)
    return latencies


async def concurrent(call: Callable[[int], Awaitable[object]], calls: int) -> float:
    """Decisions per second with `CONCURRENCY` callers."""
    counter = iter(range(calls))

    async def worker() -> None:
        for n in counter:
            await call(n)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return calls / (time.perf_counter() - started)


def describe(name: str, latencies: list[float], baseline_p50: float | None) -> float:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    rate = len(ordered) / sum(ordered)
    ratio = f"   x{p50 / baseline_p50:.2f} baseline p50" if baseline_p50 else ""
    print(
        f"{name:<34} p50 {p50 * 1000:7.3f} ms   p99 {p99 * 1000:7.3f} ms   "
        f"{rate:9.0f} decisions/s sequential{ratio}"
    )
    return p50


async def main() -> None:
    config = compile_tenant(
        "bench",
        parse_tenant_spec(SPEC),
        endpoint_base="https://mcp.bench.example",
        worker_address="127.0.0.1:1",
    )
    with redis_server() as url:
        store = RedisStore.from_url(url, namespace="policy")
        registry = TenantRegistry(StaticSource(config))
        await registry.refresh()
        decider = Decider(registry, store)
        first = await decider.authorize(request(0))
        assert first.decision == policy_pb2.DECISION_ALLOW, first

        windows = [
            limit.window
            for limit in limits_for("bench", config.policy.rate_limits, request(0).principal)
        ]
        print(f"Authorize with {len(windows)} rate-limit windows on redis-server ({url})")

        async def hit(n: int) -> object:
            return await store.hit(windows)

        async def decide(n: int) -> object:
            return await decider.authorize(request(n))

        baseline = describe("baseline: rate-limit round trip", await sequential(hit, 5000), None)
        describe("decision (in process)", await sequential(decide, SEQUENTIAL_CALLS), baseline)
        rate = await concurrent(decide, CONCURRENT_CALLS)
        print(f"{'decision (in process), 32 callers':<34} {rate:9.0f} decisions/s")

        async with (
            running_grpc_server(
                lambda s: policy_pb2_grpc.add_PolicyServiceServicer_to_server(
                    PolicyServicer(decider, AuditTrail(store, max_length=1000)), s
                ),
                service_names=[policy_pb2.DESCRIPTOR.services_by_name["PolicyService"].full_name],
            ) as server,
            grpc.aio.insecure_channel(server.address) as channel,
        ):
            stub = policy_pb2_grpc.PolicyServiceStub(channel)

            async def over_grpc(n: int) -> object:
                return await stub.Authorize(request(n), timeout=5)

            describe("decision over gRPC (loopback)", await sequential(over_grpc, 3000), baseline)
            rate = await concurrent(over_grpc, 6000)
            print(f"{'decision over gRPC, 32 callers':<34} {rate:9.0f} decisions/s")
        await store.close()
    print("target: decision p50 <= 0.5 ms")


if __name__ == "__main__":
    asyncio.run(main())
