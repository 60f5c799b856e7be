"""policy's settings: ``TOLLGATE_POLICY_*`` environment variables, read once at start-up."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict
from tollgate_common.settings import GrpcServerSettings
from tollgate_common.stores import REDIS_SCHEMES
from tollgate_common.tenants import TenantSourceSettings


class Settings(GrpcServerSettings, TenantSourceSettings):
    model_config = SettingsConfigDict(env_prefix="TOLLGATE_POLICY_")

    tenant_poll_interval: float = Field(
        default=2.0, gt=0, description="Seconds between two looks at the tenant source."
    )
    store_url: str = Field(
        default="memory://",
        description="Where audit records and counters live: memory:// or redis://host:port/db.",
    )
    audit_max_length: int = Field(
        default=100_000, ge=1, description="Audit records kept per tenant (oldest dropped)."
    )

    approvals_url: str = Field(
        default="",
        description="The approver page, told to requesters; '{tenant}' is replaced "
        "(e.g. https://auth.example.com/t/{tenant}/approvals).",
    )

    @field_validator("store_url")
    @classmethod
    def _check_store(cls, value: str) -> str:
        scheme = value.partition("://")[0]
        if scheme != "memory" and scheme not in REDIS_SCHEMES:
            raise ValueError(f"{value!r} is not memory:// or a redis:// URL")
        return value
