"""The operator running for real under kopf (`KopfRunner`) against a KMock Kubernetes API."""

from __future__ import annotations

import asyncio
import base64
import copy
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import grpc
import pytest
import yaml
from kopf.testing import KopfRunner
from tollgate.v1 import auth_pb2, auth_pb2_grpc
from tollgate_common.tenants import (
    KubernetesSource,
    TenantConfig,
    TenantRegistry,
    parse_tenant_resource,
)
from tollgate_common.testing import running_grpc_server
from tollgate_odoo_sim.testing import running_simulator
from tollgate_operator import build, odoo_version
from tollgate_operator.config import Settings
from tollgate_operator.status import condition
from tollgate_operator.testing import Api, StampingEmulator, running_cluster, write_kubeconfig

ROOT = Path(__file__).resolve().parents[2]
NS = "tenants"
RELEASE_NS = "tollgate"
T = TypeVar("T")


def example(name: str) -> dict[str, Any]:
    body: dict[str, Any] = yaml.safe_load(
        (ROOT / "examples" / "tenants" / f"{name}.yaml").read_text()
    )
    body["metadata"]["namespace"] = NS
    return body


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, limit: float = 20) -> T:
    """Poll ``probe`` until it returns something truthy (no timing assertion: a bound only)."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        value = await probe()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def operator_on(
    cluster: StampingEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    **settings: str,
) -> AsyncIterator[Api]:
    server = str(cluster.url).rstrip("/")
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig", server)))
    monkeypatch.setenv("TOLLGATE_OPERATOR_ENDPOINT_BASE", "https://mcp.example.com")
    monkeypatch.setenv("TOLLGATE_OPERATOR_RELEASE_NAMESPACE", RELEASE_NS)
    monkeypatch.setenv("TOLLGATE_OPERATOR_WORKER_IMAGE", "example.test/worker:1")
    for key, value in settings.items():
        monkeypatch.setenv(f"TOLLGATE_OPERATOR_{key.upper()}", value)
    runner = KopfRunner(
        ["run", "--standalone", "--all-namespaces", "-m", "tollgate_operator.main"], timeout=30
    )
    runner.__enter__()
    try:
        async with aiohttp.ClientSession(base_url=server) as session:
            yield Api(session)
    finally:
        # Stop from a thread: the operator still talks to KMock, which runs on this loop.
        await asyncio.to_thread(runner.__exit__, None, None, None)
    assert runner.exception is None, runner.output


def settings() -> Settings:
    return Settings(
        endpoint_base="https://mcp.example.com",
        release_namespace=RELEASE_NS,
        worker_image="example.test/worker:1",
    )


async def tenant_config(api: Api, name: str) -> TenantConfig | None:
    config_map = await api.get("ConfigMap", RELEASE_NS, "tollgate-tenants")
    text = ((config_map or {}).get("data") or {}).get(f"{name}.json")
    return TenantConfig.from_json(text) if text else None


async def tenant_condition(api: Api, name: str, kind: str) -> dict[str, Any] | None:
    tenant = await api.get("OdooTenant", NS, name)
    conditions = ((tenant or {}).get("status") or {}).get("conditions") or []
    found = condition(conditions, kind)
    return dict(found) if found else None


async def report_available(api: Api, name: str, replicas: int) -> None:
    """Play the Deployment controller: the worker has ``replicas`` available pods."""
    deployment = await api.get("Deployment", NS, build.child_name(name))
    assert deployment is not None
    status = {
        "observedGeneration": deployment["metadata"]["generation"],
        "replicas": replicas,
        "updatedReplicas": replicas,
        "availableReplicas": replicas,
        "readyReplicas": replicas,
    }
    await api.patch("Deployment", NS, build.child_name(name), {"status": status}, sub="status")


async def test_tenant_lifecycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_cluster() as cluster, operator_on(cluster, tmp_path, monkeypatch) as api:
        acme = example("acme")
        await api.create(acme)
        worker = build.child_name("acme")

        # Children appear with the specs the pure builders give.
        deployment = await eventually(lambda: api.get("Deployment", NS, worker), "the Deployment")
        tenant = await api.get("OdooTenant", NS, "acme")
        assert tenant is not None
        _, spec = parse_tenant_resource(tenant)
        config = await eventually(lambda: tenant_config(api, "acme"), "the compiled config")
        secret = await api.get("Secret", NS, build.child_name("acme", "keys"))
        assert secret is not None
        public_key = base64.b64decode(secret["data"]["public-key"]).decode()
        assert config.worker.public_key == public_key
        assert config.worker.address == f"{worker}.{NS}.svc:50051"
        assert config.endpoint == "https://mcp.example.com/t/acme/mcp"
        assert config.policy.rate_limits.per_user_per_minute == 60
        expected = build.build_deployment(
            settings(), tenant, spec, _ring_of(secret), config.revision
        )
        assert deployment["spec"] == expected["spec"]
        assert deployment["metadata"]["ownerReferences"][0]["uid"] == tenant["metadata"]["uid"]
        for kind in ("Service", "NetworkPolicy", "PodDisruptionBudget"):
            assert await api.get(kind, NS, worker) is not None, kind
        events = await eventually(lambda: _events_about(api, "acme"), "Events on the tenant")
        assert f"created Deployment {worker}" in {e["message"] for e in events}

        # Not Ready until the worker Deployment reports available replicas.
        ready = await eventually(
            lambda: tenant_condition(api, "acme", "Ready"), "a Ready condition"
        )
        assert (ready["status"], ready["reason"]) == ("False", "WorkerUnavailable")
        await report_available(api, "acme", 2)
        ready = await eventually(lambda: _with_status(api, "acme", "Ready", "True"), "Ready=True")
        assert ready["reason"] == "WorkerAvailable"
        tenant = await api.get("OdooTenant", NS, "acme")
        assert tenant is not None
        assert tenant["status"]["endpoint"] == "https://mcp.example.com/t/acme/mcp"
        assert tenant["status"]["observedGeneration"] == tenant["metadata"]["generation"]

        # A spec change rolls through: one replica (so no PDB) and read-only access.
        await api.patch(
            "OdooTenant",
            NS,
            "acme",
            {"spec": {"worker": {"replicas": 1}, "access": {"mode": "readOnly"}}},
        )
        await eventually(lambda: _replicas(api, worker, 1), "the Deployment scaled to one replica")
        await eventually(lambda: _gone(api, "PodDisruptionBudget", worker), "the PDB removed")
        changed = await eventually(lambda: _read_only(api, "acme"), "a read-only config")
        assert changed.revision != config.revision

        # Drift is repaired: a deleted Service comes back, an edited Deployment is restored.
        await api.delete("Service", NS, worker)
        await eventually(lambda: api.get("Service", NS, worker), "the Service recreated")
        await api.patch("Deployment", NS, worker, {"spec": {"replicas": 5}})
        await eventually(lambda: _replicas(api, worker, 1), "the Deployment restored")


def _ring_of(secret: dict[str, Any]) -> Any:
    from tollgate_operator.keys import read_ring

    ring = read_ring(secret["data"], secret["metadata"].get("annotations") or {})
    assert ring is not None
    return ring


async def _with_status(api: Api, name: str, kind: str, status: str) -> dict[str, Any] | None:
    found = await tenant_condition(api, name, kind)
    return found if found and found["status"] == status else None


async def _replicas(api: Api, name: str, replicas: int) -> bool:
    deployment = await api.get("Deployment", NS, name)
    return bool(deployment and deployment["spec"]["replicas"] == replicas)


async def _gone(api: Api, kind: str, name: str, ns: str = NS) -> bool:
    return await api.get(kind, ns, name) is None


async def _read_only(api: Api, name: str) -> TenantConfig | None:
    config = await tenant_config(api, name)
    return config if config and config.access.read_only else None


async def test_invalid_spec_is_degraded_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_cluster() as cluster, operator_on(cluster, tmp_path, monkeypatch) as api:
        await api.create(example("globex"))
        good = await eventually(lambda: tenant_config(api, "globex"), "the compiled config")
        # A mistake the API server's schema would also refuse, made here as if it slipped by.
        await api.patch("OdooTenant", NS, "globex", {"spec": {"access": {"mode": "admin"}}})
        degraded = await eventually(
            lambda: _with_status(api, "globex", "Degraded", "True"), "Degraded=True"
        )
        assert degraded["reason"] == "InvalidSpec"
        assert "spec.access.mode" in degraded["message"]
        tenant = await api.get("OdooTenant", NS, "globex")
        assert tenant is not None
        assert degraded["observedGeneration"] == tenant["metadata"]["generation"]
        assert await tenant_config(api, "globex") == good  # the last good config keeps serving

        # Fixing the spec clears it.
        await api.patch("OdooTenant", NS, "globex", {"spec": {"access": {"mode": "readOnly"}}})
        await eventually(lambda: _with_status(api, "globex", "Degraded", "False"), "recovery")


async def test_key_rotation_and_delete_cleanup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_cluster() as cluster, operator_on(cluster, tmp_path, monkeypatch) as api:
        await api.create(example("acme"))
        first = await eventually(lambda: tenant_config(api, "acme"), "the compiled config")
        # A second tenant with the same name elsewhere is refused: the name is the MCP URL's.
        twin = copy.deepcopy(example("acme"))
        twin["metadata"]["namespace"] = "other"
        await api.create(twin)
        taken = await eventually(lambda: _twin_degraded(api), "the twin refused")
        assert "metadata.name" in taken["message"]
        assert "'tenants'" in taken["message"]

        await api.patch(
            "OdooTenant",
            NS,
            "acme",
            {"metadata": {"annotations": {"tollgate.dev/rotate-key": "1"}}},
        )
        rotated = await eventually(
            lambda: _config_key_changed(api, "acme", first.worker.public_key), "a rotated key"
        )
        secret = await api.get("Secret", NS, build.child_name("acme", "keys"))
        assert secret is not None
        ring = _ring_of(secret)
        assert ring.previous is not None
        assert ring.public_key() == rotated.worker.public_key

        await api.delete("OdooTenant", NS, "acme")
        await eventually(lambda: _gone(api, "OdooTenant", "acme"), "the tenant removed")
        worker = build.child_name("acme")
        for kind in ("Deployment", "Service", "NetworkPolicy", "PodDisruptionBudget"):
            assert await api.get(kind, NS, worker) is None, kind
        assert await api.get("Secret", NS, build.child_name("acme", "keys")) is None
        assert await tenant_config(api, "acme") is None


async def _config_key_changed(api: Api, name: str, old: str) -> TenantConfig | None:
    config = await tenant_config(api, name)
    return config if config and config.worker.public_key != old else None


async def _twin_degraded(api: Api) -> dict[str, Any] | None:
    tenant = await api.get("OdooTenant", "other", "acme")
    found = condition(((tenant or {}).get("status") or {}).get("conditions") or [], "Degraded")
    return dict(found) if found and found["status"] == "True" else None


async def test_odoo_version_comes_from_the_odoo_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_simulator("18.0") as odoo18, running_simulator("19.0") as odoo19:
        async with (
            running_cluster() as cluster,
            operator_on(cluster, tmp_path, monkeypatch) as api,
        ):
            await api.create(_on_odoo(example("globex"), odoo18))
            # No worker is running (KMock starts no pods): the operator needs none for this.
            assert await eventually(lambda: _odoo_version(api, "globex"), "a version") == "18.0"
            ready = await tenant_condition(api, "globex", "Ready")
            assert ready is not None
            assert ready["status"] == "False"

            # The tenant moves to another Odoo: its next reconcile asks that one.
            patch = {"spec": {"odoo": {"url": odoo19}}}
            await api.patch("OdooTenant", NS, "globex", patch)
            assert await eventually(lambda: _odoo_version(api, "globex", "19.0"), "19.0")


async def test_a_silent_odoo_holds_up_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A probe waiting on an Odoo that never answers blocks neither reconciles nor shutdown."""
    monkeypatch.setattr(odoo_version, "PROBE_DEADLINE_SECONDS", 3600.0)
    async with silent_server() as odoo:
        async with (
            running_cluster() as cluster,
            operator_on(cluster, tmp_path, monkeypatch) as api,
        ):
            await api.create(_on_odoo(example("globex"), odoo.url))
            await eventually(lambda: _is_set(odoo.connected), "the probe's connection")
            # The tenant's next change is reconciled, its worker's availability reported.
            await api.patch("OdooTenant", NS, "globex", {"spec": {"worker": {"replicas": 2}}})
            worker = build.child_name("globex")
            await eventually(lambda: _replicas(api, worker, 2), "the Deployment scaled")
            await report_available(api, "globex", 2)
            await eventually(lambda: _with_status(api, "globex", "Ready", "True"), "Ready")
            assert await _odoo_version(api, "globex") is None
            assert not odoo.hung_up.is_set()
        # Stopping the operator ended the probe it still had waiting.
        await eventually(lambda: _is_set(odoo.hung_up), "the probe's connection closed")


