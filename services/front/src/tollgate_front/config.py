"""The front's settings: ``TOLLGATE_FRONT_*`` environment variables, read once at start-up."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict
from tollgate_common.settings import ServiceSettings
from tollgate_common.tenants import TenantSourceSettings

# Loopback only: the local stack and tests. A deployment lists its public host names.
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*")
DEFAULT_ALLOWED_ORIGINS = ("http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*")

CommaSeparated = Annotated[tuple[str, ...], NoDecode]


def _address(value: str) -> str:
    host, sep, port = value.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r} is not a host:port address")
    return value.strip()


class Settings(ServiceSettings, TenantSourceSettings):
    model_config = SettingsConfigDict(env_prefix="TOLLGATE_FRONT_")

    host: str = Field(default="127.0.0.1", description="Interface the HTTP server binds to.")
    port: int = Field(default=8000, ge=0, le=65535, description="HTTP port; 0 picks a free one.")
    tenant_poll_interval: float = Field(
        default=2.0, gt=0, description="Seconds between two looks at the tenant source."
    )
    auth_address: str = Field(description="host:port of the auth gRPC service.")
    policy_address: str = Field(description="host:port of the policy gRPC service.")
    auth_timeout: float = Field(
        default=2.0, gt=0, le=60, description="Deadline in seconds for a token verification."
    )
    policy_timeout: float = Field(
        default=2.0, gt=0, le=60, description="Deadline in seconds for a policy decision."
    )
    tool_timeout: float = Field(
        default=30.0, gt=0, le=600, description="Deadline in seconds for one tool call's worker."
    )
    token_cache_ttl: float = Field(
        default=60.0,
        ge=0,
        description="Longest time a verified token is trusted without asking auth again "
        "(auth may ask for less); 0 turns the cache off.",
    )
    token_cache_size: int = Field(
        default=10_000, ge=1, description="Verified tokens kept in the cache at most."
    )
    allowed_hosts: CommaSeparated = Field(
        default=DEFAULT_ALLOWED_HOSTS,
        description="Host headers accepted (DNS-rebinding protection), comma-separated; "
        "'name:*' allows any port.",
    )
    allowed_origins: CommaSeparated = Field(
        default=DEFAULT_ALLOWED_ORIGINS,
        description="Origin headers accepted from browsers, comma-separated; "
        "'scheme://name:*' allows any port.",
    )
    json_response: bool = Field(
        default=False,
        description="Answer requests with one JSON body instead of an SSE stream.",
    )
    max_request_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body accepted."
    )
    outcome_batch_size: int = Field(
        default=100,
        ge=1,
        le=1000,
        description="Outcome records sent to policy in one RecordOutcomes call at most.",
    )
    outcome_flush_delay: float = Field(
        default=0.05,
        gt=0,
        le=1,
        description="Seconds an outcome record waits for others before it is sent.",
    )
    outcome_max_pending: int = Field(
        default=10_000,
        ge=1,
        description="Outcome records kept while policy cannot take them; newer ones are "
        "dropped with an error log.",
    )

    @field_validator("auth_address", "policy_address")
    @classmethod
    def _check_address(cls, value: str) -> str:
        return _address(value)

    @field_validator("allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value
