from __future__ import annotations

from typing import Any

import pytest
from tollgate_operator.config import Settings


@pytest.fixture
def settings() -> Settings:
    return Settings(
        endpoint_base="https://mcp.example.com",
        release_namespace="tollgate",
        worker_image="registry.example/tollgate/worker:1.0.0",
        instance="tollgate",
    )


def tenant_body(name: str = "acme", namespace: str = "tenants", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tollgate.dev/v1alpha1",
        "kind": "OdooTenant",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}", "generation": 1},
        "spec": {"odoo": {"url": "https://acme.odoo.com", "database": "acme"}, **spec},
    }
