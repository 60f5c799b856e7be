from __future__ import annotations

from pathlib import Path

import pytest
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec

ACME_KEY = "tg_dev_acme_0123456789abcdef"
GLOBEX_KEY = "tg_dev_globex_0123456789abcdef"


@pytest.fixture(scope="session")
def worker_keys() -> dict[str, SealingPrivateKey]:
    return {"acme": SealingPrivateKey.generate(), "globex": SealingPrivateKey.generate()}


def write_tenant(directory: Path, name: str, public_key: str) -> None:
    spec = parse_tenant_spec(
        {"odoo": {"url": "http://127.0.0.1:8069", "database": "odoo", "allowInsecureHttp": True}}
    )
    config = compile_tenant(
        name,
        spec,
        endpoint_base="http://127.0.0.1:8000",
        worker_address="127.0.0.1:50061",
        worker_public_key=public_key,
    )
    (directory / f"{name}.json").write_text(config.to_json())


@pytest.fixture
def tenants_dir(tmp_path: Path, worker_keys: dict[str, SealingPrivateKey]) -> Path:
    directory = tmp_path / "tenants"
    directory.mkdir()
    for name, key in worker_keys.items():
        write_tenant(directory, name, key.public_key.to_base64())
    write_tenant(directory, "unready", "")
    return directory


@pytest.fixture
def dev_keys_file(tmp_path: Path) -> Path:
    path = tmp_path / "dev-keys.yaml"
    path.write_text(
        f"""
keys:
  - key: {ACME_KEY}
    tenant: acme
    email: demo@acme.example
    name: claude-code
    odoo_login: demo
    odoo_api_key: odoo-demo-key
  - key: {GLOBEX_KEY}
    tenant: globex
    subject: key:ci
    odoo_login: admin
    odoo_api_key: odoo-admin-key
  - key: tg_dev_unready_0123456789abcdef
    tenant: unready
    email: x@unready.example
    odoo_login: x
    odoo_api_key: y
"""
    )
    return path
