"""The HTTP edge: tenants, DNS-rebinding protection, bearer tokens, health."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx2

if TYPE_CHECKING:
    from conftest import Stack

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "tests", "version": "1"},
    },
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def test_health(http: httpx2.AsyncClient) -> None:
    response = await http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "tenants": 2}


async def test_unknown_tenant_is_a_clear_json_404(http: httpx2.AsyncClient, stack: Stack) -> None:
    response = await http.post(
        "/t/nope/mcp",
        json=INITIALIZE,
        headers={**HEADERS, "Authorization": f"Bearer {stack.good_token}"},
    )
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_tenant"
    assert "'nope'" in response.json()["message"]
    assert stack.auth.calls == 0


async def test_other_paths_are_json_404s(http: httpx2.AsyncClient) -> None:
    response = await http.get("/mcp")
    assert response.status_code == 404
    assert "/t/<tenant>/mcp" in response.json()["message"]


async def test_missing_token_is_401_with_a_bearer_challenge(http: httpx2.AsyncClient) -> None:
    response = await http.post("/t/acme/mcp", json=INITIALIZE, headers=HEADERS)
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    # RFC 9728 §5.1: where to discover the authorization server; no error code without a token
    # (RFC 6750 §3.1).
    assert 'resource_metadata="http://' in challenge
    assert "/.well-known/oauth-protected-resource/t/acme/mcp" in challenge
    assert "error=" not in challenge


async def test_invalid_token_is_401(http: httpx2.AsyncClient, stack: Stack) -> None:
    response = await http.post(
        "/t/acme/mcp", json=INITIALIZE, headers={**HEADERS, "Authorization": "Bearer wrong"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert "wrong" not in response.text


async def test_a_token_of_another_tenant_is_refused(http: httpx2.AsyncClient, stack: Stack) -> None:
    response = await http.post(
        "/t/acme/mcp",
        json=INITIALIZE,
        headers={**HEADERS, "Authorization": f"Bearer {stack.other_tenant_token}"},
    )
    assert response.status_code == 401


async def test_foreign_host_or_origin_is_refused(http: httpx2.AsyncClient, stack: Stack) -> None:
    auth = {"Authorization": f"Bearer {stack.good_token}"}
    host = await http.post(
        "/t/acme/mcp", json=INITIALIZE, headers={**HEADERS, **auth, "Host": "evil.example"}
    )
    origin = await http.post(
        "/t/acme/mcp",
        json=INITIALIZE,
        headers={**HEADERS, **auth, "Origin": "http://evil.example"},
    )
    assert host.status_code == 421
    assert origin.status_code == 403
    # Refused before the token is even looked at.
    assert stack.auth.calls == 0


async def test_auth_down_is_503_not_401(http: httpx2.AsyncClient, stack: Stack) -> None:
    stack.auth.down = True
    response = await http.post(
        "/t/acme/mcp",
        json=INITIALIZE,
        headers={**HEADERS, "Authorization": f"Bearer {stack.good_token}"},
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"


async def test_a_removed_tenant_is_gone_without_a_restart(
    http: httpx2.AsyncClient, stack: Stack
) -> None:
    headers = {**HEADERS, "Authorization": f"Bearer {stack.other_tenant_token}"}
    assert (await http.post("/t/globex/mcp", json=INITIALIZE, headers=headers)).status_code == 200
    (stack.tenants_dir / "globex.json").unlink()
    for _ in range(200):  # the registry polls every 50 ms here
        response = await http.post("/t/globex/mcp", json=INITIALIZE, headers=headers)
        if response.status_code == 404:
            break
        await asyncio.sleep(0.05)
    assert response.status_code == 404
    assert (await http.get("/health")).json()["tenants"] == 1