@dataclass
class SilentServer:
    url: str
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    hung_up: asyncio.Event = field(default_factory=asyncio.Event)


@asynccontextmanager
async def silent_server() -> AsyncIterator[SilentServer]:
    """A TCP server that reads requests and never answers them."""
    silent = SilentServer("")

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        silent.connected.set()
        while await reader.read(4096):
            pass
        silent.hung_up.set()
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    silent.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield silent
    finally:
        server.close()
        await server.wait_closed()


async def _is_set(event: asyncio.Event) -> bool:
    return event.is_set()


def _on_odoo(tenant: dict[str, Any], url: str) -> dict[str, Any]:
    tenant["spec"]["odoo"]["url"] = url
    return tenant


async def _odoo_version(api: Api, name: str, wanted: str | None = None) -> str | None:
    """The tenant's status.odooVersion (when ``wanted`` is given: only once it is that)."""
    tenant = await api.get("OdooTenant", NS, name)
    version = ((tenant or {}).get("status") or {}).get("odooVersion")
    if not version or (wanted is not None and version != wanted):
        return None
    return str(version)


async def _events_about(api: Api, name: str) -> list[dict[str, Any]]:
    events = await api.list("Event", NS)
    return [e for e in events if e.get("involvedObject", {}).get("name") == name]


