from __future__ import annotations

import pytest
from pydantic import Field
from pydantic_settings import SettingsConfigDict
from tollgate_common.settings import (
    ConfigurationError,
    GrpcServerSettings,
    build_settings,
    load_settings,
)


class FrontSettings(GrpcServerSettings):
    model_config = SettingsConfigDict(env_prefix="TOLLGATE_FRONT_")

    public_url: str = Field(description="required, no default")
    tenants: list[str] = Field(default_factory=list)


def test_values_come_from_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLLGATE_FRONT_PUBLIC_URL", "https://mcp.example.com")
    monkeypatch.setenv("TOLLGATE_FRONT_PORT", "8080")
    monkeypatch.setenv("TOLLGATE_FRONT_LOG_LEVEL", "debug")
    monkeypatch.setenv("TOLLGATE_POLICY_PORT", "9999")  # another service's variable

    settings = build_settings(FrontSettings)

    assert settings.public_url == "https://mcp.example.com"
    assert settings.port == 8080
    assert settings.log_level == "DEBUG"


def test_invalid_and_missing_values_are_named_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOLLGATE_FRONT_PUBLIC_URL", raising=False)
    monkeypatch.setenv("TOLLGATE_FRONT_PORT", "eighty")

    with pytest.raises(ConfigurationError) as caught:
        build_settings(FrontSettings)

    message = str(caught.value)
    assert "\n" not in message
    assert "TOLLGATE_FRONT_PORT: Input should be a valid integer" in message
    assert "TOLLGATE_FRONT_PUBLIC_URL: is required but not set" in message


def test_out_of_range_port_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLLGATE_FRONT_PUBLIC_URL", "https://x")
    monkeypatch.setenv("TOLLGATE_FRONT_PORT", "70000")

    with pytest.raises(ConfigurationError, match=r"^TOLLGATE_FRONT_PORT: Input should be less"):
        build_settings(FrontSettings)


def test_unparsable_complex_value_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOLLGATE_FRONT_PUBLIC_URL", "https://x")
    monkeypatch.setenv("TOLLGATE_FRONT_TENANTS", "[not json")

    with pytest.raises(ConfigurationError, match="tenants"):
        build_settings(FrontSettings)


def test_load_settings_exits_with_status_2_and_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOLLGATE_FRONT_PUBLIC_URL", "https://x")
    monkeypatch.setenv("TOLLGATE_FRONT_LOG_LEVEL", "LOUD")

    with pytest.raises(SystemExit) as caught:
        load_settings(FrontSettings, program="tollgate-front")

    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("tollgate-front: invalid configuration: TOLLGATE_FRONT_LOG_LEVEL: ")
    assert "Traceback" not in err
