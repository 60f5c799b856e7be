"""The ``tollgate-odoo-sim`` command line: flags, and clear errors for bad ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tollgate_odoo_sim.__main__ import build_parser, main


def test_defaults() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.odoo_version, args.database) == (
        "127.0.0.1", 8069, "18.0", "odoo",
    )  # fmt: skip
    assert (args.seed, args.scale, args.down, args.error_rate) == ([], 0, False, 0.0)


def test_all_flags(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("{}\n")
    args = build_parser().parse_args(
        ["--port", "9000", "--odoo-version", "19.0", "--database", "acme", "--seed", str(seed),
         "--scale", "10", "--latency-ms", "5", "--slow-ms", "7", "--error-rate", "0.25",
         "--error-every", "4", "--down", "--fault-seed", "3"]
    )  # fmt: skip
    assert args.port == 9000
    assert args.odoo_version == "19.0"
    assert args.seed == [seed]
    assert (args.latency_ms, args.slow_ms, args.error_rate, args.error_every) == (5, 7, 0.25, 4)
    assert args.down
    assert args.fault_seed == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--odoo-version", "16.0"], "invalid choice: '16.0'"),
        (["--port", "70000"], "between 1 and 65535"),
        (["--port", "http"], "whole number"),
        (["--error-rate", "2"], "from 0 to 1"),
        (["--scale", "-3"], ">= 0"),
        (["--seed", "/no/such/file.yaml"], "no such file"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_flags_fail_with_a_clear_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as raised:
        main(argv)
    assert raised.value.code == 2
    assert message in capsys.readouterr().err


def test_console_script_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tollgate_odoo_sim", "--help"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    assert "--odoo-version" in result.stdout
    assert "/_sim/faults" in result.stdout
