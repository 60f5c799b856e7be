"""The ``tollgate-odoo-sim`` command line: flags, and clear errors for bad ones."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(*argv: str) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tollgate_odoo_sim", "--port", str(port), "--log-level", "warning",
         *argv],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                if httpx.get(f"{url}/web/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the simulator did not start"
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def _count(url: str, name: str) -> int:
    with xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object") as models:
        count = models.execute_kw(
            "odoo", 2, "admin", "res.partner", "search_count", [[["name", "=", name]]]
        )
    return int(count)


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_serves_seed_data_and_starts_fresh_every_time(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("- model: res.partner\n  values: {name: Seeded Corp, is_company: true}\n")
    with _serve("--odoo-version", "17.0", "--seed", str(seed)) as url:
        assert httpx.post(f"{url}/jsonrpc", json={
            "jsonrpc": "2.0", "method": "call",
            "params": {"service": "db", "method": "server_version", "args": []},
        }).json()["result"] == "17.0"  # fmt: skip
        assert _count(url, "Seeded Corp") == 1
        with xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object") as models:
            models.execute_kw("odoo", 2, "admin", "res.partner", "create", [{"name": "Ephemeral"}])
        assert _count(url, "Ephemeral") == 1
    with _serve() as url:
        assert _count(url, "Ephemeral") == 0
        assert _count(url, "Seeded Corp") == 0


def test_bad_seed_file_stops_with_a_message(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("- model: no.such.model\n  values: {name: x}\n")
    argv = ["--port", str(_free_port()), "--seed", str(seed)]
    result = subprocess.run(
        [sys.executable, "-m", "tollgate_odoo_sim", *argv],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot build the database" in result.stderr
    assert "Traceback" not in result.stderr
