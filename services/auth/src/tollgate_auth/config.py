"""auth's settings: ``TOLLGATE_AUTH_*`` environment variables, read once at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict
from tollgate_common.settings import GrpcServerSettings


class Settings(GrpcServerSettings):
    model_config = SettingsConfigDict(env_prefix="TOLLGATE_AUTH_")

    tenants_dir: Path = Field(
        description="Directory of compiled tenant configs (*.json, from tollgate dev or operator)."
    )
    tenant_poll_interval: float = Field(
        default=2.0, gt=0, description="Seconds between two looks at the tenant directory."
    )
    dev_keys_file: Path | None = Field(
        default=None,
        description="JSON or YAML file of dev API keys (local stack only); unset means none.",
    )
    cache_ttl: float = Field(
        default=60.0, ge=0, le=3600, description="Seconds the front may cache a verified token."
    )

    @field_validator("tenants_dir")
    @classmethod
    def _check_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"{str(value)!r} is not a directory")
        return value

    @field_validator("dev_keys_file")
    @classmethod
    def _check_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{str(value)!r} is not a file")
        return value
