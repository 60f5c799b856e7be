from __future__ import annotations

from collections.abc import Callable
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


TenantBody = Callable[..., dict[str, Any]]


@pytest.fixture
def tenant_body() -> TenantBody:
    """Builds an OdooTenant resource: ``tenant_body(name, namespace, **spec overrides)``."""
    return _tenant_body


def _tenant_body(name: str = "acme", namespace: str = "tenants", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "tollgate.dev/v1alpha1",
        "kind": "OdooTenant",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}", "generation": 1},
        "spec": {"odoo": {"url": "https://acme.odoo.com", "database": "acme"}, **spec},
    }
