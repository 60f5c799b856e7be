"""Talking to a tenant's MCP URL with an API key, as any MCP client would (the `mcp` SDK)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, Final, Literal

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

Protocol = Literal["2026-07-28", "2025-11-25"]
PROTOCOLS: Final[tuple[Protocol, ...]] = ("2026-07-28", "2025-11-25")


def auth_headers(api_key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


@contextlib.asynccontextmanager
async def connect(
    url: str, api_key: str, *, protocol: Protocol = "2026-07-28"
) -> AsyncIterator[Client]:
    """An MCP client session; 2025-11-25 goes through the initialize handshake, 2026-07-28 not."""
    mode = "legacy" if protocol == "2025-11-25" else protocol
    async with (
        create_mcp_http_client(headers=auth_headers(api_key)) as http,
        Client(streamable_http_client(url, http_client=http), mode=mode) as client,
    ):
        yield client


def parse_arguments(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; a value that reads as JSON (5, true, [..], {..}) is taken as JSON."""
    arguments: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"{pair!r} is not key=value")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        arguments[key] = value
    return arguments
