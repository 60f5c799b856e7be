"""auth's OAuth 2.1 server end to end over HTTP and gRPC: the browser flow, the token endpoint,
the negative matrix, CIMD (with its SSRF guard), API keys and revocation — on the in-memory store
and on a real Redis. A canary Odoo API key is used throughout and must never show in clear in any
log line, span, HTTP answer or stored value."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import grpc
import httpx
import jwt
import pytest
import redis.asyncio as redis_asyncio
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from tollgate.v1 import auth_pb2, auth_pb2_grpc, worker_pb2_grpc
from tollgate_auth.config import Settings
from tollgate_auth.server import AuthParts, build_parts, create_registry
from tollgate_auth.servicer import AuthServicer
from tollgate_auth.testing import (
    FakeWorker,
    OdooAccount,
    browser_sign_in,
    forms,
    json_documents,
    pkce_pair,
    self_signed_certificate,
    serving,
    submit,
)
from tollgate_auth.web.app import create_web_app
from tollgate_common.access_tokens import AccessTokenClaims, sign_access_token
from tollgate_common.errors import ErrorCode, from_rpc_error
from tollgate_common.odoo_credentials import open_odoo_credential
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.stores import InMemoryStore
from tollgate_common.tenants.config import compile_tenant
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import RedisServerUnavailable, redis_server, running_grpc_server

CANARY = "CANARY-odoo-key-5e0c1b7a9d"
ISSUER_BASE = "http://auth.test"
FRONT = "http://127.0.0.1:8000"
REDIRECT = "http://127.0.0.1:53682/callback"
ACCOUNTS = {
    "marc": OdooAccount(api_key=CANARY, name="Marc Demo", email="marc@acme.example"),
    "eve": OdooAccount(api_key="eve-odoo-key-0000", name="Eve", email="eve@elsewhere.example"),
}


@pytest.fixture(scope="module", params=["memory", "redis"])
def store_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "memory":
        yield "memory://"
        return
    try:
        with redis_server() as url:
            yield url
    except RedisServerUnavailable as error:  # pragma: no cover - redis-server is installed in CI
        pytest.skip(str(error))


@dataclass
class Stack:
    parts: AuthParts
    stub: auth_pb2_grpc.AuthServiceStub
    app_transport: httpx.ASGITransport
    worker_keys: dict[str, SealingPrivateKey]
    spans: InMemorySpanExporter
    store_url: str
    answers: list[str] = field(default_factory=list)

    def http(self) -> httpx.AsyncClient:
        """A fresh browser: its own cookies, no redirects followed; keeps every answer."""

        async def keep(response: httpx.Response) -> None:
            await response.aread()
            self.answers.append(response.text + json.dumps(dict(response.headers)))

        return httpx.AsyncClient(
            transport=self.app_transport,
            base_url=ISSUER_BASE,
            event_hooks={"response": [keep]},
        )

    def endpoint(self, tenant: str) -> str:
        return f"{FRONT}/t/{tenant}/mcp"

    async def stored_values(self) -> list[bytes]:
        raw = self.parts.store.raw
        if isinstance(raw, InMemoryStore):
            values = [repr(entry.value).encode() for entry in raw._data.values()]
            values += [repr(entries).encode() for entries in raw._streams.values()]
            return values
        client = redis_asyncio.from_url(self.store_url)
        values = []
        async for key in client.scan_iter():
            kind = (await client.type(key)).decode()
            if kind == "string":
                values.append(await client.get(key) or b"")
            elif kind == "set":
                values.append(repr(await client.smembers(key)).encode())
            elif kind == "stream":
                values.append(repr(await client.xrange(key)).encode())
        await client.aclose()
        return values


def write_tenant(
    directory: Path, name: str, worker: str, key: SealingPrivateKey, access: dict[str, object]
) -> None:
    spec = parse_tenant_spec(
        {
            "odoo": {"url": "http://127.0.0.1:8069", "database": "odoo", "allowInsecureHttp": True},
            "access": access,
        }
    )
    config = compile_tenant(
        name,
        spec,
        endpoint_base=FRONT,
        worker_address=worker,
        worker_public_key=key.public_key.to_base64(),
    )
    (directory / f"{name}.json").write_text(config.to_json())


@contextlib.asynccontextmanager
async def auth_stack(tmp_path: Path, store_url: str, **overrides: object) -> AsyncIterator[Stack]:
    if store_url.startswith("redis"):
        client = redis_asyncio.from_url(store_url)
        await client.flushdb()
        await client.aclose()
    keys = {"acme": SealingPrivateKey.generate(), "globex": SealingPrivateKey.generate()}
    tenants = tmp_path / "tenants"
    tenants.mkdir(exist_ok=True)
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    async with contextlib.AsyncExitStack() as stack:
        workers = {}
        for tenant in keys:
            fake = FakeWorker(tenant, keys[tenant], ACCOUNTS)
            server = await stack.enter_async_context(
                running_grpc_server(
                    lambda s, fake=fake: worker_pb2_grpc.add_WorkerServiceServicer_to_server(
                        fake, s
                    ),
                    service_names=["tollgate.v1.WorkerService"],
                    tracer_provider=provider,
                )
            )
            workers[tenant] = server.address
        write_tenant(
            tenants,
            "acme",
            workers["acme"],
            keys["acme"],
            {"credentialStorage": "token", "allowedEmails": ["*@acme.example"]},
        )
        write_tenant(
            tenants,
            "globex",
            workers["globex"],
            keys["globex"],
            {"credentialStorage": "server", "allowedEmails": ["*@acme.example"]},
        )
        settings = Settings(
            tenants_dir=tenants,
            issuer_base=ISSUER_BASE,
            store_url=store_url,
            login_attempts_per_minute=3,
            registrations_per_ip_per_hour=4,
            **overrides,  # type: ignore[arg-type]
        )
        registry = create_registry(settings)
        await registry.start()
        stack.push_async_callback(registry.stop)
        parts = build_parts(settings, registry, {})
        stack.push_async_callback(parts.close)
        servicer = AuthServicer(parts.verifier, parts.tokens, parts.api_keys, registry)
        auth = await stack.enter_async_context(
            running_grpc_server(
                lambda s: auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, s),
                service_names=["tollgate.v1.AuthService"],
                tracer_provider=provider,
            )
        )
        channel = grpc.aio.insecure_channel(auth.address)
        stack.push_async_callback(channel.close)
        transport = httpx.ASGITransport(app=create_web_app(parts.web))
        yield Stack(
            parts, auth_pb2_grpc.AuthServiceStub(channel), transport, keys, spans, store_url
        )


@pytest.fixture
async def stack(
    tmp_path: Path, store_url: str, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Stack]:
    caplog.set_level(logging.DEBUG)
    async with auth_stack(tmp_path, store_url) as built:
        yield built
        # The canary check runs after every test, whatever it did.
        assert_no_canary(caplog, built, await built.stored_values())


def assert_no_canary(caplog: pytest.LogCaptureFixture, stack: Stack, stored: list[bytes]) -> None:
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    assert records, "the logs were captured"
    for record in records:
        line = f"{record.getMessage()} {record.__dict__}"
        assert CANARY not in line, f"canary in a log line: {record.getMessage()}"
    for span in stack.spans.get_finished_spans():
        assert CANARY not in json.dumps(span.to_json()), f"canary in span {span.name}"
    for answer in stack.answers:
        assert CANARY not in answer, "canary in an HTTP answer"
    for value in stored:
        assert CANARY.encode() not in value, "canary stored in clear"


async def register(http: httpx.AsyncClient, tenant: str = "acme", **extra: object) -> str:
    answer = await http.post(
        f"/t/{tenant}/register",
        json={
            "client_name": "Test client",
            "redirect_uris": [REDIRECT],
            "grant_types": ["authorization_code", "refresh_token"],
            **extra,
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["client_id"])


def authorize_url(
    client_id: str,
    challenge: str | None,
    *,
    tenant: str = "acme",
    state: str = "st-1",
    **params: str,
) -> str:
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "state": state,
        "resource": f"{FRONT}/t/{tenant}/mcp",
        "scope": "mcp offline_access",
    }
    if challenge is not None:
        query |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    query |= params
    return f"/t/{tenant}/authorize?{urlencode({k: v for k, v in query.items() if v})}"


async def get_code(
    stack: Stack,
    client_id: str,
    *,
    tenant: str = "acme",
    login: str = "marc",
    api_key: str = CANARY,
) -> tuple[str, str]:
    verifier, challenge = pkce_pair()
    async with stack.http() as http:
        redirect = await browser_sign_in(
            http, authorize_url(client_id, challenge, tenant=tenant), login=login, api_key=api_key
        )
    assert redirect.location.startswith(REDIRECT)
    assert redirect.params["state"] == "st-1"
    assert redirect.params["iss"] == f"{ISSUER_BASE}/t/{tenant}"
    return redirect.params["code"], verifier


async def exchange(
    http: httpx.AsyncClient,
    client_id: str,
    code: str,
    verifier: str,
    *,
    tenant: str = "acme",
    **extra: str,
) -> httpx.Response:
    return await http.post(
        f"/t/{tenant}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": REDIRECT,
            "client_id": client_id,
            "resource": f"{FRONT}/t/{tenant}/mcp",
            **extra,
        },
    )


async def refresh(
    http: httpx.AsyncClient, client_id: str, token: str, tenant: str = "acme"
) -> httpx.Response:
    return await http.post(
        f"/t/{tenant}/token",
        data={"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id},
    )


async def verify(stack: Stack, token: str, tenant: str = "acme") -> auth_pb2.VerifyTokenResponse:
    return await stack.stub.VerifyToken(
        auth_pb2.VerifyTokenRequest(token=token, tenant=tenant, resource=stack.endpoint(tenant)),
        timeout=5,
    )


async def refused(stack: Stack, token: str, tenant: str = "acme") -> ErrorCode:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await verify(stack, token, tenant)
    return from_rpc_error(raised.value).code


# --- discovery ---------------------------------------------------------------------------------


async def test_metadata_per_tenant_issuer_and_openid_variant(stack: Stack) -> None:
    async with stack.http() as http:
        oauth = (await http.get("/.well-known/oauth-authorization-server/t/acme")).json()
        openid = await http.get("/.well-known/openid-configuration/t/acme")
        unknown = await http.get("/.well-known/oauth-authorization-server/t/initech")
    assert oauth["issuer"] == f"{ISSUER_BASE}/t/acme"
    assert oauth["token_endpoint"] == f"{ISSUER_BASE}/t/acme/token"
    assert oauth["code_challenge_methods_supported"] == ["S256"]
    assert oauth["client_id_metadata_document_supported"] is True
    assert openid.json() == oauth
    assert unknown.status_code == 404


# --- the happy path ----------------------------------------------------------------------------


async def test_dcr_login_consent_token_refresh(stack: Stack) -> None:
    async with stack.http() as http:
        client_id = await register(http)
        code, verifier = await get_code(stack, client_id)
        tokens = (await exchange(http, client_id, code, verifier)).json()
        assert tokens["token_type"] == "Bearer"
        assert tokens["expires_in"] == 300
        principal = (await verify(stack, tokens["access_token"])).principal
        assert (principal.subject, principal.odoo_login) == ("marc@acme.example", "marc")
        assert principal.client_id == client_id
        opened = open_odoo_credential(
            [stack.worker_keys["acme"]], principal.credential, tenant="acme"
        )
        assert opened.api_key == CANARY  # sealed for the worker, which alone can open it
        # credentialStorage: token: not even the sealed credential stays at rest.
        sealed = base64.b64encode(principal.credential.ciphertext)
        assert not [value for value in await stack.stored_values() if sealed in value]
        renewed = (await refresh(http, client_id, tokens["refresh_token"])).json()
        assert renewed["refresh_token"] != tokens["refresh_token"]
        again = (await verify(stack, renewed["access_token"])).principal
        assert again.subject == principal.subject
        assert again.credential.ciphertext == principal.credential.ciphertext
        twice = (await refresh(http, client_id, renewed["refresh_token"])).json()
        assert (await verify(stack, twice["access_token"])).principal.odoo_login == "marc"


async def test_server_side_credential_storage_keeps_the_credential_out_of_the_token(
    stack: Stack,
) -> None:
    async with stack.http() as http:
        client_id = await register(http, "globex")
        code, verifier = await get_code(stack, client_id, tenant="globex")
        tokens = (await exchange(http, client_id, code, verifier, tenant="globex")).json()
    payload = tokens["access_token"].split(".")[1]
    claims = json.loads(__import__("base64").urlsafe_b64decode(payload + "=="))
    assert "cred" not in claims
    principal = (await verify(stack, tokens["access_token"], "globex")).principal
    opened = open_odoo_credential(
        [stack.worker_keys["globex"]], principal.credential, tenant="globex"
    )
    assert opened.login == "marc"


# --- the negative matrix -----------------------------------------------------------------------


async def test_no_pkce_and_plain_pkce_are_refused(stack: Stack) -> None:
    async with stack.http() as http:
        client_id = await register(http)
        none = await http.get(authorize_url(client_id, None))
        plain = await http.get(
            authorize_url(client_id, None, code_challenge="a" * 43, code_challenge_method="plain")
        )
    for answer in (none, plain):
        assert answer.status_code == 303
        location = answer.headers["location"]
        assert location.startswith(REDIRECT)
        assert "error=invalid_request" in location
        assert "code=" not in location


async def test_a_redirect_uri_not_registered_is_shown_not_followed(stack: Stack) -> None:
    _, challenge = pkce_pair()
    async with stack.http() as http:
        client_id = await register(http)
        answer = await http.get(
            authorize_url(client_id, challenge, redirect_uri="https://evil.example/cb")
        )
        loopback_other_port = await http.get(
            authorize_url(client_id, challenge, redirect_uri="http://127.0.0.1:1234/callback")
        )
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert "return to an address it did not register" in answer.text
    assert loopback_other_port.status_code == 200  # RFC 8252: any port on loopback


async def test_a_wrong_verifier_issues_nothing(stack: Stack) -> None:
    async with stack.http() as http:
        client_id = await register(http)
        code, _verifier = await get_code(stack, client_id)
        answer = await exchange(http, client_id, code, pkce_pair()[0])
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert "access_token" not in answer.text


async def test_a_reused_code_is_refused_and_revokes_its_tokens(stack: Stack) -> None:
    async with stack.http() as http:
        client_id = await register(http)
        code, verifier = await get_code(stack, client_id)
        first = (await exchange(http, client_id, code, verifier)).json()
        again = await exchange(http, client_id, code, verifier)
        assert again.json()["error"] == "invalid_grant"
        assert await refused(stack, first["access_token"]) is ErrorCode.UNAUTHENTICATED
        assert (await refresh(http, client_id, first["refresh_token"])).status_code == 400


async def test_an_expired_code_is_refused(tmp_path: Path, store_url: str) -> None:
    async with auth_stack(tmp_path, store_url, code_ttl=0.2) as stack, stack.http() as http:
        client_id = await register(http)
        code, verifier = await get_code(stack, client_id)
        await asyncio.sleep(0.5)
        answer = await exchange(http, client_id, code, verifier)
    assert answer.json()["error"] == "invalid_grant"


async def test_a_token_for_one_tenant_is_refused_at_another(stack: Stack) -> None:
    async with stack.http() as http:
        client_id = await register(http)
        code, verifier = await get_code(stack, client_id)
        tokens = (await exchange(http, client_id, code, verifier)).json()
        wrong_resource = await http.get(
            authorize_url(client_id, pkce_pair()[1], resource=f"{FRONT}/t/globex/mcp")
        )
    assert await refused(stack, tokens["access_token"], "globex") is ErrorCode.UNAUTHENTICATED
    assert "error=invalid_target" in wrong_resource.headers["location"]


async def test_an_expired_token_is_refused(stack: Stack) -> None:
    now = int(time.time())
    claims = AccessTokenClaims(
        issuer=f"{ISSUER_BASE}/t/acme",
        audience=stack.endpoint("acme"),
        tenant="acme",
        subject="marc@acme.example",
        email="marc@acme.example",
        odoo_login="marc",
        client_id="c",
        connection_id="oauth:x",
        token_id="t",
        issued_at=now - 900,
        expires_at=now - 600,
    )
    token = sign_access_token(stack.parts.tokens._signing, claims)
    assert await refused(stack, token) is ErrorCode.UNAUTHENTICATED


async def test_a_reused_refresh_token_revokes_the_family(stack: Stack) -> None:
    async with stack.http() as http:
        client_id = await register(http)
        code, verifier = await get_code(stack, client_id)
        first = (await exchange(http, client_id, code, verifier)).json()
        second = (await refresh(http, client_id, first["refresh_token"])).json()
        replay = await refresh(http, client_id, first["refresh_token"])
        assert replay.json()["error"] == "invalid_grant"
        # The thief's replay cost the legitimate holder its family too.
        assert (await refresh(http, client_id, second["refresh_token"])).status_code == 400
    assert await refused(stack, second["access_token"]) is ErrorCode.UNAUTHENTICATED
    feed = await stack.stub.ListRevocations(auth_pb2.ListRevocationsRequest(), timeout=5)
    assert any(item.connection_id.startswith("oauth:") for item in feed.revocations)


async def test_a_consent_post_without_its_csrf_token_issues_nothing(stack: Stack) -> None:
    _, challenge = pkce_pair()
    async with stack.http() as http:
        client_id = await register(http)
        url = authorize_url(client_id, challenge)
        page = await http.get(url)
        consent = await submit(http, url, page, login="marc", api_key=CANARY)
        form = next(f for f in forms(consent.text) if f.method == "post")
        without = {k: v for k, v in form.fields.items() if k != "csrf_token"}
        no_token = await http.post(form.action, data={**without, "decision": "allow"})
        wrong = await http.post(
            form.action, data={**form.fields, "csrf_token": "forged", "decision": "allow"}
        )
    async with stack.http() as other_browser:  # right token, but not the browser that started
        stolen = await other_browser.post(form.action, data={**form.fields, "decision": "allow"})
    for answer in (no_token, wrong, stolen):
        assert answer.status_code == 403
        assert "location" not in answer.headers


async def test_a_person_outside_the_allowlist_gets_nothing(stack: Stack) -> None:
    _, challenge = pkce_pair()
    async with stack.http() as http:
        client_id = await register(http)
        url = authorize_url(client_id, challenge)
        page = await http.get(url)
        answer = await submit(http, url, page, login="eve", api_key="eve-odoo-key-0000")
    assert answer.status_code == 403
    assert "may not connect" in answer.text
    assert not forms(answer.text)


async def test_brute_force_logins_are_throttled(stack: Stack) -> None:
    _, challenge = pkce_pair()
    async with stack.http() as http:
        client_id = await register(http)
        url = authorize_url(client_id, challenge)
        page = await http.get(url)
        statuses = []
        for _ in range(5):
            answer = await submit(http, url, page, login="marc", api_key="guess")
            statuses.append(answer.status_code)
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429]
    assert "Too many sign-in attempts" in answer.text
    assert "retry-after" in answer.headers


async def test_dynamic_registration_validates_and_is_rate_limited(stack: Stack) -> None:
    async with stack.http() as http:
        bad = [
            await http.post("/t/acme/register", json={"redirect_uris": ["http://evil.example/cb"]}),
            await http.post("/t/acme/register", json={"redirect_uris": []}),
            await http.post(
                "/t/acme/register",
                json={
                    "redirect_uris": [REDIRECT],
                    "token_endpoint_auth_method": "client_secret_basic",
                },
            ),
        ]
        limited = await http.post("/t/acme/register", json={"redirect_uris": [REDIRECT]})
        limited = await http.post("/t/acme/register", json={"redirect_uris": [REDIRECT]})
    assert [answer.status_code for answer in bad] == [400, 400, 400]
    assert bad[0].json()["error"] == "invalid_redirect_uri"
    assert limited.status_code == 429


async def test_revocation_endpoint_revokes_the_grant(stack: Stack) -> None:
    async with stack.http() as http:
        client_id = await register(http)
        code, verifier = await get_code(stack, client_id)
        tokens = (await exchange(http, client_id, code, verifier)).json()
        answer = await http.post(
            "/t/acme/revoke", data={"token": tokens["refresh_token"], "client_id": client_id}
        )
        unknown = await http.post("/t/acme/revoke", data={"token": "nope", "client_id": client_id})
        assert (answer.status_code, unknown.status_code) == (200, 200)
        assert (await refresh(http, client_id, tokens["refresh_token"])).status_code == 400
    assert await refused(stack, tokens["access_token"]) is ErrorCode.UNAUTHENTICATED


async def test_revoking_a_person_ends_their_tokens(stack: Stack) -> None:
    async with stack.http() as http:
        client_id = await register(http)
        code, verifier = await get_code(stack, client_id)
        tokens = (await exchange(http, client_id, code, verifier)).json()
    answer = await stack.stub.RevokeSubject(
        auth_pb2.RevokeSubjectRequest(tenant="acme", subject="Marc@acme.example"), timeout=5
    )
    assert answer.revoked == 1
    assert await refused(stack, tokens["access_token"]) is ErrorCode.UNAUTHENTICATED


# --- Client ID Metadata Documents --------------------------------------------------------------


@pytest.mark.parametrize(
    "client_id",
    [
        "https://127.0.0.1:{port}/client.json",
        "https://localhost:{port}/client.json",
        "https://10.1.2.3/client.json",
        "https://169.254.169.254/latest/meta-data",
    ],
)
async def test_a_metadata_document_on_a_private_address_is_not_fetched(
    stack: Stack, client_id: str, tmp_path: Path
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    hits: list[str] = []

    async def app(scope, receive, send):  # counts any fetch that would get through
        hits.append(scope["path"])
        await json_documents({})(scope, receive, send)

    async with serving(app, certfile=cert, keyfile=key) as base, stack.http() as http:
        port = base.rsplit(":", 1)[1]
        url = client_id.format(port=port)
        answer = await http.get(authorize_url(url, pkce_pair()[1]))
    assert answer.status_code == 400
    assert "not public" in answer.text
    assert hits == []


async def test_a_metadata_document_from_an_allowed_loopback_host(
    tmp_path: Path, store_url: str
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    documents: dict[str, object] = {}
    async with serving(json_documents(documents), certfile=cert, keyfile=key) as base:
        client_id = f"{base}/oauth/client.json"
        documents["/oauth/client.json"] = {
            "client_id": client_id,
            "client_name": "Metadata Client",
            "redirect_uris": ["http://127.0.0.1/callback"],
            "grant_types": ["authorization_code", "refresh_token"],
        }
        async with (
            auth_stack(
                tmp_path,
                store_url,
                cimd_allow_loopback=(base.removeprefix("https://"),),
                cimd_ca_file=cert,
            ) as stack,
            stack.http() as http,
        ):
            code, verifier = await get_code(stack, client_id)
            tokens = (await exchange(http, client_id, code, verifier)).json()
            principal = (await verify(stack, tokens["access_token"])).principal
            assert principal.client_id == client_id
            wrong = await http.get(authorize_url(f"{base}/oauth/missing.json", pkce_pair()[1]))
            assert wrong.status_code == 400


# --- API keys ----------------------------------------------------------------------------------


async def test_api_keys_create_verify_rotate_revoke(stack: Stack) -> None:
    created = await stack.stub.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            tenant="acme",
            subject="ci@acme.example",
            name="ci",
            odoo_login="marc",
            odoo_api_key=CANARY,
            allowed_tools=["search_records"],
            allowed_models=["res.partner"],
        ),
        timeout=5,
    )
    key = created.api_key
    principal = (await verify(stack, key)).principal
    assert principal.subject == f"key:{created.info.key_id}"
    assert list(principal.allowed_tools) == ["search_records"]
    assert await refused(stack, key, "globex") is ErrorCode.UNAUTHENTICATED
    listed = await stack.stub.ListApiKeys(auth_pb2.ListApiKeysRequest(tenant="acme"), timeout=5)
    assert [info.key_id for info in listed.keys] == [created.info.key_id]
    assert key not in str(listed)
    rotated = await stack.stub.RotateApiKey(
        auth_pb2.RotateApiKeyRequest(tenant="acme", key_id=created.info.key_id), timeout=5
    )
    assert await refused(stack, key) is ErrorCode.UNAUTHENTICATED
    assert (await verify(stack, rotated.api_key)).principal.odoo_login == "marc"
    await stack.stub.RevokeApiKey(
        auth_pb2.RevokeApiKeyRequest(tenant="acme", key_id=created.info.key_id), timeout=5
    )
    assert await refused(stack, rotated.api_key) is ErrorCode.UNAUTHENTICATED
    stored = b"".join(await stack.stored_values())
    # The secret is what follows tgk_<tenant>_<key id>_ (it may hold "_" itself: token_urlsafe).
    secret = rotated.api_key.removeprefix(f"tgk_acme_{created.info.key_id}_")
    assert len(secret) >= 40
    assert secret.encode() not in stored


async def test_an_api_key_needs_a_working_odoo_credential(stack: Stack) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stack.stub.CreateApiKey(
            auth_pb2.CreateApiKeyRequest(
                tenant="acme", subject="ci", odoo_login="marc", odoo_api_key="wrong"
            ),
            timeout=5,
        )
    assert from_rpc_error(raised.value).code is ErrorCode.PERMISSION_DENIED


async def test_the_front_gets_keys_and_a_revocation_feed(stack: Stack) -> None:
    keys = await stack.stub.GetTokenKeys(auth_pb2.GetTokenKeysRequest(), timeout=5)
    assert keys.issuer_base == ISSUER_BASE
    assert [key.algorithm for key in keys.keys] == ["EdDSA"]
    first = await stack.stub.ListRevocations(auth_pb2.ListRevocationsRequest(), timeout=5)
    await stack.parts.tokens.revoke_grant("acme", f"oauth:{secrets.token_hex(4)}")
    later = await stack.stub.ListRevocations(
        auth_pb2.ListRevocationsRequest(after=first.cursor), timeout=5
    )
    assert len(later.revocations) == 1
    assert later.cursor != first.cursor


# --- upstream SSO ------------------------------------------------------------------------------


@dataclass
class FakeIdp:
    """A tiny OpenID provider: signs in whoever ``email`` says, checks PKCE, signs ID tokens."""

    email: str = "marc@acme.example"
    base: str = ""
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

    def app(self) -> Starlette:
        async def discovery(request: Request) -> Response:
            return JSONResponse(
                {
                    "issuer": self.base,
                    "authorization_endpoint": f"{self.base}/authorize",
                    "token_endpoint": f"{self.base}/token",
                    "jwks_uri": f"{self.base}/jwks",
                }
            )

        async def authorize(request: Request) -> Response:
            params = dict(request.query_params)
            assert params["code_challenge_method"] == "S256"
            code = secrets.token_urlsafe(8)
            self.codes[code] = params
            query = urlencode({"code": code, "state": params["state"]})
            return RedirectResponse(f"{params['redirect_uri']}?{query}", status_code=302)

        async def token(request: Request) -> Response:
            form = await request.form()
            params = self.codes.pop(str(form["code"]), None)
            verifier = str(form.get("code_verifier", ""))
            if params is None or pkce_challenge(verifier) != params["code_challenge"]:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            id_token = jwt.encode(
                {
                    "iss": self.base,
                    "aud": params["client_id"],
                    "sub": "u-1",
                    "email": self.email,
                    "email_verified": True,
                    "nonce": params["nonce"],
                    "iat": now,
                    "exp": now + 300,
                },
                self.key,
                algorithm="RS256",
                headers={"kid": "k1"},
            )
            return JSONResponse({"access_token": "x", "token_type": "Bearer", "id_token": id_token})

        async def jwks(request: Request) -> Response:
            jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
            return JSONResponse({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/authorize", authorize),
                Route("/token", token, methods=["POST"]),
                Route("/jwks", jwks),
            ]
        )


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def sso_sign_in(stack: Stack, http: httpx.AsyncClient, client_id: str) -> httpx.Response:
    """Up to the page after the provider sends the browser back to auth."""
    url = authorize_url(client_id, pkce_pair()[1])
    page = await http.get(url)
    sso_form = next(form for form in forms(page.text) if form.method == "get")
    start = await http.get(sso_form.action, params=sso_form.fields)
    assert start.status_code == 303
    async with httpx.AsyncClient() as outside:
        upstream = await outside.get(start.headers["location"])
    assert upstream.status_code == 302
    return await http.get(upstream.headers["location"])


@contextlib.asynccontextmanager
async def sso_stack(tmp_path: Path, store_url: str, idp: FakeIdp) -> AsyncIterator[Stack]:
    async with serving(idp.app()) as base:
        idp.base = base
        sso_file = tmp_path / "sso.yaml"
        sso_file.write_text(f"acme: {{issuer: '{base}', client_id: tollgate-acme, name: FakeIdP}}")
        async with auth_stack(tmp_path, store_url, sso_file=sso_file) as stack:
            yield stack


async def test_sso_then_a_one_time_odoo_key_page_then_straight_to_consent(
    tmp_path: Path, store_url: str
) -> None:
    idp = FakeIdp()
    async with sso_stack(tmp_path, store_url, idp) as stack, stack.http() as http:
        client_id = await register(http)
        register_page = await sso_sign_in(stack, http, client_id)
        assert "Connect your Odoo account" in register_page.text
        consent = await submit(http, ISSUER_BASE, register_page, login="marc", api_key=CANARY)
        assert "Allow" in consent.text
        done = await submit(http, ISSUER_BASE, consent, decision="allow")
        assert "code=" in done.headers["location"]
        # Next time the key is known: from the provider straight to consent.
        again = await sso_sign_in(stack, http, client_id)
        assert "Allow" in again.text
        assert "Connect your Odoo account" not in again.text
        stored = b"".join(await stack.stored_values())
        assert CANARY.encode() not in stored


async def test_sso_refuses_outsiders_and_someone_elses_odoo_key(
    tmp_path: Path, store_url: str
) -> None:
    idp = FakeIdp(email="stranger@elsewhere.example")
    async with sso_stack(tmp_path, store_url, idp) as stack, stack.http() as http:
        client_id = await register(http)
        outsider = await sso_sign_in(stack, http, client_id)
        assert outsider.status_code == 403
        idp.email = "paula@acme.example"
        page = await sso_sign_in(stack, http, client_id)
        mismatch = await submit(http, ISSUER_BASE, page, login="marc", api_key=CANARY)
        assert mismatch.status_code == 403
        assert "belongs to someone else" in mismatch.text
