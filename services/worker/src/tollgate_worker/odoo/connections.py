"""The connections beneath the worker's one ``httpx.AsyncClient``: httpcore's pool on plain asyncio.

httpx's default transport runs httpcore over anyio, which costs, per request, a cancel scope for
every read and write (``fail_after``) and a scheduler round trip for every write; the headers and
the body also leave in two ``send`` calls. `AsyncioBackend` gives the same pool (keep-alive,
limits, expiry, TLS) a network stream built on an ``asyncio.Protocol``: a read or write timeout is
one timer, and the bytes of a request are written in one ``send`` when its answer is awaited.
Measured with a 10-record ``search_records``: about a quarter of the worker's HTTP CPU.

`PooledTransport` is the thin httpx <-> httpcore adapter httpx's own transport is (requests,
streamed answers, httpcore's exceptions as httpx's, so callers catch the usual httpx classes).
"""

# httpcore's network interface names its parameter ``timeout``; the methods must keep it.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import select
import socket
import ssl
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Final, cast

import httpcore
import httpx

# Stop reading from the socket while this much of an answer waits to be consumed.
_READ_HIGH_WATER: Final = 256 * 1024
# Write what is pending at once when a request body grows past this (instead of at the read).
_WRITE_FLUSH: Final = 64 * 1024


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


async def _wait(waiter: asyncio.Future[None], seconds: float | None) -> None:
    """Await ``waiter`` for at most ``seconds`` (`TimeoutError` after that); one timer, no scope."""
    if seconds is None:
        await waiter
        return
    timer = asyncio.get_running_loop().call_later(seconds, _expire, waiter)
    try:
        await waiter
    finally:
        timer.cancel()


class _Connection(asyncio.Protocol):
    """Receives for `_Stream`: bytes, end of stream, and write flow control."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.closed = False
        self.error: BaseException | None = None
        self.reading: asyncio.Future[None] | None = None
        self.draining: asyncio.Future[None] | None = None
        self.write_paused = False
        self.read_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, yet offer the same methods.
        self.transport = cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) > _READ_HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
            self.read_paused = True
        self._wake_reader()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake_reader()
        return False  # close our side too: HTTP/1.1 has no use for a half-open connection

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        self._wake_reader()
        self.resume_writing()

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.draining is not None and not self.draining.done():
            self.draining.set_result(None)

    def _wake_reader(self) -> None:
        if self.reading is not None and not self.reading.done():
            self.reading.set_result(None)

    def take(self, max_bytes: int) -> bytes:
        if len(self.received) <= max_bytes:
            data = bytes(self.received)
            self.received.clear()
        else:
            data = bytes(self.received[:max_bytes])
            del self.received[:max_bytes]
        if self.read_paused and len(self.received) <= _READ_HIGH_WATER // 2:
            self.read_paused = False
            if self.transport is not None and not self.transport.is_closing():
                self.transport.resume_reading()
        return data


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._connection = connection
        self._pending: list[bytes] = []
        self._pending_size = 0

    def _flush(self) -> None:
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        if self._transport.is_closing():
            raise httpcore.WriteError("The connection to the server is closed.")
        self._transport.write(data)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self._flush()
        connection = self._connection
        if not connection.received and not connection.closed:
            connection.reading = asyncio.get_running_loop().create_future()
            try:
                await _wait(connection.reading, timeout)
            except TimeoutError:
                raise httpcore.ReadTimeout("The server did not answer in time.") from None
            finally:
                connection.reading = None
        if connection.received:
            return connection.take(max_bytes)
        if connection.error is not None:
            raise httpcore.ReadError(str(connection.error) or type(connection.error).__name__)
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        self._pending.append(buffer)
        self._pending_size += len(buffer)
        if self._pending_size < _WRITE_FLUSH:
            return  # sent with the rest of the request, when its answer is read
        self._flush()
        connection = self._connection
        if connection.write_paused:
            connection.draining = asyncio.get_running_loop().create_future()
            try:
                await _wait(connection.draining, timeout)
            except TimeoutError:
                raise httpcore.WriteTimeout("The server did not take the request.") from None
            finally:
                connection.draining = None

    async def aclose(self) -> None:
        self._pending.clear()
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport = await asyncio.wait_for(
                loop.start_tls(
                    self._transport, self._connection, ssl_context, server_hostname=server_hostname
                ),
                timeout,
            )
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout("The TLS handshake did not finish in time.") from None
        except (OSError, ssl.SSLError) as error:
            self._transport.close()
            raise httpcore.ConnectError(str(error)) from None
        if transport is None:  # pragma: no cover - closed during the handshake
            raise httpcore.ConnectError("The connection closed during the TLS handshake.")
        self._connection.transport = transport
        return _Stream(self._connection.transport, self._connection)

    def get_extra_info(self, info: str) -> Any:
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        if info == "is_readable":
            # An idle keep-alive connection with bytes or an end waiting is one the server closed.
            connection = self._connection
            return bool(connection.received) or connection.closed or _socket_readable(self)
        return None


def _socket_readable(stream: _Stream) -> bool:
    """Whether the kernel holds bytes (or the end) the event loop has not delivered yet."""
    sock = stream.get_extra_info("socket")
    fd = sock.fileno() if sock is not None else -1
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            transport, connection = await asyncio.wait_for(
                loop.create_connection(
                    _Connection,
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                ),
                timeout,
            )
        except TimeoutError:
            raise httpcore.ConnectTimeout("No connection was accepted in time.") from None
        except OSError as error:
            raise httpcore.ConnectError(str(error)) from None
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)
        # Each request is one write that must leave at once (asyncio sets this too; uvloop may not).
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return _Stream(transport, connection)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:  # pragma: no cover - the worker speaks TCP only
        raise httpcore.ConnectError("Unix sockets are not supported.")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# httpcore's exceptions and the httpx classes callers catch, most specific first.
_EXCEPTIONS: Final[tuple[tuple[type[Exception], type[httpx.HTTPError]], ...]] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProxyError, httpx.ProxyError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as error:
        for source, target in _EXCEPTIONS:
            if isinstance(error, source):
                raise target(str(error)) from error
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        await self._stream.aclose()


class PooledTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 keep-alive pool to one server, for ``httpx.AsyncClient(transport=...)``."""

    def __init__(self, *, limits: httpx.Limits, verify: bool) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=AsyncioBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            response = await self._pool.handle_async_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()
