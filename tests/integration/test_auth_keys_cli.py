"""``tollgate keys`` against a real auth over gRPC (auth runs in a thread with its own loop)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from tollgate.v1 import auth_pb2_grpc, worker_pb2_grpc
from tollgate_auth.config import Settings
from tollgate_auth.server import build_parts, create_registry
from tollgate_auth.servicer import AuthServicer
from tollgate_auth.testing import FakeWorker, OdooAccount
from tollgate_cli.keys import keys_app, parse_expiry
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import running_grpc_server
from typer.testing import CliRunner

ODOO_KEY = "CANARY-cli-odoo-key-77"


@contextlib.contextmanager
def auth_in_thread(tmp_path: Path) -> Iterator[str]:
    stop = threading.Event()
    address: list[str] = []
    started = threading.Event()

    async def run() -> None:
        key = SealingPrivateKey.generate()
        worker = FakeWorker("acme", key, {"ci-bot": OdooAccount(ODOO_KEY, "CI", "ci@acme.example")})
        async with running_grpc_server(
            lambda s: worker_pb2_grpc.add_WorkerServiceServicer_to_server(worker, s),
            service_names=["tollgate.v1.WorkerService"],
        ) as worker_server:
            spec = parse_tenant_spec(
                {
                    "odoo": {"url": "http://o", "database": "odoo", "allowInsecureHttp": True},
                    "access": {"allowedEmails": ["*@acme.example"]},
                }
            )
            config = compile_tenant(
                "acme",
                spec,
                endpoint_base="http://127.0.0.1:8000",
                worker_address=worker_server.address,
                worker_public_key=key.public_key.to_base64(),
            )
            (tmp_path / "acme.json").write_text(config.to_json())
            settings = Settings(tenants_dir=tmp_path)
            registry = create_registry(settings)
            await registry.start()
            parts = build_parts(settings, registry, {})
            servicer = AuthServicer(parts.verifier, parts.tokens, parts.api_keys, registry)
            async with running_grpc_server(
                lambda s: auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, s),
                service_names=["tollgate.v1.AuthService"],
            ) as auth:
                address.append(auth.address)
                started.set()
                await asyncio.to_thread(stop.wait)
            await parts.close()
            await registry.stop()

    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    assert started.wait(20), "auth did not start"
    try:
        yield address[0]
    finally:
        stop.set()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def auth_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with auth_in_thread(tmp_path_factory.mktemp("keys-cli")) as address:
        yield address


def keys(address: str, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(keys_app, [*args, "--auth-address", address], env=env)
    return result.exit_code, result.output


def test_create_list_rotate_revoke(auth_address: str) -> None:
    code, output = keys(
        auth_address,
        "create", "--tenant", "acme", "--subject", "ci@acme.example", "--name", "nightly",
        "--odoo-login", "ci-bot", "--tool", "search_records", "--expires", "30d",
        env={"TOLLGATE_ODOO_API_KEY": ODOO_KEY},
    )  # fmt: skip
    assert code == 0, output
    key = re.search(r"(tgk_acme_\S+)", output)
    assert key is not None
    key_id = key.group(1).split("_")[2]
    assert ODOO_KEY not in output
    code, listing = keys(auth_address, "list", "--tenant", "acme")
    assert code == 0
    assert key_id in listing
    assert "nightly" in listing
    assert "tools search_records" in listing
    assert key.group(1) not in listing
    code, rotated = keys(auth_address, "rotate", "--tenant", "acme", key_id)
    assert code == 0
    assert "shown once" in rotated
    assert key.group(1) not in rotated
    code, revoked = keys(auth_address, "revoke", "--tenant", "acme", key_id)
    assert (code, revoked.strip()) == (0, f"revoked {key_id} at acme")
    code, again = keys(auth_address, "revoke", "--tenant", "acme", key_id)
    assert code == 1
    assert "No API key" in again


def test_a_wrong_odoo_key_or_tenant_is_a_clear_error(auth_address: str) -> None:
    code, output = keys(
        auth_address,
        "create", "--tenant", "acme", "--subject", "ci", "--odoo-login", "ci-bot",
        env={"TOLLGATE_ODOO_API_KEY": "wrong"},
    )  # fmt: skip
    assert code == 1
    assert "Odoo did not accept" in output
    code, output = keys(auth_address, "list", "--tenant", "initech")
    assert code == 1
    assert "initech" in output


def test_expiry_parsing() -> None:
    assert parse_expiry("2h", now=1000.0) == 1000 + 7200
    assert parse_expiry("2030-01-01", now=0) == 1893456000
    assert parse_expiry(None, now=0) == 0
    with pytest.raises(ValueError, match="duration"):
        parse_expiry("soon", now=0)


def test_revoke_a_person(auth_address: str) -> None:
    code, output = keys(
        auth_address, "revoke-person", "--tenant", "acme", "--email", "nobody@acme.example"
    )
    assert (code, output.strip()) == (0, "revoked 0 connection(s) of nobody@acme.example at acme")
