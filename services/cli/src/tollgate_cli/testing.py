"""The whole local stack as processes, for end-to-end tests, the conformance run and benchmarks,
and the plain-HTTP requests benchmarks send to it.

`running_dev_stack` runs ``tollgate dev --free-ports`` exactly as a developer would (so it
tests the launcher too), waits for its ``stack.json`` and stops it with SIGINT, like Ctrl-C.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from tollgate_odoo_sim.addons.demo import DEMO_USERS

from tollgate_cli.stack_file import STACK_FILE, StackInfo, TenantEndpoint

STARTUP_TIMEOUT_SECONDS = 60.0
MCP_PROTOCOL_VERSION = "2026-07-28"


class StackFailed(RuntimeError):
    """``tollgate dev`` exited or did not come up; the message carries its output."""


@dataclass(frozen=True)
class DevStack:
    info: StackInfo
    state_dir: Path
    process: subprocess.Popen[str]
    output_path: Path

    def output(self) -> str:
        """Everything ``tollgate dev`` printed so far (banner and reports)."""
        return self.output_path.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def running_dev_stack(
    state_dir: Path, *, tenants_dir: Path, timeout: float = STARTUP_TIMEOUT_SECONDS
) -> Iterator[DevStack]:
    state_dir.mkdir(parents=True, exist_ok=True)
    output_path = state_dir / "tollgate-dev.out"
    with output_path.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tollgate_cli",
                "dev",
                "--free-ports",
                "--state-dir",
                str(state_dir),
                "--tenants-dir",
                str(tenants_dir),
            ],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + timeout
        while not (state_dir / STACK_FILE).exists():
            if process.poll() is not None:
                raise StackFailed(
                    f"tollgate dev exited with status {process.returncode}:\n"
                    + output_path.read_text(encoding="utf-8", errors="replace")
                )
            if time.monotonic() > deadline:
                raise StackFailed(
                    f"tollgate dev was not up after {timeout:.0f} s:\n"
                    + output_path.read_text(encoding="utf-8", errors="replace")
                )
            time.sleep(0.1)
        yield DevStack(StackInfo.read(state_dir), state_dir, process, output_path)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def mcp_request(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """A stateless (2026-07-28) MCP request: the client's envelope rides in ``_meta``."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": MCP_PROTOCOL_VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": {**params, "_meta": meta}}


def mcp_headers(tenant: TenantEndpoint, method: str, name: str = "") -> dict[str, str]:
    """The HTTP headers of a stateless MCP request to ``tenant`` (``Mcp-Name`` when named)."""
    headers = {
        "Authorization": f"Bearer {tenant.api_key}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": MCP_PROTOCOL_VERSION,
        "Mcp-Method": method,
    }
    return {**headers, "Mcp-Name": name} if name else headers


async def odoo_sign_in(
    client: httpx.AsyncClient, tenant: TenantEndpoint, database: str
) -> tuple[int, str]:
    """Sign ``tenant``'s demo user straight into its simulated Odoo: (uid, API key)."""
    api_key = next(u.api_key for u in DEMO_USERS if u.login == tenant.odoo_login)
    login = await client.post(
        f"{tenant.odoo_url}/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "service": "common",
                "method": "authenticate",
                "args": [database, tenant.odoo_login, api_key, {}],
            },
        },
    )
    return int(login.json()["result"]), api_key
