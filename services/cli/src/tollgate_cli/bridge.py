"""`tollgate connect`: a stdio MCP server that forwards every message to a remote tenant.

For MCP clients that can only launch a local command: they speak JSON-RPC on our stdin/stdout,
and each message goes to the tenant's Streamable HTTP URL with the API key, unchanged.
"""

from __future__ import annotations

import sys
from typing import Any

import anyio
from mcp.client.streamable_http import streamable_http_client
from mcp.server.stdio import stdio_server
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.message import SessionMessage

from tollgate_cli.remote import auth_headers


async def _pump(source: Any, sink: Any, *, direction: str, done: anyio.CancelScope) -> None:
    async with sink:
        async for item in source:
            if isinstance(item, SessionMessage):
                await sink.send(item)
            else:
                # The other side never sees transport trouble as a message; say it on stderr.
                print(f"tollgate connect: {direction}: {item}", file=sys.stderr, flush=True)
    done.cancel()  # one side closed: the bridge is over


async def run_bridge(url: str, api_key: str) -> None:
    async with (
        stdio_server() as (local_read, local_write),
        create_mcp_http_client(headers=auth_headers(api_key)) as http,
        streamable_http_client(url, http_client=http) as (remote_read, remote_write),
        anyio.create_task_group() as group,
    ):
        group.start_soon(
            lambda: _pump(local_read, remote_write, direction="to server", done=group.cancel_scope)
        )
        group.start_soon(
            lambda: _pump(
                remote_read, local_write, direction="from server", done=group.cancel_scope
            )
        )
