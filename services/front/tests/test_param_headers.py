"""``Mcp-Param-*`` headers: still checked for a tool that declares them, skipped for one that
declares none (the request is answered the same either way)."""

from __future__ import annotations

import json
from typing import Annotated

import httpx2
import pytest
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import Field
from tollgate_front.param_headers import TollgateMCPServer

VERSION = "2026-07-28"


def server() -> TollgateMCPServer:
    mcp = TollgateMCPServer("tests")

    @mcp.tool()
    def routed(region: Annotated[str, Field(json_schema_extra={"x-mcp-header": "Region"})]) -> str:
        """Declares the Region header."""
        return region

    @mcp.tool()
    def plain(region: str) -> str:
        """Declares no header."""
        return region

    return mcp


@pytest.mark.parametrize(
    ("tool", "header", "status"),
    [
        ("routed", "eu", 200),
        ("routed", "us", 400),
        ("routed", None, 400),
        ("plain", "eu", 200),
        ("plain", "us", 200),
        ("plain", None, 200),
    ],
)
async def test_declared_headers_are_checked_and_only_those(
    tool: str, header: str | None, status: int
) -> None:
    mcp = server()
    app = mcp.streamable_http_app(
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    headers = {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": VERSION,
        "Mcp-Method": "tools/call",
        "Mcp-Name": tool,
        **({"Mcp-Param-Region": header} if header is not None else {}),
    }
    meta = {
        "io.modelcontextprotocol/protocolVersion": VERSION,
        "io.modelcontextprotocol/clientCapabilities": {},
    }
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": tool, "arguments": {"region": "eu"}, "_meta": meta},
    }
    async with (
        mcp.session_manager.run(),
        httpx2.AsyncClient(
            transport=httpx2.ASGITransport(app=app), base_url="http://tests"
        ) as client,
    ):
        # Twice: the second call is answered from what the first one learnt about the schema.
        for _ in range(2):
            response = await client.post("/mcp", headers=headers, content=json.dumps(body))
            assert response.status_code == status, response.text
            if status == 200:
                assert response.json()["result"]["content"][0]["text"] == "eu"
