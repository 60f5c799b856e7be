"""The worker's settings: ``TOLLGATE_WORKER_*`` environment variables, read once at start-up."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict
from tollgate_common.odoo_credentials import parse_private_keys
from tollgate_common.sealing import KeyFormatError, SealingPrivateKey
from tollgate_common.settings import GrpcServerSettings


class Settings(GrpcServerSettings):
    model_config = SettingsConfigDict(env_prefix="TOLLGATE_WORKER_")

    tenant: str = Field(
        min_length=1, description="Name of the tenant this worker serves (one worker per tenant)."
    )
    odoo_url: str = Field(description="Base URL of the tenant's Odoo, e.g. https://acme.odoo.com.")
    odoo_database: str = Field(min_length=1, description="The Odoo database name.")
    odoo_protocol: Literal["auto", "jsonrpc", "json2", "xmlrpc"] = Field(
        default="auto",
        description="External API to use; auto picks JSON-2 on Odoo 19+, JSON-RPC before.",
    )
    odoo_timeout: float = Field(
        default=30.0, gt=0, le=600, description="Seconds a call may take when the caller sets none."
    )
    odoo_connect_timeout: float = Field(
        default=2.0, gt=0, le=60, description="Seconds to open a connection to Odoo."
    )
    odoo_verify_tls: bool = Field(default=True, description="Verify Odoo's TLS certificate.")
    odoo_max_connections: int = Field(
        default=50, ge=1, le=1000, description="Connections to Odoo kept at most (pooled)."
    )
    private_keys: SecretStr = Field(
        description="Sealing private keys: base64 X25519 keys, comma-separated, current key first."
    )
    uid_cache_ttl: float = Field(
        default=300.0, ge=0, description="Seconds a checked login/API key pair stays trusted."
    )
    schema_cache_ttl: float = Field(
        default=300.0, ge=0, description="Seconds a model's field list stays cached per user."
    )
    default_limit: int = Field(
        default=20, ge=1, description="Records returned when no limit given."
    )
    max_limit: int = Field(default=200, ge=1, description="Largest limit a call may ask for.")
    answer_budget: int = Field(
        default=12_000,
        ge=1000,
        description="Bytes of records an answer may hold before it is cut with a 'more' marker.",
    )
    odoo_public_url: str = Field(
        default="",
        description="Odoo URL users open in a browser, for record links (default: odoo_url).",
    )
    breaker_threshold: int = Field(
        default=5, ge=1, description="Failures to reach Odoo in a row that open the breaker."
    )
    breaker_cooldown: float = Field(
        default=10.0, gt=0, description="Seconds the breaker stays open before one probe call."
    )

    @field_validator("odoo_url", "odoo_public_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value:
            return value
        scheme, sep, rest = value.strip().partition("://")
        if not sep or scheme not in ("http", "https") or not rest or rest.startswith("/"):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value.strip().rstrip("/")

    @field_validator("private_keys")
    @classmethod
    def _check_keys(cls, value: SecretStr) -> SecretStr:
        try:
            parse_private_keys(value.get_secret_value())
        except (KeyFormatError, ValueError) as error:
            raise ValueError(str(error)) from None
        return value

    def sealing_keys(self) -> list[SealingPrivateKey]:
        return parse_private_keys(self.private_keys.get_secret_value())
