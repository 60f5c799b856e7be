"""The worker's HTTP connections (`PooledTransport` on asyncio) against a real loopback server."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import ipaddress
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.connections import PooledTransport
from tollgate_worker.odoo.errors import OdooUnavailable
from tollgate_worker.odoo.transport import OdooTransport

LIMITS = httpx.Limits(max_connections=4, max_keepalive_connections=4, keepalive_expiry=30)
Answer = Callable[[int, bytes], bytes | None]


def ok(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def chunked(*parts: bytes) -> bytes:
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"


@dataclass
class Server:
    """Reads whole requests (Content-Length bodies); ``answer(n, body)`` gives the n-th reply,
    or None to close the connection without one. ``close_after`` closes after each reply."""

    answer: Answer
    close_after: bool = False
    connections: int = 0
    closed: int = 0
    bodies: list[bytes] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                self.bodies.append(body)
                reply = self.answer(len(self.bodies), body)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
                if self.close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            await writer.wait_closed()
            self.closed += 1


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., Awaitable[Server]]]:
    servers: list[asyncio.Server] = []

    async def started(answer: Answer, close_after: bool = False) -> Server:
        server = Server(answer, close_after=close_after)
        listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        servers.append(listener)
        server.port = listener.sockets[0].getsockname()[1]
        return server

    yield started
    for listener in servers:
        listener.close()
        await listener.wait_closed()


async def until(condition: Callable[[], bool]) -> None:
    deadline = asyncio.get_running_loop().time() + 5
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in 5 s"
        await asyncio.sleep(0.005)


def client_for(server: Server) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{server.port}",
        transport=PooledTransport(limits=LIMITS, verify=True),
    )


async def test_requests_share_one_kept_alive_connection_and_bodies_arrive_whole(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    server = await serve(lambda n, body: ok(b"%d:%d" % (n, len(body))))
    big = b"x" * 300_000  # past the write-coalescing and read flow-control sizes
    async with client_for(server) as client:
        first = await client.post("/a", content=b"small")
        second = await client.post("/b", content=big)
    assert (first.text, second.text) == ("1:5", "2:300000")
    assert server.bodies == [b"small", big]
    assert server.connections == 1


async def test_a_chunked_and_a_large_answer_are_read_whole(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    large = b"y" * 1_000_000
    server = await serve(lambda n, _: chunked(b"hello ", b"world") if n == 1 else ok(large))
    async with client_for(server) as client:
        assert (await client.post("/", content=b"")).text == "hello world"
        assert (await client.post("/", content=b"")).content == large


async def test_a_connection_the_server_closed_is_not_reused(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    server = await serve(lambda n, _: ok(b"%d" % n), close_after=True)
    async with client_for(server) as client:
        assert (await client.post("/", content=b"1")).text == "1"
        # Once the server has closed, the pool must see it and open a new connection.
        await until(lambda: server.closed == 1)
        assert (await client.post("/", content=b"2")).text == "2"
    assert server.connections == 2


async def test_a_server_that_does_not_answer_is_a_read_timeout(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    server = await serve(lambda n, _: b"")  # an empty reply: the server stays silent
    async with client_for(server) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/", content=b"", timeout=0.05)


async def test_nothing_listening_is_a_connect_error() -> None:
    async with httpx.AsyncClient(
        base_url="http://127.0.0.1:1", transport=PooledTransport(limits=LIMITS, verify=True)
    ) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post("/", content=b"")


async def test_a_dropped_read_is_sent_again_and_a_dropped_write_is_not(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    # Every odd request is dropped without an answer (the connection closes).
    server = await serve(lambda n, _: None if n % 2 else ok(b'{"result": true}'))
    transport = OdooTransport(f"http://127.0.0.1:{server.port}")
    try:
        response = await transport.post(
            "/jsonrpc",
            b"{}",
            content_type="application/json",
            deadline=Deadline(5),
            idempotent=True,
        )
        assert response.status_code == 200
        assert len(server.bodies) == 2
        with pytest.raises(OdooUnavailable):
            await transport.post(
                "/jsonrpc", b"{}", content_type="application/json", deadline=Deadline(5)
            )
        assert len(server.bodies) == 3
    finally:
        await transport.aclose()


def test_the_worker_uses_the_asyncio_connections_unless_a_proxy_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    direct = OdooTransport("http://odoo.test")
    assert isinstance(direct.http_client._transport, PooledTransport)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.test:3128")
    proxied = OdooTransport("https://odoo.test")
    assert not isinstance(proxied.http_client._transport, PooledTransport)


async def test_informational_answers_are_skipped_and_a_204_has_no_body(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    continued = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"
    server = await serve(lambda n, _: continued if n == 1 else ok(b"after"))
    async with client_for(server) as client:
        first = await client.post("/", content=b"")
        assert (first.status_code, first.content) == (204, b"")
        assert (await client.post("/", content=b"")).text == "after"
    assert server.connections == 1


async def test_an_answer_without_a_length_ends_with_its_connection(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    server = await serve(lambda n, _: b"HTTP/1.1 200 OK\r\n\r\nuntil the end", close_after=True)
    async with client_for(server) as client:
        assert (await client.post("/", content=b"")).text == "until the end"
        assert (await client.post("/", content=b"")).text == "until the end"
    assert server.connections == 2


async def test_a_compressed_answer_is_decoded(serve: Callable[..., Awaitable[Server]]) -> None:
    packed = gzip.compress(b'{"result": 42}')
    reply = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(packed)
    server = await serve(lambda n, _: reply + packed)
    async with client_for(server) as client:
        assert (await client.post("/", content=b"")).json() == {"result": 42}


async def test_a_header_with_a_line_break_is_refused_before_anything_is_sent(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    server = await serve(lambda n, _: ok(b""))
    async with client_for(server) as client:
        with pytest.raises(httpx.LocalProtocolError):
            await client.post("/", content=b"", headers={"Authorization": "Bearer k\r\nX-Evil: 1"})
        assert (await client.post("/", content=b"next")).status_code == 200
    assert server.bodies == [b"next"]


async def test_callers_beyond_the_pool_wait_for_a_connection_or_time_out(
    serve: Callable[..., Awaitable[Server]],
) -> None:
    server = await serve(lambda n, _: ok(b"%d" % n))
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{server.port}",
        transport=PooledTransport(limits=one, verify=True),
    ) as client:
        answers = await asyncio.gather(*(client.post("/", content=b"") for _ in range(3)))
        assert sorted(a.text for a in answers) == ["1", "2", "3"]
        assert server.connections == 1  # one at a time, on the one kept-alive connection

        silent = await serve(lambda n, _: b"")  # holds the only connection, never answers
        held = asyncio.create_task(
            client.post(f"http://127.0.0.1:{silent.port}/", content=b"", timeout=5)
        )
        await until(lambda: len(silent.bodies) == 1)
        with pytest.raises(httpx.PoolTimeout):
            await client.post("/", content=b"", timeout=httpx.Timeout(5, pool=0.05))
        held.cancel()
        with pytest.raises(asyncio.CancelledError):
            await held
        # The cancelled exchange gave its slot back and its connection was not kept.
        assert (await client.post("/", content=b"")).status_code == 200


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that is its own CA, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
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
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


async def test_tls_is_verified_unless_verification_is_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_path, key_path = self_signed(tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    server = Server(lambda n, _: ok(b"secret"))
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=server_context)
    url = f"https://127.0.0.1:{listener.sockets[0].getsockname()[1]}/"
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    try:
        async with httpx.AsyncClient(
            transport=PooledTransport(limits=LIMITS, verify=True)
        ) as client:
            with pytest.raises(httpx.ConnectError):
                await client.post(url, content=b"")  # not signed by a trusted CA
        assert server.bodies == []
        monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
        async with httpx.AsyncClient(
            transport=PooledTransport(limits=LIMITS, verify=True)
        ) as client:
            assert (await client.post(url, content=b"a")).text == "secret"
            assert (await client.post(url, content=b"b")).text == "secret"
        monkeypatch.delenv("SSL_CERT_FILE")
        async with httpx.AsyncClient(
            transport=PooledTransport(limits=LIMITS, verify=False)
        ) as client:
            assert (await client.post(url, content=b"c")).text == "secret"
        assert server.bodies == [b"a", b"b", b"c"]
        assert server.connections == 2  # one kept-alive TLS connection per client that got in
    finally:
        listener.close()
        await listener.wait_closed()
