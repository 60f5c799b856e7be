"""Settings base for every service, and the start-up helper that turns bad settings into one line.

Each service subclasses `ServiceSettings` (or `GrpcServerSettings`) in its own `config.py` with
``model_config = SettingsConfigDict(env_prefix="TOLLGATE_<NAME>_")`` and calls `load_settings` once
in ``__main__``. `OTEL_*` variables are not settings of ours: the OpenTelemetry SDK reads them
itself.
"""

from __future__ import annotations

import sys
from typing import Annotated, Literal, TypeVar

from pydantic import BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SourceParseError

LogLevel = Annotated[
    Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
    BeforeValidator(lambda value: value.strip().upper() if isinstance(value, str) else value),
]

# Exit status for a usage or configuration error, as argparse and click use.
CONFIG_ERROR_EXIT_STATUS = 2


class ServiceSettings(BaseSettings):
    """Fields every service has. Subclasses set their own ``env_prefix``."""

    model_config = SettingsConfigDict(
        env_prefix="TOLLGATE_",
        extra="ignore",
        frozen=True,
        validate_default=True,
        case_sensitive=False,
    )

    log_level: LogLevel = Field(default="INFO", description="Lowest level of log lines written.")


class GrpcServerSettings(ServiceSettings):
    """Settings of a service that serves gRPC (auth, policy, worker)."""

    host: str = Field(default="127.0.0.1", description="Interface the gRPC server binds to.")
    port: int = Field(default=0, ge=0, le=65535, description="gRPC port; 0 picks a free one.")
    shutdown_grace: float = Field(
        default=5.0, ge=0, description="Seconds in-flight calls get to finish on SIGTERM."
    )


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


class ConfigurationError(Exception):
    """Settings could not be loaded; the message names every variable at fault, on one line."""


def env_var_name(settings_cls: type[BaseSettings], loc: tuple[int | str, ...]) -> str:
    """The environment variable behind a validation error location (nested with ``__``)."""
    prefix = str(settings_cls.model_config.get("env_prefix") or "")
    delimiter = str(settings_cls.model_config.get("env_nested_delimiter") or "__")
    return (prefix + delimiter.join(str(part) for part in loc)).upper()


def describe_validation_error(settings_cls: type[BaseSettings], error: ValidationError) -> str:
    """One line naming each variable at fault with what is wrong with it."""
    parts = []
    for item in error.errors(include_url=False):
        name = env_var_name(settings_cls, tuple(item["loc"])) if item["loc"] else "settings"
        message = "is required but not set" if item["type"] == "missing" else item["msg"]
        parts.append(f"{name}: {message}")
    return "; ".join(parts)


def build_settings(settings_cls: type[SettingsT]) -> SettingsT:
    """Build settings from the environment, raising `ConfigurationError` with a one-line message."""
    try:
        return settings_cls()
    except ValidationError as error:
        raise ConfigurationError(describe_validation_error(settings_cls, error)) from None
    except SourceParseError as error:
        # A complex field whose variable is not valid JSON; pydantic-settings names the field.
        raise ConfigurationError(str(error)) from None


def load_settings(settings_cls: type[SettingsT], *, program: str | None = None) -> SettingsT:
    """Build settings for ``__main__``; on a bad value print one clear line and exit with 2."""
    try:
        return build_settings(settings_cls)
    except ConfigurationError as error:
        name = program or sys.argv[0].rsplit("/", 1)[-1] or "tollgate"
        print(f"{name}: invalid configuration: {error}", file=sys.stderr)
        raise SystemExit(CONFIG_ERROR_EXIT_STATUS) from None
