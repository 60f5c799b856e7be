from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.tenants import TenantConfig, compile_tenant, parse_tenant_resource
from tollgate_operator import build
from tollgate_operator.config import Settings
from tollgate_operator.keys import KeyRing

TenantBody = Callable[..., dict[str, Any]]  # the conftest fixture
RING = KeyRing(current=SealingPrivateKey.generate().to_base64())


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


def _deployment(settings: Settings, tenant_body: TenantBody, **spec: Any) -> dict[str, Any]:
    body = tenant_body(**spec)
    _, parsed = parse_tenant_resource(body)
    return build.build_deployment(settings, body, parsed, RING, "rev1")


def test_worker_pod_is_hardened_and_probed(settings: Settings, tenant_body: TenantBody) -> None:
    deployment = _deployment(settings, tenant_body)
    pod = deployment["spec"]["template"]["spec"]
    container = _container(deployment)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"] == {"port": 50051}
    assert container["resources"]["limits"]["memory"] == "512Mi"
    assert deployment["metadata"]["ownerReferences"][0] == {
        "apiVersion": "tollgate.dev/v1alpha1",
        "kind": "OdooTenant",
        "name": "acme",
        "uid": "uid-acme",
        "controller": True,
        "blockOwnerDeletion": True,
    }


def test_worker_env_carries_the_spec_and_keys_only_by_reference(
    settings: Settings, tenant_body: TenantBody
) -> None:
    deployment = _deployment(
        settings,
        tenant_body,
        worker={"replicas": 3},
        odoo={"url": "https://x.odoo.com/", "database": "x"},
    )
    env = {item["name"]: item for item in _container(deployment)["env"]}
    assert env["TOLLGATE_WORKER_ODOO_URL"]["value"] == "https://x.odoo.com"
    assert env["TOLLGATE_WORKER_TENANT"]["value"] == "acme"
    assert env["OTEL_RESOURCE_ATTRIBUTES"]["value"] == "tollgate.tenant=acme"
    assert env["TOLLGATE_WORKER_PRIVATE_KEYS"] == {
        "name": "TOLLGATE_WORKER_PRIVATE_KEYS",
        "valueFrom": {"secretKeyRef": {"name": "tollgate-worker-acme-keys", "key": "private-keys"}},
    }
    assert RING.current not in str(deployment)
    assert deployment["spec"]["replicas"] == 3


def test_key_rotation_rolls_the_pods(settings: Settings, tenant_body: TenantBody) -> None:
    body = tenant_body()
    _, spec = parse_tenant_resource(body)
    before = build.build_deployment(settings, body, spec, RING, "r")
    rotated = KeyRing(current=SealingPrivateKey.generate().to_base64(), previous=RING.current)
    after = build.build_deployment(settings, body, spec, rotated, "r")
    annotation = build.KEYS_ANNOTATION
    assert (
        before["spec"]["template"]["metadata"]["annotations"][annotation]
        != after["spec"]["template"]["metadata"]["annotations"][annotation]
    )


def test_pdb_only_with_more_than_one_replica(settings: Settings, tenant_body: TenantBody) -> None:
    one = tenant_body()
    two = tenant_body(worker={"replicas": 2})
    assert build.build_pdb(settings, one, parse_tenant_resource(one)[1]) is None
    pdb = build.build_pdb(settings, two, parse_tenant_resource(two)[1])
    assert pdb is not None
    assert pdb["spec"]["maxUnavailable"] == 1


def test_network_policy_admits_only_front_and_auth(
    settings: Settings, tenant_body: TenantBody
) -> None:
    body = tenant_body()
    policy = build.build_network_policy(settings, body, parse_tenant_resource(body)[1])
    (ingress,) = policy["spec"]["ingress"]
    (peer,) = ingress["from"]
    assert peer["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "tollgate"}}
    assert peer["podSelector"] == {
        "matchLabels": {"app.kubernetes.io/instance": "tollgate"},
        "matchExpressions": [
            {"key": "app.kubernetes.io/component", "operator": "In", "values": ["front", "auth"]}
        ],
    }
    assert ingress["ports"] == [{"protocol": "TCP", "port": 50051}]
    dns, odoo = policy["spec"]["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert odoo["ports"] == [{"protocol": "TCP", "port": 443}]


@pytest.mark.parametrize(
    ("url", "cidr"),
    [("http://10.1.2.3:8069", "10.1.2.3/32"), ("https://[fd00::5]", "fd00::5/128")],
)
def test_network_policy_pins_an_odoo_ip(
    settings: Settings, tenant_body: TenantBody, url: str, cidr: str
) -> None:
    body = tenant_body(odoo={"url": url, "database": "d", "allowInsecureHttp": True})
    policy = build.build_network_policy(settings, body, parse_tenant_resource(body)[1])
    assert policy["spec"]["egress"][1]["to"] == [{"ipBlock": {"cidr": cidr}}]


def test_config_is_the_common_compile_function(settings: Settings, tenant_body: TenantBody) -> None:
    body = tenant_body()
    _, spec = parse_tenant_resource(body)
    config = build.compile_config(settings, "acme", "tenants", spec, RING)
    assert config == compile_tenant(
        "acme",
        spec,
        endpoint_base="https://mcp.example.com",
        worker_address="tollgate-worker-acme.tenants.svc:50051",
        worker_public_key=RING.public_key(),
    )
    patch = build.config_entry_patch("acme", "tenants", config)
    assert TenantConfig.from_json(patch["data"]["acme.json"]) == config
    removal = build.config_entry_patch("acme", "tenants", None)
    assert removal["data"] == {"acme.json": None}


def test_secret_holds_the_ring(settings: Settings, tenant_body: TenantBody) -> None:
    secret = build.build_key_secret(settings, tenant_body(), RING)
    assert secret["type"] == "Opaque"
    assert set(secret["data"]) == {"private-keys", "public-key"}


def test_long_names_stay_dns_labels() -> None:
    name = "a" * 63
    assert len(build.child_name(name, "keys")) <= 63
    assert build.child_name(name) != build.child_name(name, "keys")
    assert build.child_name("acme") == "tollgate-worker-acme"
