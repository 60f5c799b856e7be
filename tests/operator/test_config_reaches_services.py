"""The seam between the operator and the services: the compiled configs the operator writes into
the shared ConfigMap also load through `DirectorySource` when the ConfigMap is mounted as a
volume (the chart has the services watch it through the API instead; see
test_tenant_source_kubernetes.py).

The kubelet mounts a ConfigMap as a directory of symlinks into a timestamped folder (``..data``)
and swaps that link atomically on change; this test lays the files out the same way and reads
them with the services' own `DirectorySource`.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.tenants import DirectorySource, TenantRegistry, parse_tenant_resource
from tollgate_operator import build
from tollgate_operator.config import Settings
from tollgate_operator.keys import KeyRing

ROOT = Path(__file__).resolve().parents[2]


def settings() -> Settings:
    return Settings(
        endpoint_base="https://mcp.example.com",
        release_namespace="tollgate",
        worker_image="example.test/worker:1",
    )


def configmap_data(*names: str) -> dict[str, str]:
    """The shared ConfigMap's data after the operator registered these example tenants."""
    data: dict[str, str] = {}
    for name in names:
        document = yaml.safe_load((ROOT / "examples" / "tenants" / f"{name}.yaml").read_text())
        _, spec = parse_tenant_resource(document)
        ring = KeyRing(current=SealingPrivateKey.generate().to_base64())
        config = build.compile_config(settings(), name, "tenants", spec, ring)
        patch = build.config_entry_patch(name, "tenants", config)
        data.update(patch["data"])
    return data


def mount(directory: Path, data: dict[str, str], generation: int) -> None:
    """Lay out ``data`` like the kubelet: files behind ``..data`` -> ``..<generation>``."""
    target = directory / f"..{generation}"
    target.mkdir()
    for key, value in data.items():
        (target / key).write_text(value)
    link = directory / "..data_tmp"
    link.symlink_to(target.name)
    os.replace(link, directory / "..data")
    for key in data:
        if not (directory / key).is_symlink():
            (directory / key).symlink_to(f"..data/{key}")
    for entry in directory.iterdir():
        if entry.is_symlink() and not entry.name.startswith("..") and entry.name not in data:
            entry.unlink()


async def test_services_load_what_the_operator_registers(tmp_path: Path) -> None:
    mount(tmp_path, configmap_data("acme"), 1)
    registry = TenantRegistry(DirectorySource(tmp_path))
    await registry.refresh()
    acme = registry.require("acme")
    assert acme.endpoint == "https://mcp.example.com/t/acme/mcp"
    assert acme.worker.address == "tollgate-worker-acme.tenants.svc:50051"
    assert registry.errors == {}

    # A second tenant appears and the first one's removal (the operator's finalizer) lands.
    mount(tmp_path, configmap_data("globex"), 2)
    assert await registry.refresh()
    assert registry.names() == ["globex"]
    assert registry.get("acme") is None
