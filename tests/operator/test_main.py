from __future__ import annotations

import os
import subprocess
import sys

from tollgate_operator import crd


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TOLLGATE_OPERATOR_")}
    return subprocess.run(
        [sys.executable, "-m", "tollgate_operator", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
        check=False,
    )


def test_missing_settings_stop_start_up_naming_them() -> None:
    result = _run(TOLLGATE_OPERATOR_ENDPOINT_BASE="mcp.example.com")
    assert result.returncode == 2
    assert "TOLLGATE_OPERATOR_ENDPOINT_BASE" in result.stderr
    assert "TOLLGATE_OPERATOR_RELEASE_NAMESPACE: is required" in result.stderr
    assert "TOLLGATE_OPERATOR_WORKER_IMAGE: is required" in result.stderr
    assert "Traceback" not in result.stderr


def test_crd_command_prints_the_crd() -> None:
    result = _run("crd")
    assert result.returncode == 0, result.stderr
    assert result.stdout == crd.render_crd()
