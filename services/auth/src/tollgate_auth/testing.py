"""Test helpers: a browser that fills auth's forms over HTTP, PKCE pairs, a stand-in worker that
checks Odoo logins after opening the sealed credential for real, and a self-signed certificate for
serving client metadata documents over https on loopback."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import ipaddress
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urljoin, urlsplit

import grpc
import httpx
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from tollgate.v1 import worker_pb2, worker_pb2_grpc
from tollgate_common.odoo_credentials import open_odoo_credential
from tollgate_common.sealing import SealingError, SealingPrivateKey


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append(Form(values.get("action", ""), values.get("method", "get").lower()))
        elif tag == "input" and self.forms and values.get("name"):
            self.forms[-1].fields[values["name"]] = values.get("value", "")


def forms(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


@dataclass(frozen=True)
class Redirect:
    location: str

    @property
    def params(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.location).query).items()}


async def submit(
    http: httpx.AsyncClient, page_url: str, page: httpx.Response, **values: str
) -> httpx.Response:
    """Submit the first POST form of ``page`` with ``values`` filled in, as a browser would."""
    form = next(form for form in forms(page.text) if form.method == "post")
    return await http.post(urljoin(page_url, form.action), data={**form.fields, **values})


async def browser_sign_in(
    http: httpx.AsyncClient,
    authorize_url: str,
    *,
    login: str,
    api_key: str,
    decision: str = "allow",
) -> Redirect:
    """Open the authorization URL, sign in, answer the consent page; the final redirect.

    ``http`` must keep cookies and not follow redirects (a fresh `httpx.AsyncClient`)."""
    page = await http.get(authorize_url)
    if page.status_code != 200:
        raise AssertionError(f"authorize answered {page.status_code}: {page.text[:300]}")
    consent = await submit(http, authorize_url, page, login=login, api_key=api_key)
    if consent.status_code != 200:
        raise AssertionError(f"login answered {consent.status_code}: {consent.text[:300]}")
    answer = await submit(http, authorize_url, consent, decision=decision)
    if answer.status_code != 303:
        raise AssertionError(f"consent answered {answer.status_code}: {answer.text[:300]}")
    return Redirect(answer.headers["location"])


@dataclass(frozen=True)
class OdooAccount:
    api_key: str
    name: str
    email: str
    uid: int = 7


class FakeWorker(worker_pb2_grpc.WorkerServiceServicer):
    """A worker whose Odoo is a dict: opens the sealed credential with the real key."""

    def __init__(
        self, tenant: str, key: SealingPrivateKey, accounts: dict[str, OdooAccount]
    ) -> None:
        self.tenant = tenant
        self.key = key
        self.accounts = accounts
        self.calls = 0

    async def VerifyCredential(
        self,
        request: worker_pb2.VerifyCredentialRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> worker_pb2.VerifyCredentialResponse:
        self.calls += 1
        try:
            credential = open_odoo_credential([self.key], request.credential, tenant=self.tenant)
        except SealingError:
            await context.abort(grpc.StatusCode.PERMISSION_DENIED, "cannot open the credential")
        account = self.accounts.get(credential.login)
        if (
            credential.login != request.odoo_login
            or account is None
            or (account.api_key != credential.api_key)
        ):
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "Access Denied")
        return worker_pb2.VerifyCredentialResponse(
            uid=account.uid, name=account.name, email=account.email
        )


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A certificate for ``host`` (an IP) and its key, as PEM files; the certificate is its own
    CA, so trusting it (``cimd_ca_file``) makes https on loopback verifiable."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "cimd-cert.pem"
    key_path = directory / "cimd-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _QuietServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def serving(
    app: ASGIApp,
    *,
    certfile: Path | None = None,
    keyfile: Path | None = None,
    lifespan: Literal["on", "off"] = "off",
    port: int = 0,
) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 and ``port`` (0: a free one) in this event loop; yields its
    base URL (https when a certificate is given)."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        lifespan=lifespan,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the test server did not start")
        await asyncio.sleep(0.01)
    bound = next(sock.getsockname()[1] for s in server.servers for sock in s.sockets)
    try:
        yield f"{'https' if certfile else 'http'}://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        await task


def json_documents(documents: dict[str, Any]) -> ASGIApp:
    """A tiny app serving fixed JSON documents by path (client metadata documents)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        document = documents.get(scope["path"])
        response = (
            JSONResponse(document) if document is not None else JSONResponse({}, status_code=404)
        )
        await response(scope, receive, send)

    return app
