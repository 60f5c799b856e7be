"""Start-up settings: a missing or invalid value stops the front with a message naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tollgate_common.settings import ConfigurationError, build_settings
from tollgate_front.config import Settings


def test_missing_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("TOLLGATE_FRONT_"):
            monkeypatch.delenv(name)
    with pytest.raises(ConfigurationError) as raised:
        build_settings(Settings)
    message = str(raised.value)
    for name in ("TENANTS_DIR", "AUTH_ADDRESS", "POLICY_ADDRESS"):
        assert f"TOLLGATE_FRONT_{name}: is required but not set" in message


def test_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TOLLGATE_FRONT_TENANTS_DIR", str(tmp_path))
    monkeypatch.setenv("TOLLGATE_FRONT_AUTH_ADDRESS", "127.0.0.1:50051")
    monkeypatch.setenv("TOLLGATE_FRONT_POLICY_ADDRESS", "policy:50052")
    monkeypatch.setenv("TOLLGATE_FRONT_ALLOWED_HOSTS", "mcp.example.com, localhost:*")
    settings = build_settings(Settings)
    assert settings.allowed_hosts == ("mcp.example.com", "localhost:*")


def test_the_front_refuses_to_start_on_a_bad_value(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TOLLGATE_FRONT_TENANTS_DIR": str(tmp_path),
        "TOLLGATE_FRONT_AUTH_ADDRESS": "no-port-here",
        "TOLLGATE_FRONT_POLICY_ADDRESS": "127.0.0.1:1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "tollgate_front"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "TOLLGATE_FRONT_AUTH_ADDRESS" in done.stderr
    assert "host:port" in done.stderr
    assert "Traceback" not in done.stderr


def test_outcome_batching_is_configurable_and_bounded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TOLLGATE_FRONT_TENANTS_DIR", str(tmp_path))
    monkeypatch.setenv("TOLLGATE_FRONT_AUTH_ADDRESS", "127.0.0.1:50051")
    monkeypatch.setenv("TOLLGATE_FRONT_POLICY_ADDRESS", "policy:50052")
    monkeypatch.setenv("TOLLGATE_FRONT_OUTCOME_BATCH_SIZE", "250")
    monkeypatch.setenv("TOLLGATE_FRONT_OUTCOME_FLUSH_DELAY", "0.2")
    settings = build_settings(Settings)
    assert (settings.outcome_batch_size, settings.outcome_flush_delay) == (250, 0.2)
    assert settings.outcome_max_pending == 10_000
    # Policy takes at most 1000 records a call: a larger batch is refused at start-up.
    monkeypatch.setenv("TOLLGATE_FRONT_OUTCOME_BATCH_SIZE", "1001")
    with pytest.raises(ConfigurationError, match="TOLLGATE_FRONT_OUTCOME_BATCH_SIZE"):
        build_settings(Settings)
