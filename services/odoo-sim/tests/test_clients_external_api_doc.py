"""The script written from Odoo's External API documentation runs unchanged, in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tollgate_odoo_sim.addons.demo import DemoUser


SCRIPT = Path(__file__).with_name("external_api_doc_example.py")


def test_external_api_walkthrough(sim: str, users: dict[str, DemoUser]) -> None:
    admin = users["admin"]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), sim, "odoo", admin.login, admin.password],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "external API walk-through: OK" in result.stdout


def test_external_api_walkthrough_with_an_api_key(sim18: str, users: dict[str, DemoUser]) -> None:
    demo = users["admin"]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), sim18, "odoo", demo.login, demo.api_key],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
