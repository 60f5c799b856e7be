"""``bench/odoo_sim.py`` runs as documented and prints calls/s for each protocol."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[3] / "bench" / "odoo_sim.py"


def test_bench_prints_calls_per_second_for_each_protocol(sim18: str, sim19: str) -> None:
    # the session's simulators spare the script starting its own (--url18/--url19)
    result = subprocess.run(
        [sys.executable, str(BENCH), "--seconds", "0.05", "--url18", sim18, "--url19", sim19],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rates = dict(
        re.findall(r"^\s+(XML-RPC|JSON-RPC|web|JSON-2)\b.*?(\d+) calls/s$", result.stdout, re.M)
    )
    assert set(rates) == {"XML-RPC", "JSON-RPC", "web", "JSON-2"}, result.stdout
    assert all(int(rate) > 0 for rate in rates.values())
