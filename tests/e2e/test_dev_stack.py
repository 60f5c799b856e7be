"""The whole stack as processes (`tollgate dev`), driven by the `mcp` SDK's own client.

Tests run in file order: the last ones kill a worker and then stop the stack with Ctrl-C.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters
from mcp_types import TextContent
from tollgate_cli.remote import PROTOCOLS, Protocol, connect
from tollgate_cli.testing import DevStack
from tollgate_common.span_file import read_spans

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("tenant", ["acme", "globex"])
async def test_a_real_client_lists_tools_and_gets_partners(
    dev_stack: DevStack, tenant: str, protocol: Protocol
) -> None:
    endpoint = dev_stack.info.tenants[tenant]
    async with connect(endpoint.mcp_url, endpoint.api_key, protocol=protocol) as client:
        assert client.protocol_version == protocol
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert "search_records" in tools
        assert tools["search_records"].annotations is not None
        assert tools["search_records"].annotations.read_only_hint is True
        result = await client.call_tool(
            "search_records",
            {
                "model": "res.partner",
                "domain": [["is_company", "=", True]],
                "fields": ["name", "is_company"],
                "order": "name",
                "limit": 5,
            },
        )
    assert not result.is_error, result.content
    assert result.structured_content is not None
    records = result.structured_content["records"]
    assert records, "the demo data has companies"
    assert all(record["is_company"] is True for record in records)
    names = [record["name"] for record in records]
    assert names == sorted(names)
    assert "Azure Interior" in names


async def test_odoo_errors_come_back_as_tool_errors(dev_stack: DevStack) -> None:
    endpoint = dev_stack.info.tenants["acme"]
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        result = await client.call_tool(
            "search_records", {"model": "res.partner", "domain": [["no_such_field", "=", 1]]}
        )
    assert result.is_error
    assert isinstance(result.content[0], TextContent)
    assert "no_such_field" in result.content[0].text
    assert "Traceback" not in result.content[0].text


def test_unknown_tenant_is_a_404(dev_stack: DevStack) -> None:
    key = dev_stack.info.tenants["acme"].api_key
    response = httpx.post(
        f"{dev_stack.info.front_url}/t/initech/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json"},
    )
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_tenant"


def test_a_key_is_only_good_at_its_own_tenant(dev_stack: DevStack) -> None:
    acme_key = dev_stack.info.tenants["acme"].api_key
    response = httpx.post(
        dev_stack.info.tenants["globex"].mcp_url,
        json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
        headers={"Authorization": f"Bearer {acme_key}", "Accept": "application/json"},
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")


def test_tollgate_call_prints_the_structured_result(dev_stack: DevStack) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tollgate_cli",
            "call",
            "search_records",
            "model=res.partner",
            "limit=2",
            '-fields=["name"]'.removeprefix("-"),
            "--tenant",
            "globex",
            "--state-dir",
            str(dev_stack.state_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"has_more": true' in done.stdout
    assert '"name":' in done.stdout


async def test_tollgate_connect_bridges_a_stdio_client(dev_stack: DevStack) -> None:
    endpoint = dev_stack.info.tenants["acme"]
    bridge = StdioServerParameters(
        command=sys.executable,
        args=["-m", "tollgate_cli", "connect", endpoint.mcp_url],
        env={**os.environ, "TOLLGATE_API_KEY": endpoint.api_key},
    )
    async with Client(bridge, mode="legacy") as client:
        assert "search_records" in {tool.name for tool in (await client.list_tools()).tools}
        result = await client.call_tool("search_records", {"model": "res.partner", "limit": 1})
    assert not result.is_error, result.content
    assert result.structured_content is not None
    assert len(result.structured_content["records"]) == 1


@pytest.mark.parametrize(
    ("module", "env", "named"),
    [
        (
            "tollgate_front",
            {"TOLLGATE_FRONT_POLICY_ADDRESS": "127.0.0.1:1"},
            "TOLLGATE_FRONT_AUTH_ADDRESS",
        ),
        ("tollgate_auth", {}, "TOLLGATE_AUTH_TENANTS_DIR"),
        (
            "tollgate_policy",
            {"TOLLGATE_POLICY_STORE_URL": "mysql://x"},
            "TOLLGATE_POLICY_STORE_URL",
        ),
        (
            "tollgate_worker",
            {"TOLLGATE_WORKER_TENANT": "acme", "TOLLGATE_WORKER_ODOO_URL": "ftp://odoo"},
            "TOLLGATE_WORKER_ODOO_URL",
        ),
    ],
)
def test_a_bad_setting_stops_a_service_naming_it(
    module: str, env: dict[str, str], named: str, tmp_path: Path
) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TOLLGATE_")}
    done = subprocess.run(
        [sys.executable, "-m", module],
        env={**clean, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert named in done.stderr
    assert "Traceback" not in done.stderr


async def test_a_dead_worker_is_a_clear_tool_error_and_is_reported(dev_stack: DevStack) -> None:
    os.kill(dev_stack.info.pids["worker-globex"], signal.SIGKILL)
    endpoint = dev_stack.info.tenants["globex"]
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        result = await client.call_tool("search_records", {"model": "res.partner"})
    assert result.is_error
    assert isinstance(result.content[0], TextContent)
    # "unavailable", not "did not answer in time": the call fails at once, it does not hang.
    assert "worker of tenant 'globex' is unavailable" in result.content[0].text
    # tollgate dev reports the death (it notices within moments; bounded wait, no threshold).
    for _ in range(100):
        if "worker-globex was killed by SIGKILL" in dev_stack.output():
            break
        await asyncio.sleep(0.05)
    assert "worker-globex was killed by SIGKILL" in dev_stack.output()
    # The other tenant is unaffected.
    acme = dev_stack.info.tenants["acme"]
    async with connect(acme.mcp_url, acme.api_key) as client:
        assert not (await client.call_tool("search_records", {"model": "res.partner"})).is_error


def test_ctrl_c_stops_every_process(dev_stack: DevStack) -> None:
    dev_stack.process.send_signal(signal.SIGINT)
    assert dev_stack.process.wait(timeout=30) == 0
    still_running = [name for name, pid in dev_stack.info.pids.items() if _alive(pid)]
    assert still_running == []
    # Each service wrote the spans it still held on its way out (they are batched until then).
    spans = list(read_spans(dev_stack.state_dir / "traces.jsonl"))
    calls = [s for s in spans if s.name == "tools/call search_records"]
    assert calls
    assert {s.service for s in calls} == {"front"}
    called = {s.trace_id for s in calls}
    hops = {s.service for s in spans if s.trace_id in called}
    assert hops >= {"front", "policy", "worker"}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
