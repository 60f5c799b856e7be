"""TOLLGATE_AUTH_POLICY_AUDIT_TIMEOUT: read and checked at start-up, and the deadline the approver
pages' audit calls carry over real gRPC to policy when auth is assembled from its settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from tollgate.v1 import policy_pb2, policy_pb2_grpc
from tollgate_auth.config import Settings
from tollgate_auth.dev_keys import load_dev_keys
from tollgate_auth.server import build_parts, create_registry, running_http
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.settings import ConfigurationError, build_settings
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import running_grpc_server

APPROVER_KEY = "tg_dev_acme_0123456789abcdef"
# Longer than both the 5 s the other policy calls get and the 30 s default.
AUDIT_TIMEOUT = 120.0


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    monkeypatch.setenv("TOLLGATE_AUTH_TENANTS_DIR", str(tmp_path))
    return monkeypatch


def test_the_audit_timeout_defaults_to_30_seconds(env: pytest.MonkeyPatch) -> None:
    env.delenv("TOLLGATE_AUTH_POLICY_AUDIT_TIMEOUT", raising=False)
    assert build_settings(Settings).policy_audit_timeout == 30.0


def test_the_audit_timeout_is_read_from_its_variable(env: pytest.MonkeyPatch) -> None:
    env.setenv("TOLLGATE_AUTH_POLICY_AUDIT_TIMEOUT", "90.5")
    assert build_settings(Settings).policy_audit_timeout == 90.5


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("0", "greater than 0"),
        ("-5", "greater than 0"),
        ("301", "less than or equal to 300"),
        ("soon", "valid number"),
    ],
)
def test_a_bad_audit_timeout_stops_start_up_naming_the_variable(
    env: pytest.MonkeyPatch, value: str, problem: str
) -> None:
    env.setenv("TOLLGATE_AUTH_POLICY_AUDIT_TIMEOUT", value)
    with pytest.raises(ConfigurationError) as raised:
        build_settings(Settings)
    assert str(raised.value).startswith("TOLLGATE_AUTH_POLICY_AUDIT_TIMEOUT: ")
    assert problem in str(raised.value)


class DeadlineRecordingPolicy(policy_pb2_grpc.PolicyServiceServicer):
    """Answers the audit calls with nothing and notes how long each was given."""

    def __init__(self) -> None:
        self.remaining: dict[str, float] = {}

    async def QueryAudit(
        self, request: policy_pb2.QueryAuditRequest, context: Any
    ) -> policy_pb2.QueryAuditResponse:
        self.remaining["QueryAudit"] = context.time_remaining()
        return policy_pb2.QueryAuditResponse()

    async def VerifyAudit(
        self, request: policy_pb2.VerifyAuditRequest, context: Any
    ) -> policy_pb2.VerifyAuditResponse:
        self.remaining["VerifyAudit"] = context.time_remaining()
        return policy_pb2.VerifyAuditResponse(intact=True)


@pytest.fixture
def approver_setup(tmp_path: Path) -> tuple[Path, Path]:
    tenants = tmp_path / "tenants"
    tenants.mkdir()
    spec = parse_tenant_spec(
        {
            "odoo": {"url": "http://127.0.0.1:8069", "database": "odoo", "allowInsecureHttp": True},
            "policy": {
                "approvals": {"tools": ["delete_records"], "approvers": ["cfo@acme.example"]}
            },
        }
    )
    config = compile_tenant(
        "acme",
        spec,
        endpoint_base="http://127.0.0.1:8000",
        worker_address="127.0.0.1:50061",
        worker_public_key=SealingPrivateKey.generate().public_key.to_base64(),
    )
    (tenants / "acme.json").write_text(config.to_json())
    keys = tmp_path / "dev-keys.yaml"
    keys.write_text(
        f"""
keys:
  - key: {APPROVER_KEY}
    tenant: acme
    email: cfo@acme.example
    odoo_login: cfo
    odoo_api_key: odoo-cfo-key
"""
    )
    return tenants, keys


@pytest.fixture
async def policy() -> AsyncIterator[tuple[DeadlineRecordingPolicy, str]]:
    servicer = DeadlineRecordingPolicy()

    def register(server: grpc.aio.Server) -> None:
        policy_pb2_grpc.add_PolicyServiceServicer_to_server(servicer, server)

    async with running_grpc_server(register) as server:
        yield servicer, server.address


async def test_the_audit_page_gives_policy_the_configured_deadline(
    env: pytest.MonkeyPatch,
    approver_setup: tuple[Path, Path],
    policy: tuple[DeadlineRecordingPolicy, str],
) -> None:
    tenants, keys = approver_setup
    servicer, address = policy
    env.setenv("TOLLGATE_AUTH_POLICY_AUDIT_TIMEOUT", str(AUDIT_TIMEOUT))
    env.setenv("TOLLGATE_AUTH_POLICY_ADDRESS", address)
    env.setenv("TOLLGATE_AUTH_TENANTS_DIR", str(tenants))
    env.setenv("TOLLGATE_AUTH_DEV_KEYS_FILE", str(keys))
    env.setenv("TOLLGATE_AUTH_HTTP_PORT", "0")
    settings = build_settings(Settings)
    registry = create_registry(settings)
    await registry.start()
    parts = build_parts(settings, registry, load_dev_keys(keys))
    try:
        async with running_http(settings, parts) as http:
            port = http.servers[0].sockets[0].getsockname()[1]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                signed = await client.post(
                    "/t/acme/approvals/sign-in", data={"token": APPROVER_KEY}
                )
                assert signed.status_code == 303, signed.text
                trail = await client.get("/t/acme/approvals/audit")
                assert trail.status_code == 200, trail.text
    finally:
        await parts.close()
        await registry.stop()

    assert sorted(servicer.remaining) == ["QueryAudit", "VerifyAudit"]
    # The deadline the call arrived with: the setting's, not the default 30 s nor policy's 5 s
    # (gRPC's wire encoding of a timeout may round it up by up to a second).
    for remaining in servicer.remaining.values():
        assert 30 < remaining <= AUDIT_TIMEOUT + 1
