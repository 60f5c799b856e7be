"""auth's settings: ``TOLLGATE_AUTH_*`` environment variables, read once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict
from tollgate_common.access_tokens import SigningKey, parse_signing_keys
from tollgate_common.settings import GrpcServerSettings
from tollgate_common.tenants import TenantSourceSettings

CommaSeparated = Annotated[tuple[str, ...], NoDecode]


class Settings(GrpcServerSettings, TenantSourceSettings):
    model_config = SettingsConfigDict(env_prefix="TOLLGATE_AUTH_")

    tenant_poll_interval: float = Field(
        default=2.0, gt=0, description="Seconds between two looks at the tenant source."
    )
    dev_keys_file: Path | None = Field(
        default=None,
        description="JSON or YAML file of dev API keys (local stack only); unset means none.",
    )
    cache_ttl: float = Field(
        default=60.0, ge=0, le=3600, description="Seconds the front may cache a verified API key."
    )
    # OAuth / HTTP ---------------------------------------------------------------------------
    http_host: str = Field(default="127.0.0.1", description="Interface the HTTP server binds to.")
    http_port: int = Field(
        default=8001, ge=0, le=65535, description="HTTP port of the OAuth endpoints and pages."
    )
    issuer_base: str = Field(
        default="",
        description="Public base URL of the OAuth endpoints (https://auth.example.com); a tenant's "
        "issuer is <issuer_base>/t/<tenant>. Default: http://<http_host>:<http_port>.",
    )
    store_url: str = Field(
        default="memory://",
        description="Where codes, grants, clients and API keys live: memory:// or redis://…",
    )
    signing_keys: SecretStr | None = Field(
        default=None,
        description="Ed25519 access-token signing keys, base64 raw, comma-separated, current "
        "first. Unset: a key is generated at start (one replica only).",
    )
    access_token_ttl: float = Field(
        default=300.0, ge=10, le=3600, description="Seconds an access token lives."
    )
    refresh_token_ttl: float = Field(
        default=30 * 86400.0, ge=60, description="Seconds a refresh-token family lives unused."
    )
    code_ttl: float = Field(
        default=60.0, gt=0, le=600, description="Seconds an authorization code lives."
    )
    login_attempts_per_minute: int = Field(
        default=5, ge=1, description="Failed-or-not logins per Odoo login and minute."
    )
    login_attempts_per_ip_per_minute: int = Field(
        default=30, ge=1, description="Logins per client IP and minute."
    )
    registrations_per_ip_per_hour: int = Field(
        default=30, ge=1, description="Dynamic client registrations per client IP and hour."
    )
    worker_timeout: float = Field(
        default=10.0, gt=0, le=60, description="Deadline in seconds for a credential check."
    )
    policy_address: str = Field(
        default="",
        description="host:port of policy's gRPC API; when set, approvers decide requests at "
        "/t/<tenant>/approvals.",
    )
    policy_audit_timeout: float = Field(
        default=30.0,
        gt=0,
        le=300,
        description="Deadline in seconds of the approver pages' audit-trail calls to policy "
        "(listing, CSV export, chain check): they read the whole trail, so they get longer than "
        "the other calls.",
    )
    cimd_timeout: float = Field(
        default=5.0, gt=0, le=30, description="Seconds to fetch a client metadata document."
    )
    cimd_max_bytes: int = Field(
        default=5 * 1024, ge=512, description="Largest client metadata document accepted."
    )
    cimd_cache_ttl: float = Field(
        default=300.0, ge=0, description="Seconds a fetched client metadata document is reused."
    )
    cimd_allow_loopback: CommaSeparated = Field(
        default=(),
        description="DEV/TEST ONLY: host:port pairs on loopback whose client metadata documents "
        "may be fetched (normally private, loopback and link-local targets are refused).",
    )
    cimd_ca_file: Path | None = Field(
        default=None,
        description="DEV/TEST ONLY: extra CA certificates (PEM) trusted for client metadata.",
    )
    sso_file: Path | None = Field(
        default=None,
        description="YAML file of per-tenant upstream OpenID Connect providers (see README).",
    )

    @field_validator("dev_keys_file", "cimd_ca_file", "sso_file")
    @classmethod
    def _check_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{str(value)!r} is not a file")
        return value

    @field_validator("signing_keys")
    @classmethod
    def _check_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            parse_signing_keys(value.get_secret_value())
        return value

    @field_validator("issuer_base")
    @classmethod
    def _check_issuer(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value

    @field_validator("cimd_allow_loopback", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value

    def public_issuer_base(self) -> str:
        return self.issuer_base or f"http://{self.http_host}:{self.http_port}"

    def token_signing_keys(self) -> list[SigningKey]:
        if self.signing_keys is None:
            return [SigningKey.generate()]
        return parse_signing_keys(self.signing_keys.get_secret_value())