class RevokingAuth(auth_pb2_grpc.AuthServiceServicer):
    """Stands in for auth: records RevokeTenant calls, unavailable until ``up`` is set."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []  # (tenant, answered)
        self.up = False

    async def RevokeTenant(
        self, request: auth_pb2.RevokeTenantRequest, context: Any
    ) -> auth_pb2.RevokeTenantResponse:
        self.calls.append((request.tenant, self.up))
        if not self.up:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "auth is restarting")
        return auth_pb2.RevokeTenantResponse(grants_revoked=2, api_keys_revoked=1)


async def test_delete_revokes_the_tenants_tokens_before_deregistering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = RevokingAuth()
    async with (
        running_grpc_server(
            lambda server: auth_pb2_grpc.add_AuthServiceServicer_to_server(auth, server)
        ) as auth_server,
        running_cluster() as cluster,
        operator_on(
            cluster,
            tmp_path,
            monkeypatch,
            auth_address=auth_server.address,
            auth_retry_seconds="0.2",
        ) as api,
    ):
        await api.create(example("acme"))
        await eventually(lambda: tenant_config(api, "acme"), "the compiled config")
        assert auth.calls == []

        await api.delete("OdooTenant", NS, "acme")
        await eventually(lambda: _called(auth, 2), "a retried revocation")
        # auth is down: the finalizer holds, the tenant stays registered and served.
        tenant = await api.get("OdooTenant", NS, "acme")
        assert tenant is not None
        assert tenant["metadata"].get("deletionTimestamp")
        assert await tenant_config(api, "acme") is not None
        assert await api.get("Deployment", NS, build.child_name("acme")) is not None

        auth.up = True
        await eventually(lambda: _gone(api, "OdooTenant", "acme"), "the tenant removed")
        assert await tenant_config(api, "acme") is None
        assert auth.calls[-1] == ("acme", True)
        assert {tenant for tenant, _ in auth.calls} == {"acme"}


async def _called(auth: RevokingAuth, times: int) -> bool:
    return len(auth.calls) >= times


async def test_services_see_tenants_come_and_go_through_the_kubernetes_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chart's wiring: the operator writes the ConfigMap, the services' source watches it."""
    async with running_cluster() as cluster, operator_on(cluster, tmp_path, monkeypatch) as api:
        server = str(cluster.url).rstrip("/")
        source = KubernetesSource(RELEASE_NS, api_url=server, token="test-token")
        async with TenantRegistry(source, poll_interval=0.05) as registry:
            await api.create(example("acme"))
            acme = await eventually(lambda: _known(registry, "acme"), "acme at the services")
            assert acme.endpoint == "https://mcp.example.com/t/acme/mcp"
            assert acme == await tenant_config(api, "acme")
            await api.delete("OdooTenant", NS, "acme")
            await eventually(lambda: _forgotten(registry, "acme"), "acme forgotten")


async def _known(registry: TenantRegistry, name: str) -> TenantConfig | None:
    await registry.refresh()
    return registry.get(name)


async def _forgotten(registry: TenantRegistry, name: str) -> bool:
    await registry.refresh()
    return registry.get(name) is None
