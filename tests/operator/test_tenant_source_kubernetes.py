"""The services' Kubernetes tenant source against KMock: it lists the operator's labelled
ConfigMaps, follows the watch (a ConfigMap added after start, a key edited, a ConfigMap deleted)
and keeps a tenant's last good config when its document turns invalid."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import kmock
import yaml
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.tenants import KubernetesSource, TenantRegistry, parse_tenant_resource
from tollgate_operator import build
from tollgate_operator.config import Settings
from tollgate_operator.keys import KeyRing
from tollgate_operator.testing import Api, running_cluster

ROOT = Path(__file__).resolve().parents[2]
NS = "tollgate"
LABELS = {build.CONFIG_MAP_LABEL: "true"}


def compiled(name: str) -> dict[str, str]:
    """The data key the operator writes for example tenant ``name``."""
    settings = Settings(
        endpoint_base="https://mcp.example.com", release_namespace=NS, worker_image="w:1"
    )
    document = yaml.safe_load((ROOT / "examples" / "tenants" / f"{name}.yaml").read_text())
    _, spec = parse_tenant_resource(document)
    ring = KeyRing(current=SealingPrivateKey.generate().to_base64())
    config = build.compile_config(settings, name, "tenants", spec, ring)
    data: dict[str, str] = build.config_entry_patch(name, "tenants", config)["data"]
    return data


def config_map(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": NS, "labels": LABELS},
        "data": data,
    }


async def until(registry: TenantRegistry, check: Callable[[], bool], what: str) -> None:
    """Refresh until ``check`` holds (a bound only, no timing assertion)."""
    for _ in range(200):
        await registry.refresh()
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@asynccontextmanager
async def cluster_api() -> AsyncIterator[tuple[str, Api]]:
    async with running_cluster() as cluster:
        server = str(cluster.url).rstrip("/")
        async with aiohttp.ClientSession(base_url=server) as session:
            yield server, Api(session)


async def test_the_source_follows_the_configmaps_through_list_and_watch() -> None:
    async with cluster_api() as (server, api):
        await api.create(config_map("tollgate-tenants", compiled("acme")))
        source = KubernetesSource(NS, api_url=server, token="test-token")
        registry = TenantRegistry(source, poll_interval=0.05)
        async with registry:
            assert registry.names() == ["acme"]  # from the initial list
            assert registry.require("acme").endpoint == "https://mcp.example.com/t/acme/mcp"

            # Arrives through the watch, after the start.
            await api.create(config_map("tollgate-more", compiled("globex")))
            await until(registry, lambda: "globex" in registry.names(), "globex to appear")

            # An invalid document keeps acme's last good config and names the key.
            good = registry.require("acme")
            await api.patch(
                "ConfigMap", NS, "tollgate-tenants", {"data": {"acme.json": "{not json"}}
            )
            await until(registry, lambda: bool(registry.errors), "the error to show")
            assert "tollgate-tenants/acme.json" in registry.errors
            assert "invalid JSON" in registry.errors["tollgate-tenants/acme.json"]
            assert registry.require("acme") == good

            # A deleted ConfigMap takes its tenants away.
            await api.delete("ConfigMap", NS, "tollgate-more")
            await until(registry, lambda: "globex" not in registry.names(), "globex to go")
            assert registry.names() == ["acme"]

            # A key removed from the ConfigMap (the operator's deregistration) too.
            await api.patch("ConfigMap", NS, "tollgate-tenants", {"data": {"acme.json": None}})
            await until(registry, lambda: registry.names() == [], "acme to go")
        assert source._task is None  # the registry closed the watch


async def test_an_expired_watch_lists_again() -> None:
    async with running_cluster() as cluster:
        server = str(cluster.url).rstrip("/")
        cluster[kmock.action.WATCH][:1] << 410  # the first watch's version is compacted away
        async with aiohttp.ClientSession(base_url=server) as session:
            api = Api(session)
            registry = TenantRegistry(KubernetesSource(NS, api_url=server, token="t"))
            async with registry:
                await until(
                    registry, lambda: len(list(cluster[kmock.action.LIST])) == 2, "a relist"
                )
                await api.create(config_map("tollgate-tenants", compiled("acme")))
                await until(registry, lambda: registry.names() == ["acme"], "acme to appear")
            watches = list(cluster[kmock.action.WATCH])
            assert len(watches) == 2
            assert all(
                w.params["labelSelector"] == build.CONFIG_MAP_LABEL + "=true" for w in watches
            )


async def test_an_unreachable_api_server_is_reported_not_raised() -> None:
    source = KubernetesSource(NS, api_url="http://127.0.0.1:9", token="t")
    try:
        snapshot = await source.snapshot()
        assert snapshot.tenants == {}
        assert "cannot read ConfigMaps" in next(iter(snapshot.errors.values()))
    finally:
        await source.aclose()
