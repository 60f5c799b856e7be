"""The operator's settings: ``TOLLGATE_OPERATOR_*`` environment variables, read once at start-up.

The chart sets them from its values; everything a builder needs to know about the installation
(images, the namespace the services run in, the public URL) comes from here, never from the
environment deep in the code.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict
from tollgate_common.settings import ServiceSettings

CommaSeparated = Annotated[tuple[str, ...], NoDecode]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TOLLGATE_OPERATOR_")

    endpoint_base: str = Field(
        description="Public base URL of the front, e.g. https://mcp.example.com; a tenant's MCP "
        "URL is <base>/t/<tenant>/mcp."
    )
    release_namespace: str = Field(
        description="Namespace where front, auth and policy run (and read tenant configs)."
    )
    instance: str = Field(
        default="tollgate", description="The Helm release name; set as app.kubernetes.io/instance."
    )
    tenants_config_map: str = Field(
        default="tollgate-tenants",
        description="ConfigMap in the release namespace holding every compiled tenant config.",
    )
    auth_address: str = Field(
        default="",
        description="host:port of auth's gRPC service, told to revoke a deleted tenant's tokens "
        "(RevokeTenant) before it is deregistered; empty skips that (no auth, e.g. tests).",
    )
    auth_timeout: float = Field(
        default=10.0, gt=0, le=120, description="Deadline in seconds of the RevokeTenant call."
    )
    auth_retry_seconds: float = Field(
        default=10.0, gt=0, description="Seconds before a failed RevokeTenant is tried again."
    )
    worker_image: str = Field(description="Image of the tenant workers, e.g. repo/worker:1.2.3.")
    worker_image_pull_policy: str = Field(
        default="IfNotPresent", description="imagePullPolicy of the worker containers."
    )
    worker_port: int = Field(default=50051, ge=1, le=65535, description="Worker gRPC port.")
    worker_cpu_request: str = Field(default="50m", description="CPU request of a worker pod.")
    worker_memory_request: str = Field(
        default="128Mi", description="Memory request of a worker pod."
    )
    worker_cpu_limit: str = Field(default="1", description="CPU limit of a worker pod.")
    worker_memory_limit: str = Field(default="512Mi", description="Memory limit of a worker pod.")
    worker_service_account: str = Field(
        default="", description="ServiceAccount of the worker pods; empty means default."
    )
    worker_env: dict[str, str] = Field(
        default_factory=dict,
        description="Extra environment of every worker, as a JSON object (e.g. OTEL_* settings).",
    )
    worker_host_template: str = Field(
        default="{service}.{namespace}.svc",
        description="How other pods reach a worker Service; change it for a cluster domain "
        "other than the default search path.",
    )
    collector_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="OTLP port of the collector in the release namespace workers may reach; "
        "0 allows none.",
    )
    key_grace_hours: float = Field(
        default=24.0,
        gt=0,
        description="Hours a worker keeps its previous sealing key after a rotation.",
    )
    namespaces: CommaSeparated = Field(
        default=(),
        description="Namespaces whose OdooTenants are served, comma-separated; empty means all.",
    )
    peering: str = Field(
        default="",
        description="kopf peering name for leader election between replicas; empty runs one "
        "replica standalone.",
    )
    liveness_port: int = Field(
        default=8080, ge=0, le=65535, description="Port of kopf's /healthz probe; 0 for none."
    )

    @field_validator("endpoint_base")
    @classmethod
    def _check_base(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.rstrip("/")

    @field_validator("namespaces", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value
