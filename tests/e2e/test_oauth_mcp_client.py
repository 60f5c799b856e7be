"""The `mcp` SDK's own OAuth client against the whole local stack (`tollgate dev`): discovery from
the 401, registration (a Client ID Metadata Document served over https on loopback, and dynamic
registration), the login form submitted over HTTP as a browser would, token, tool call, refresh.

The Odoo API key used to sign in is the canary here: it must not appear in any service's log.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import uvicorn
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl
from tollgate_auth.testing import Redirect, browser_sign_in, json_documents, self_signed_certificate
from tollgate_cli.testing import DevStack, running_dev_stack
from tollgate_common.testing import free_port
from tollgate_odoo_sim.addons.demo import DEMO_USERS

pytestmark = pytest.mark.e2e

DEMO = next(user for user in DEMO_USERS if user.login == "demo")
VIEWER = next(user for user in DEMO_USERS if user.login == "viewer")
CALLBACK = "http://127.0.0.1:33418/callback"

TENANTS = """
apiVersion: tollgate.dev/v1alpha1
kind: OdooTenant
metadata:
  name: {name}
  annotations: {{tollgate.dev/simulator: "{series}"}}
spec:
  odoo: {{url: "http://127.0.0.1:8069", database: odoo, allowInsecureHttp: true}}
  access:
    credentialStorage: {storage}
    allowedEmails: ["demo@yourcompany.example.com"]
  policy:
    models:
      - {{model: res.partner, allow: [read]}}
