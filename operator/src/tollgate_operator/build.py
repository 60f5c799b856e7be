"""Pure builders: a tenant's desired children, computed from its spec and the operator settings.

Nothing here talks to the API server or reads the clock: the same inputs give the same objects,
which is what makes applying them idempotent and drift detectable (see `apply.py`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlsplit

from tollgate_common.tenants import TenantConfig, TenantSpec, compile_tenant
from tollgate_common.tenants.spec import API_VERSION, KIND

from tollgate_operator.config import Settings
from tollgate_operator.keys import (
    PREVIOUS_EXPIRES_ANNOTATION,
    PRIVATE_KEYS,
    PUBLIC_KEY,
    ROTATION_ANNOTATION,
    KeyRing,
)

Obj = dict[str, Any]

COMPONENT: Final = "worker"
MANAGED_BY: Final = "tollgate-operator"
TENANT_LABEL: Final = "tollgate.dev/tenant"
KEYS_ANNOTATION: Final = "tollgate.dev/key-ids"
REVISION_ANNOTATION: Final = "tollgate.dev/config-revision"
# On the shared config map: which namespace each tenant name belongs to (names are global: they
# are the MCP URL's path segment).
OWNER_ANNOTATION_PREFIX: Final = "owner.tollgate.dev/"
CONFIG_MAP_LABEL: Final = "tollgate.dev/tenant-configs"
RUN_AS: Final = 10001
# The components that call a worker, and nothing else may: front for tool calls, auth for logins.
# (The operator reads the Odoo version from Odoo itself, not from the worker.)
WORKER_CALLERS: Final = ("front", "auth")


def child_name(tenant: str, suffix: str = "") -> str:
    """``tollgate-worker-<tenant>[-suffix]``, shortened with a hash to stay a DNS label."""
    name = f"tollgate-worker-{tenant}" + (f"-{suffix}" if suffix else "")
    if len(name) <= 63:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:54].rstrip('-')}-{digest}"


def selector_labels(settings: Settings, tenant: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "tollgate",
        "app.kubernetes.io/instance": settings.instance,
        "app.kubernetes.io/component": COMPONENT,
        TENANT_LABEL: tenant,
    }


def labels(settings: Settings, tenant: str) -> dict[str, str]:
    return {
        **selector_labels(settings, tenant),
        "app.kubernetes.io/part-of": "tollgate",
        "app.kubernetes.io/managed-by": MANAGED_BY,
    }


def owner_reference(tenant: Mapping[str, Any]) -> Obj:
    meta = tenant["metadata"]
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _metadata(settings: Settings, tenant: Mapping[str, Any], name: str) -> Obj:
    meta = tenant["metadata"]
    return {
        "name": name,
        "namespace": meta["namespace"],
        "labels": labels(settings, meta["name"]),
        "ownerReferences": [owner_reference(tenant)],
    }


def worker_address(settings: Settings, tenant: str, namespace: str) -> str:
    host = settings.worker_host_template.format(service=child_name(tenant), namespace=namespace)
    return f"{host}:{settings.worker_port}"


def compile_config(
    settings: Settings, name: str, namespace: str, spec: TenantSpec, ring: KeyRing
) -> TenantConfig:
    """The tenant config every service reads: the one compile function, cluster inputs."""
    return compile_tenant(
        name,
        spec,
        endpoint_base=settings.endpoint_base,
        worker_address=worker_address(settings, name, namespace),
        worker_public_key=ring.public_key(),
    )


def build_key_secret(settings: Settings, tenant: Mapping[str, Any], ring: KeyRing) -> Obj:
    annotations = {ROTATION_ANNOTATION: ring.rotation}
    if ring.previous_expires is not None:
        annotations[PREVIOUS_EXPIRES_ANNOTATION] = ring.previous_expires.isoformat()
    metadata = _metadata(settings, tenant, child_name(tenant["metadata"]["name"], "keys"))
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {**metadata, "annotations": annotations},
        "type": "Opaque",
        "data": {
            PRIVATE_KEYS: base64.b64encode(ring.private_keys().encode()).decode(),
            PUBLIC_KEY: base64.b64encode(ring.public_key().encode()).decode(),
        },
    }


def _key_ids(ring: KeyRing) -> str:
    """Changes whenever the ring does, so a rotation rolls the worker pods."""
    return hashlib.sha256(ring.private_keys().encode()).hexdigest()[:16]


def _worker_env(settings: Settings, name: str, spec: TenantSpec, secret: str) -> list[Obj]:
    plain = {
        "TOLLGATE_WORKER_TENANT": name,
        "TOLLGATE_WORKER_HOST": "0.0.0.0",
        "TOLLGATE_WORKER_PORT": str(settings.worker_port),
        "TOLLGATE_WORKER_ODOO_URL": spec.odoo.url.rstrip("/"),
        "TOLLGATE_WORKER_ODOO_DATABASE": spec.odoo.database,
        "TOLLGATE_WORKER_ODOO_PROTOCOL": spec.odoo.protocol,
        "TOLLGATE_WORKER_ODOO_TIMEOUT": str(spec.odoo.timeout_seconds),
        "TOLLGATE_WORKER_ODOO_VERIFY_TLS": "true" if spec.odoo.verify_tls else "false",
        "OTEL_SERVICE_NAME": COMPONENT,
        **settings.worker_env,
    }
    # The tenant is a resource attribute so every span and metric of this worker carries it.
    attributes = plain.get("OTEL_RESOURCE_ATTRIBUTES", "")
    plain["OTEL_RESOURCE_ATTRIBUTES"] = ",".join(
        part for part in (attributes, f"tollgate.tenant={name}") if part
    )
    env: list[Obj] = [{"name": key, "value": value} for key, value in plain.items()]
    env.append(
        {
            "name": "TOLLGATE_WORKER_PRIVATE_KEYS",
            "valueFrom": {"secretKeyRef": {"name": secret, "key": PRIVATE_KEYS}},
        }
    )
    return env


def build_deployment(
    settings: Settings, tenant: Mapping[str, Any], spec: TenantSpec, ring: KeyRing, revision: str
) -> Obj:
    name = tenant["metadata"]["name"]
    metadata = _metadata(settings, tenant, child_name(name))
    grpc_probe = {"grpc": {"port": settings.worker_port}}
    pod_spec: Obj = {
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": COMPONENT,
                "image": settings.worker_image,
                "imagePullPolicy": settings.worker_image_pull_policy,
                "ports": [
                    {"name": "grpc", "containerPort": settings.worker_port, "protocol": "TCP"}
                ],
                "env": _worker_env(settings, name, spec, child_name(name, "keys")),
                "resources": {
                    "requests": {
                        "cpu": settings.worker_cpu_request,
                        "memory": settings.worker_memory_request,
                    },
                    "limits": {
                        "cpu": settings.worker_cpu_limit,
                        "memory": settings.worker_memory_limit,
                    },
                },
                "startupProbe": {**grpc_probe, "periodSeconds": 2, "failureThreshold": 30},
                "readinessProbe": {**grpc_probe, "periodSeconds": 10},
                "livenessProbe": {**grpc_probe, "periodSeconds": 20, "failureThreshold": 3},
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "runAsNonRoot": True,
                    "capabilities": {"drop": ["ALL"]},
                },
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
            }
        ],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    if settings.worker_service_account:
        pod_spec["serviceAccountName"] = settings.worker_service_account
    if spec.worker.replicas > 1:
        pod_spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector_labels(settings, name)},
            }
        ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {**metadata, "annotations": {REVISION_ANNOTATION: revision}},
        "spec": {
            "replicas": spec.worker.replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": selector_labels(settings, name)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {
                "metadata": {
                    "labels": labels(settings, name),
                    "annotations": {KEYS_ANNOTATION: _key_ids(ring)},
                },
                "spec": pod_spec,
            },
        },
    }


def build_service(settings: Settings, tenant: Mapping[str, Any]) -> Obj:
    name = tenant["metadata"]["name"]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(settings, tenant, child_name(name)),
        "spec": {
            "type": "ClusterIP",
            "selector": selector_labels(settings, name),
            "ports": [
                {
                    "name": "grpc",
                    "port": settings.worker_port,
                    "targetPort": "grpc",
                    "protocol": "TCP",
                    "appProtocol": "grpc",
                }
            ],
        },
    }


def _odoo_egress(spec: TenantSpec) -> Obj:
    """Egress to the tenant's Odoo: its exact address when the URL names an IP, else its port.

    NetworkPolicy selects addresses, not host names; for a named host the port is the tightest
    rule it can state (an egress proxy or FQDN policy of the CNI can narrow it further).
    """
    url = urlsplit(spec.odoo.url)
    port = url.port or (443 if url.scheme == "https" else 80)
    host = url.hostname or ""
    to: list[Obj]
    if host.replace(".", "").isdigit():
        to = [{"ipBlock": {"cidr": f"{host}/32"}}]
    elif ":" in host:
        to = [{"ipBlock": {"cidr": f"{host}/128"}}]
    else:
        to = [
            {"ipBlock": {"cidr": "0.0.0.0/0"}},
            {"ipBlock": {"cidr": "::/0"}},
            {"namespaceSelector": {}},  # an Odoo inside the cluster
        ]
    return {"to": to, "ports": [{"protocol": "TCP", "port": port}]}


def build_network_policy(settings: Settings, tenant: Mapping[str, Any], spec: TenantSpec) -> Obj:
    name = tenant["metadata"]["name"]
    release_namespace = {"kubernetes.io/metadata.name": settings.release_namespace}
    egress: list[Obj] = [
        {
            "to": [{"namespaceSelector": {}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        _odoo_egress(spec),
    ]
    if settings.collector_port:
        egress.append(
            {
                "to": [
                    {
                        "namespaceSelector": {"matchLabels": release_namespace},
                        "podSelector": {
                            "matchLabels": {"app.kubernetes.io/component": "otel-collector"}
                        },
                    }
                ],
                "ports": [{"protocol": "TCP", "port": settings.collector_port}],
            }
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(settings, tenant, child_name(name)),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(settings, name)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": release_namespace},
                            "podSelector": {
                                "matchLabels": {"app.kubernetes.io/instance": settings.instance},
                                "matchExpressions": [
                                    {
                                        "key": "app.kubernetes.io/component",
                                        "operator": "In",
                                        "values": list(WORKER_CALLERS),
                                    }
                                ],
                            },
                        }
                    ],
                    "ports": [{"protocol": "TCP", "port": settings.worker_port}],
                }
            ],
            "egress": egress,
        },
    }


def build_pdb(settings: Settings, tenant: Mapping[str, Any], spec: TenantSpec) -> Obj | None:
    """A PodDisruptionBudget only when there is more than one worker to keep."""
    if spec.worker.replicas <= 1:
        return None
    name = tenant["metadata"]["name"]
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(settings, tenant, child_name(name)),
        "spec": {
            "maxUnavailable": 1,
            "selector": {"matchLabels": selector_labels(settings, name)},
        },
    }


def config_entry_patch(name: str, namespace: str, config: TenantConfig | None) -> Obj:
    """A merge patch registering (or, with None, removing) a tenant in the shared config map."""
    return {
        "metadata": {
            "annotations": {
                OWNER_ANNOTATION_PREFIX + name: namespace if config is not None else None
            }
        },
        "data": {f"{name}.json": config.to_json() if config is not None else None},
    }


def build_config_map(settings: Settings) -> Obj:
    """The shared config map, empty; tenants are added to it one key at a time."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": settings.tenants_config_map,
            "namespace": settings.release_namespace,
            "labels": {
                "app.kubernetes.io/name": "tollgate",
                "app.kubernetes.io/instance": settings.instance,
                "app.kubernetes.io/part-of": "tollgate",
                "app.kubernetes.io/managed-by": MANAGED_BY,
                CONFIG_MAP_LABEL: "true",
            },
        },
        "data": {},
    }
