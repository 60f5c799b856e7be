"""auth, policy and the worker as separate processes against the Odoo simulator.

The chain the front drives for one tool call — auth.VerifyToken, policy.Authorize,
worker.ExecuteTool, policy.RecordOutcomes — over real gRPC between real processes, started exactly
as ``tollgate dev`` starts them (console scripts configured by ``TOLLGATE_<NAME>_*`` only).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import yaml
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tollgate.v1 import (
    auth_pb2,
    auth_pb2_grpc,
    common_pb2,
    policy_pb2,
    policy_pb2_grpc,
    worker_pb2,
    worker_pb2_grpc,
)
from tollgate_common.errors import ErrorCode, TollgateError, from_rpc_error
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import free_port
from tollgate_odoo_sim.addons.demo import DEMO_USERS
from tollgate_odoo_sim.testing import running_simulator

DEV_KEY = "tg_dev_acme_backbone_test_key"
GLOBEX_KEY = "tg_dev_globex_backbone_test_key"
STARTUP_SECONDS = 20.0


@dataclass
class Backbone:
    auth: str
    policy: str
    worker: str
    processes: dict[str, subprocess.Popen[bytes]]


def _spawn(module: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    # The child keeps its own copy of the log file descriptor.
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", module],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def _wait_serving(address: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{log.name} exited: {log.read_text()}")
            try:
                status = stub.Check(health_pb2.HealthCheckRequest(), timeout=0.5).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                time.sleep(0.05)
    raise TimeoutError(f"{address} did not serve within {STARTUP_SECONDS}s")


@pytest.fixture(scope="module")
def backbone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backbone]:
    state = tmp_path_factory.mktemp("backbone")
    tenants_dir = state / "tenants"
    tenants_dir.mkdir()
    keys = {name: SealingPrivateKey.generate() for name in ("acme", "globex")}
    ports = {name: free_port() for name in ("auth", "policy", "worker")}
    demo_key = next(user.api_key for user in DEMO_USERS if user.login == "demo")
    with running_simulator("18.0") as odoo_url:
        for name, key in keys.items():
            spec = parse_tenant_spec(
                {
                    "odoo": {"url": odoo_url, "database": "odoo", "allowInsecureHttp": True},
                    # Policy denies models no rule names (fail closed); this chain reads partners.
                    "policy": {"models": [{"model": "res.partner", "allow": ["read"]}]},
                }
            )
            worker_port = ports["worker"] if name == "acme" else free_port()
            config = compile_tenant(
                name,
                spec,
                endpoint_base="http://127.0.0.1:8000",
                worker_address=f"127.0.0.1:{worker_port}",
                worker_public_key=key.public_key.to_base64(),
            )
            (tenants_dir / f"{name}.json").write_text(config.to_json())
        dev_keys = state / "dev-keys.yaml"
        entry = {"email": "demo@acme.example", "odoo_login": "demo", "odoo_api_key": demo_key}
        dev_keys.write_text(
            yaml.safe_dump(
                {
                    "keys": [
                        {"key": DEV_KEY, "tenant": "acme", **entry},
                        {"key": GLOBEX_KEY, "tenant": "globex", **entry},
                    ]
                }
            )
        )
        specs = {
            "auth": (
                "tollgate_auth",
                {
                    "TOLLGATE_AUTH_PORT": str(ports["auth"]),
                    "TOLLGATE_AUTH_TENANTS_DIR": str(tenants_dir),
                    "TOLLGATE_AUTH_DEV_KEYS_FILE": str(dev_keys),
                },
            ),
            "policy": (
                "tollgate_policy",
                {
                    "TOLLGATE_POLICY_PORT": str(ports["policy"]),
                    "TOLLGATE_POLICY_TENANTS_DIR": str(tenants_dir),
                },
            ),
            "worker": (
                "tollgate_worker",
                {
                    "TOLLGATE_WORKER_PORT": str(ports["worker"]),
                    "TOLLGATE_WORKER_TENANT": "acme",
                    "TOLLGATE_WORKER_ODOO_URL": odoo_url,
                    "TOLLGATE_WORKER_ODOO_DATABASE": "odoo",
                    "TOLLGATE_WORKER_PRIVATE_KEYS": keys["acme"].to_base64(),
                },
            ),
        }
        processes = {
            name: _spawn(module, env, state / f"{name}.log")
            for name, (module, env) in specs.items()
        }
        try:
            for name, process in processes.items():
                _wait_serving(f"127.0.0.1:{ports[name]}", process, state / f"{name}.log")
            yield Backbone(
                *(f"127.0.0.1:{ports[n]}" for n in ("auth", "policy", "worker")),
                processes=processes,
            )
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        logs = "".join((state / f"{name}.log").read_text() for name in specs)
        assert DEV_KEY not in logs
        assert demo_key not in logs


async def tool_call(backbone: Backbone, token: str, tenant: str, arguments: dict) -> dict:
    """What the front does for one tool call."""
    async with (
        grpc.aio.insecure_channel(backbone.auth) as auth_channel,
        grpc.aio.insecure_channel(backbone.policy) as policy_channel,
        grpc.aio.insecure_channel(backbone.worker) as worker_channel,
    ):
        verified = await auth_pb2_grpc.AuthServiceStub(auth_channel).VerifyToken(
            auth_pb2.VerifyTokenRequest(token=token, tenant=tenant), timeout=5
        )
        call = common_pb2.ToolCall(
            tool="search_records",
            arguments_json=json.dumps(arguments).encode(),
            model=arguments["model"],
            operation="read",
        )
        policy = policy_pb2_grpc.PolicyServiceStub(policy_channel)
        decision = await policy.Authorize(
            policy_pb2.AuthorizeRequest(principal=verified.principal, call=call), timeout=5
        )
        assert decision.decision == policy_pb2.DECISION_ALLOW
        result = await worker_pb2_grpc.WorkerServiceStub(worker_channel).ExecuteTool(
            worker_pb2.ExecuteToolRequest(principal=verified.principal, call=call), timeout=10
        )
        recorded = await policy.RecordOutcomes(
            policy_pb2.RecordOutcomesRequest(
                records=[
                    policy_pb2.RecordOutcomeRequest(
                        decision_id=decision.decision_id,
                        principal=verified.principal,
                        call=call,
                        outcome=policy_pb2.OUTCOME_SUCCESS,
                        record_count=result.record_count,
                    )
                ]
            ),
            timeout=5,
        )
        assert not recorded.rejected
        return json.loads(result.result_json)


async def test_a_dev_key_gets_partners_through_the_whole_backbone(backbone):
    data = await tool_call(
        backbone,
        DEV_KEY,
        "acme",
        {"model": "res.partner", "domain": [["is_company", "=", True]], "limit": 5},
    )
    assert data["count"] == 5
    assert all(record["name"] for record in data["records"])


async def test_a_key_for_another_tenant_is_refused_by_auth(backbone):
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await tool_call(backbone, GLOBEX_KEY, "acme", {"model": "res.partner"})
    assert from_rpc_error(raised.value, "auth").code is ErrorCode.UNAUTHENTICATED


async def test_a_globex_principal_is_refused_by_the_acme_worker(backbone):
    async with (
        grpc.aio.insecure_channel(backbone.auth) as auth_channel,
        grpc.aio.insecure_channel(backbone.worker) as worker_channel,
    ):
        verified = await auth_pb2_grpc.AuthServiceStub(auth_channel).VerifyToken(
            auth_pb2.VerifyTokenRequest(token=GLOBEX_KEY, tenant="globex"), timeout=5
        )
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await worker_pb2_grpc.WorkerServiceStub(worker_channel).ExecuteTool(
                worker_pb2.ExecuteToolRequest(
                    principal=verified.principal,
                    call=common_pb2.ToolCall(tool="search_records", arguments_json=b"{}"),
                ),
                timeout=5,
            )
    error: TollgateError = from_rpc_error(raised.value, "the worker")
    assert error.code is ErrorCode.PERMISSION_DENIED


async def test_a_stopped_worker_drains_and_exits_cleanly(backbone):
    # Runs last in this module: stops the worker the other tests used.
    worker = backbone.processes["worker"]
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=10) == 0
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await tool_call(backbone, DEV_KEY, "acme", {"model": "res.partner"})
    assert from_rpc_error(raised.value, "the worker").code is ErrorCode.UNAVAILABLE
