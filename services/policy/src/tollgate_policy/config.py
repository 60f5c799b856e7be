"""policy's settings: ``TOLLGATE_POLICY_*`` environment variables, read once at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict
from tollgate_common.settings import GrpcServerSettings
from tollgate_common.stores import REDIS_SCHEMES


class Settings(GrpcServerSettings):
    model_config = SettingsConfigDict(env_prefix="TOLLGATE_POLICY_")

    tenants_dir: Path = Field(
        description="Directory of compiled tenant configs (*.json, from tollgate dev or operator)."
    )
    tenant_poll_interval: float = Field(
        default=2.0, gt=0, description="Seconds between two looks at the tenant directory."
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

    @field_validator("tenants_dir")
    @classmethod
    def _check_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"{str(value)!r} is not a directory")
        return value

    @field_validator("store_url")
    @classmethod
    def _check_store(cls, value: str) -> str:
        scheme = value.partition("://")[0]
        if scheme != "memory" and scheme not in REDIS_SCHEMES:
            raise ValueError(f"{value!r} is not memory:// or a redis:// URL")
        return value