"""


@dataclass
class Cimd:
    url: str
    documents: dict[str, object] = field(default_factory=dict)


@pytest.fixture(scope="module")
def cimd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cimd, Path]]:
    """A client metadata document on https://127.0.0.1:<port>, trusted by auth for this run."""
    directory = tmp_path_factory.mktemp("cimd")
    cert, key = self_signed_certificate(directory)
    port = free_port()
    cimd = Cimd(f"https://127.0.0.1:{port}/oauth/tollgate-e2e.json")
    cimd.documents["/oauth/tollgate-e2e.json"] = {
        "client_id": cimd.url,
        "client_name": "Tollgate e2e (CIMD)",
        "redirect_uris": [CALLBACK],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
    }
    server = uvicorn.Server(
        uvicorn.Config(
            json_documents(cimd.documents),
            host="127.0.0.1",
            port=port,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
            log_config=None,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # A server that fails to start ends its thread: stop waiting then instead of hanging.
    while not server.started and thread.is_alive():
        time.sleep(0.02)
    assert server.started, "the CIMD document server did not start"
    try:
        yield cimd, cert
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def oauth_stack(
    tmp_path_factory: pytest.TempPathFactory, cimd_server: tuple[Cimd, Path]
) -> Iterator[DevStack]:
    cimd, cert = cimd_server
    tenants = tmp_path_factory.mktemp("oauth-tenants")
    (tenants / "acme.yaml").write_text(TENANTS.format(name="acme", series="18.0", storage="token"))
    (tenants / "globex.yaml").write_text(
        TENANTS.format(name="globex", series="19.0", storage="server")
    )
    # Dev/test only: let auth fetch the CIMD document from loopback and trust its certificate.
    extra = {
        "TOLLGATE_AUTH_CIMD_ALLOW_LOOPBACK": cimd.url.split("/")[2],
        "TOLLGATE_AUTH_CIMD_CA_FILE": str(cert),
    }
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        with running_dev_stack(
            tmp_path_factory.mktemp("oauth-stack"), tenants_dir=tenants
        ) as stack:
            yield stack
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Browser:
    """Plays the person: opens the authorization URL, signs in, allows; keeps the redirect."""

    def __init__(self, login: str, api_key: str) -> None:
        self.login = login
        self.api_key = api_key
        self.redirect: Redirect | None = None
        self.visits = 0

    async def open(self, url: str) -> None:
        self.visits += 1
        async with httpx.AsyncClient(timeout=30) as http:
            self.redirect = await browser_sign_in(http, url, login=self.login, api_key=self.api_key)

    async def callback(self) -> AuthorizationCodeResult:
        assert self.redirect is not None
        assert self.redirect.location.startswith(CALLBACK)
        params = self.redirect.params
        return AuthorizationCodeResult(
            code=params["code"], state=params.get("state"), iss=params.get("iss")
        )


def provider(
    url: str, storage: MemoryStorage, browser: Browser, *, cimd: str | None
) -> OAuthClientProvider:
    return OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(
            client_name="Tollgate e2e (DCR)",
            redirect_uris=[AnyUrl(CALLBACK)],
            grant_types=["authorization_code", "refresh_token"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
        client_metadata_url=cimd,
    )


async def call_partners(url: str, auth: OAuthClientProvider) -> list[dict[str, object]]:
    async with (
        create_mcp_http_client(auth=auth) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        result = await client.call_tool(
            "search_records",
            {"model": "res.partner", "domain": [["is_company", "=", True]], "limit": 3},
        )
    assert not result.is_error, result.content
    assert result.structured_content is not None
    records = result.structured_content["records"]
    assert isinstance(records, list)
    return records


@pytest.mark.parametrize(("tenant", "registration"), [("acme", "cimd"), ("globex", "dcr")])
async def test_the_sdk_oauth_client_signs_in_calls_and_refreshes(
    oauth_stack: DevStack, cimd_server: tuple[Cimd, Path], tenant: str, registration: str
) -> None:
    url = oauth_stack.info.tenants[tenant].mcp_url
    storage = MemoryStorage()
    browser = Browser(DEMO.login, DEMO.api_key)
    auth = provider(
        url, storage, browser, cimd=cimd_server[0].url if registration == "cimd" else None
    )
    assert await call_partners(url, auth)
    assert browser.visits == 1
    assert storage.client is not None
    assert storage.tokens is not None
    if registration == "cimd":
        assert storage.client.client_id == cimd_server[0].url
    else:
        assert storage.client.client_id.startswith("tgc_")
    first = storage.tokens
    # The access token "expires": the client refreshes on its own, no browser involved.
    auth.context.token_expiry_time = time.time() - 1
    assert await call_partners(url, auth)
    assert browser.visits == 1
    assert storage.tokens.access_token != first.access_token
    assert storage.tokens.refresh_token != first.refresh_token


async def test_the_401_points_at_protected_resource_metadata(oauth_stack: DevStack) -> None:
    url = oauth_stack.info.tenants["acme"].mcp_url
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(url, json={})
        challenge = answer.headers["www-authenticate"]
        assert answer.status_code == 401
        assert 'resource_metadata="' in challenge
        metadata_url = challenge.split('resource_metadata="')[1].split('"')[0]
        metadata = (await http.get(metadata_url)).json()
        assert metadata["resource"] == url
        issuer = metadata["authorization_servers"][0]
        as_metadata = (await http.get(_as_metadata_url(issuer))).json()
    assert as_metadata["issuer"] == issuer
    assert as_metadata["code_challenge_methods_supported"] == ["S256"]


def _as_metadata_url(issuer: str) -> str:
    scheme, _, rest = issuer.partition("://")
    host, _, path = rest.partition("/")
    return f"{scheme}://{host}/.well-known/oauth-authorization-server/{path}"


async def test_a_person_outside_the_allowlist_cannot_connect(oauth_stack: DevStack) -> None:
    url = oauth_stack.info.tenants["acme"].mcp_url
    browser = Browser(VIEWER.login, VIEWER.api_key)
    auth = provider(url, MemoryStorage(), browser, cimd=None)
    with pytest.raises(Exception) as raised:  # noqa: PT011 - the SDK wraps the flow's error
        await call_partners(url, auth)
    assert "403" in repr(raised.value) or "may not connect" in repr(raised.value)


def test_the_canary_odoo_key_never_reaches_a_log(oauth_stack: DevStack) -> None:
    # Service logs only: the banner prints the simulator's (public) demo key on purpose.
    logs = {
        path.name: path.read_text(encoding="utf-8", errors="replace")
        for path in (oauth_stack.state_dir / "logs").glob("*.log")
    }
    assert "authorization granted" in logs["auth.log"]  # the sign-ins above are in there
    for name, text in logs.items():
        assert DEMO.api_key not in text, name
