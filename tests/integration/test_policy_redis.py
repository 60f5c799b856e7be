"""policy on a real Redis: several policy processes, many parallel clients.

No rate limit is ever exceeded, no call is counted twice, every outcome lands in one unbroken
hash chain, and a Redis that goes away refuses calls until it is back — then recovers by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
import redis
from tollgate.v1 import common_pb2, policy_pb2, policy_pb2_grpc
from tollgate_common.errors import ErrorCode, from_rpc_error
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import RedisServerUnavailable, free_port, redis_server

PER_USER_PER_MINUTE = 25
PER_TENANT_PER_MINUTE = 60
USERS = 4
CALLS_PER_USER = 40
POLICY_PROCESSES = 3


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    try:
        with redis_server() as url:
            yield url
    except RedisServerUnavailable as error:
        pytest.skip(str(error))


def write_tenant(directory: Path) -> None:
    spec = parse_tenant_spec(
        {
            "odoo": {"url": "https://acme.example", "database": "acme"},
            "policy": {
                "defaultModelAccess": "allow",
                "rateLimits": {
                    "perUserPerMinute": PER_USER_PER_MINUTE,
                    "perTenantPerMinute": PER_TENANT_PER_MINUTE,
                },
            },
        }
    )
    config = compile_tenant(
        "acme", spec, endpoint_base="http://127.0.0.1:1", worker_address="127.0.0.1:2"
    )
    (directory / "acme.json").write_text(config.to_json())


@contextlib.contextmanager
def policy_processes(store_url: str, count: int) -> Iterator[list[str]]:
    tenants = Path(tempfile.mkdtemp(prefix="tollgate-policy-tenants-"))
    write_tenant(tenants)
    processes: list[subprocess.Popen[bytes]] = []
    addresses = []
    try:
        for _ in range(count):
            port = free_port()
            env = {
                **os.environ,
                "TOLLGATE_POLICY_TENANTS_DIR": str(tenants),
                "TOLLGATE_POLICY_STORE_URL": store_url,
                "TOLLGATE_POLICY_PORT": str(port),
                "TOLLGATE_POLICY_LOG_LEVEL": "WARNING",
            }
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tollgate_policy"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            addresses.append(f"127.0.0.1:{port}")
        for address in addresses:
            asyncio.run(_wait_ready(address))
        yield addresses
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(tenants, ignore_errors=True)


async def _wait_ready(address: str, within: float = 20.0) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        await asyncio.wait_for(channel.channel_ready(), within)


def authorize_request(user: int, n: int) -> policy_pb2.AuthorizeRequest:
    return policy_pb2.AuthorizeRequest(
        principal=common_pb2.Principal(
            tenant="acme", subject=f"user{user}@acme.example", connection_id=f"c{user}"
        ),
        call=common_pb2.ToolCall(
            tool="search_records",
            model="res.partner",
            operation="read",
            arguments_json=json.dumps({"n": n}).encode(),
        ),
    )


@contextlib.asynccontextmanager
async def stubs(addresses: list[str]) -> AsyncIterator[list[policy_pb2_grpc.PolicyServiceStub]]:
    channels = [grpc.aio.insecure_channel(a) for a in addresses]
    try:
        yield [policy_pb2_grpc.PolicyServiceStub(c) for c in channels]
    finally:
        for channel in channels:
            await channel.close()


def test_limits_hold_across_processes_and_nothing_is_counted_twice(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    with policy_processes(redis_url, POLICY_PROCESSES) as addresses:

        async def run() -> list[tuple[int, policy_pb2.AuthorizeResponse]]:
            async with stubs(addresses) as policy:
                calls = [
                    (
                        user,
                        policy[(user + n) % len(policy)].Authorize(
                            authorize_request(user, n), timeout=10
                        ),
                    )
                    for n in range(CALLS_PER_USER)
                    for user in range(USERS)
                ]
                answers = await asyncio.gather(*(call for _user, call in calls))
                return [(user, answer) for (user, _c), answer in zip(calls, answers, strict=True)]

        results = asyncio.run(run())
    allowed = Counter(user for user, a in results if a.decision == policy_pb2.DECISION_ALLOW)
    limited = [a for _u, a in results if a.decision == policy_pb2.DECISION_DENY]
    assert all(count <= PER_USER_PER_MINUTE for count in allowed.values()), allowed
    assert sum(allowed.values()) == PER_TENANT_PER_MINUTE
    assert len(limited) == USERS * CALLS_PER_USER - PER_TENANT_PER_MINUTE
    assert all(a.reason_code == "rate_limited" and a.retry_after_seconds > 0 for a in limited)
    # The counters hold exactly the allowed calls: refused ones were never counted.
    tenant_count = int(client.get("policy:rl:acme:tenant:m") or 0)
    assert tenant_count == PER_TENANT_PER_MINUTE
    for user, count in allowed.items():
        assert int(client.get(f"policy:rl:acme:user:user{user}@acme.example:m") or 0) == count


def outcome(n: int) -> policy_pb2.RecordOutcomeRequest:
    return policy_pb2.RecordOutcomeRequest(
        decision_id=f"dec_{n}",
        principal=authorize_request(n % USERS, n).principal,
        call=authorize_request(n % USERS, n).call,
        outcome=policy_pb2.OUTCOME_SUCCESS,
    )


def test_concurrent_outcomes_make_one_unbroken_chain(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    client.flushall()
    calls = 90
    with policy_processes(redis_url, POLICY_PROCESSES) as addresses:

        async def run() -> policy_pb2.VerifyAuditResponse:
            async with stubs(addresses) as policy:
                # Batches of three, sent at once to every process: the writers race.
                answers = await asyncio.gather(
                    *(
                        policy[b % len(policy)].RecordOutcomes(
                            policy_pb2.RecordOutcomesRequest(
                                records=[outcome(n) for n in range(b * 3, b * 3 + 3)]
                            ),
                            timeout=20,
                        )
                        for b in range(calls // 3)
                    )
                )
                assert all(not answer.rejected for answer in answers)
                return await policy[0].VerifyAudit(
                    policy_pb2.VerifyAuditRequest(tenant="acme"), timeout=20
                )

        report = asyncio.run(run())
    assert (report.intact, report.records) == (True, calls)
    assert client.xlen("policy:audit:acme") == calls


@pytest.fixture
def own_redis() -> Iterator[tuple[str, int, str]]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="tollgate-redis-")
    yield binary, port, workdir
    shutil.rmtree(workdir, ignore_errors=True)


def start_redis(binary: str, port: int, workdir: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(redis.RedisError):
            if redis.Redis(port=port, socket_timeout=0.2).ping():
                return process
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def test_redis_stopped_mid_run_refuses_then_recovers_by_itself(
    own_redis: tuple[str, int, str],
) -> None:
    binary, port, workdir = own_redis
    server = start_redis(binary, port, workdir)
    try:
        with policy_processes(f"redis://127.0.0.1:{port}/0", 1) as addresses:

            async def ask(policy: policy_pb2_grpc.PolicyServiceStub) -> int | ErrorCode:
                try:
                    answer = await policy.Authorize(authorize_request(0, 0), timeout=10)
                except grpc.aio.AioRpcError as error:
                    return from_rpc_error(error, "policy").code
                return answer.decision

            async def run() -> tuple[object, object, float, object]:
                async with stubs(addresses) as (policy,):
                    before = await ask(policy)
                    server.terminate()
                    server.wait(timeout=10)
                    during = await ask(policy)
                    restarted = start_redis(binary, port, workdir)
                    back = time.monotonic()
                    after: object = None
                    while time.monotonic() - back < 15:
                        after = await ask(policy)
                        if after == policy_pb2.DECISION_ALLOW:
                            break
                        await asyncio.sleep(0.1)
                    recovered_in = time.monotonic() - back
                    restarted.terminate()
                    restarted.wait(timeout=10)
                    return before, during, recovered_in, after

            before, during, recovered_in, after = asyncio.run(run())
        assert before == policy_pb2.DECISION_ALLOW
        assert during is ErrorCode.UNAVAILABLE
        assert after == policy_pb2.DECISION_ALLOW, f"not recovered after {recovered_in:.1f} s"
    finally:
        if server.poll() is None:
            server.kill()
