"""The connections beneath the worker's one ``httpx.AsyncClient``: HTTP/1.1 keep-alive on asyncio.

httpx's default transport (httpcore over anyio, h11) costs the worker more CPU per Odoo request
than everything else it does for a call: cancel scopes around every read and write, a scheduler
round trip per write, headers and body in two ``send`` calls, four stream wrappers per answer.
The worker sends one kind of traffic to one server (POSTs of JSON or XML, the odd GET of a report,
answers read whole), so `PooledTransport` does exactly that, in one write per request and one
timer per wait:

- a bounded pool per origin: at most ``max_connections`` in use (callers beyond wait up to the
  pool timeout), at most ``max_keepalive_connections`` idle ones kept, each for
  ``keepalive_expiry`` seconds; an idle connection the server closed or wrote to is dropped;
- a connection whose exchange failed, was cancelled, or whose answer ends with the connection is
  never reused;
- answers framed by Content-Length, chunked encoding or the end of the connection; 1xx skipped;
  content decoding (gzip, ...) is left to httpx, as with its own transport;
- failures raised as httpx's classes (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``,
  ...), so callers handle them exactly as before; a header value carrying CR/LF is refused.
"""

from __future__ import annotations

import asyncio
import re
import select
import ssl
import time
from collections import deque
from typing import Final, cast

import httpx

# Stop reading from the socket while this much of an answer waits to be consumed.
_READ_HIGH_WATER: Final = 256 * 1024
_MAX_HEAD: Final = 64 * 1024
_MAX_LINE: Final = 4096
_TOKEN: Final = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_UNSAFE_VALUE: Final = re.compile(rb"[\r\n\x00]")
_NO_BODY_STATUSES: Final = frozenset({204, 304})

Origin = tuple[bytes, bytes, int]


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
    """One connection: buffers what the server sends, writes whole requests."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.closed = False
        self.error: BaseException | None = None
        self.idle_since = 0.0
        self._reading: asyncio.Future[None] | None = None
        self._draining: asyncio.Future[None] | None = None
        self._write_paused = False
        self._read_paused = False

    # -- asyncio.Protocol ---------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport, yet offer the same methods.
        self.transport = cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) > _READ_HIGH_WATER and self.transport is not None:
            self.transport.pause_reading()
            self._read_paused = True
        self._wake(self._reading)

    def eof_received(self) -> bool:
        self.closed = True
        self._wake(self._reading)
        return False  # close our side too: HTTP/1.1 has no use for a half-open connection

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        self._wake(self._reading)
        self._wake(self._draining)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake(self._draining)

    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- used by the transport ----------------------------------------------------------------
    def reusable(self, now: float, expiry: float | None) -> bool:
        """Whether this idle connection may carry another request."""
        if self.closed or self.received or self.transport is None:
            return False  # closed, or the server said something unasked (it is going away)
        if expiry is not None and now - self.idle_since > expiry:
            return False
        sock = self.transport.get_extra_info("socket")
        fd = sock.fileno() if sock is not None else -1
        if fd < 0:
            return False
        # Bytes or the end the event loop has not delivered yet mean the same.
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return not poller.poll(0)

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    async def send(self, data: bytes, seconds: float | None) -> None:
        if self.transport is None or self.closed or self.transport.is_closing():
            raise httpx.WriteError("The connection to Odoo closed before the request was sent.")
        self.transport.write(data)
        if self._write_paused:
            self._draining = asyncio.get_running_loop().create_future()
            try:
                await _wait(self._draining, seconds)
            except TimeoutError:
                raise httpx.WriteTimeout("Odoo did not take the request in time.") from None
            finally:
                self._draining = None
            if self.error is not None:
                raise httpx.WriteError(str(self.error) or type(self.error).__name__)

    async def _more(self, seconds: float | None, started: bool) -> None:
        """Wait for more bytes; at the end of the connection raise the error that fits."""
        if self.closed:
            if self.error is not None:
                raise httpx.ReadError(str(self.error) or type(self.error).__name__)
            raise httpx.RemoteProtocolError(
                "Odoo closed the connection before the end of its answer."
                if started
                else "Server disconnected without sending a response."
            )
        self._reading = asyncio.get_running_loop().create_future()
        try:
            await _wait(self._reading, seconds)
        except TimeoutError:
            raise httpx.ReadTimeout("Odoo did not answer in time.") from None
        finally:
            self._reading = None

    def _take(self, count: int) -> bytes:
        if count >= len(self.received):
            data = bytes(self.received)
            self.received.clear()
        else:
            data = bytes(self.received[:count])
            del self.received[:count]
        if self._read_paused and len(self.received) <= _READ_HIGH_WATER // 2:
            self._read_paused = False
            if self.transport is not None and not self.transport.is_closing():
                self.transport.resume_reading()
        return data

    async def read_until(
        self, marker: bytes, limit: int, seconds: float | None, started: bool = True
    ) -> bytes:
        """Bytes up to ``marker`` (dropped), at most ``limit`` of them."""
        searched = 0
        while True:
            index = self.received.find(marker, searched)
            if index >= 0:
                data = self._take(index + len(marker))
                return data[: -len(marker)]
            if len(self.received) > limit:
                raise httpx.RemoteProtocolError("Odoo sent an over-long line in its answer.")
            searched = max(0, len(self.received) - len(marker) + 1)
            await self._more(seconds, started or bool(self.received))

    async def read_exactly(self, count: int, seconds: float | None) -> bytes:
        parts: list[bytes] = []
        while count > 0:
            if not self.received:
                await self._more(seconds, True)
                continue
            part = self._take(count)
            parts.append(part)
            count -= len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    async def read_to_end(self, seconds: float | None) -> bytes:
        parts: list[bytes] = []
        while True:
            if self.received:
                parts.append(self._take(len(self.received)))
            elif self.closed:
                if self.error is not None:
                    raise httpx.ReadError(str(self.error) or type(self.error).__name__)
                return b"".join(parts)
            else:
                await self._more(seconds, True)


def _request_bytes(request: httpx.Request, body: bytes) -> bytes:
    """The request's head and body, ready for one write; unsafe header bytes are refused."""
    lines = [request.method.encode("ascii"), b" ", request.url.raw_path, b" HTTP/1.1\r\n"]
    chunked = False
    for name, value in request.headers.raw:
        if not _TOKEN.fullmatch(name) or _UNSAFE_VALUE.search(value):
            raise httpx.LocalProtocolError(f"Illegal header {name!r} in a request to Odoo.")
        if name.lower() == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        lines += (name, b": ", value, b"\r\n")
    lines.append(b"\r\n")
    if chunked:  # a body of unknown length: sent as one chunk
        lines += (b"%x\r\n" % len(body), body, b"\r\n0\r\n\r\n") if body else (b"0\r\n\r\n",)
    else:
        lines.append(body)
    return b"".join(lines)


def _parse_head(head: bytes) -> tuple[bytes, int, bytes, list[tuple[bytes, bytes]]]:
    status_line, *header_lines = head.split(b"\r\n")
    version, _, rest = status_line.partition(b" ")
    code, _, reason = rest.partition(b" ")
    if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise httpx.RemoteProtocolError("Odoo's answer does not start with an HTTP status line.")
    headers = []
    for line in header_lines:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise httpx.RemoteProtocolError("Odoo's answer has a malformed header.")
        headers.append((name, value.strip(b" \t")))
    return version, int(code), reason, headers


def _values(headers: list[tuple[bytes, bytes]], wanted: bytes) -> list[bytes]:
    return [value for name, value in headers if name.lower() == wanted]


async def _read_chunked(connection: _Connection, seconds: float | None) -> bytes:
    parts: list[bytes] = []
    while True:
        line = await connection.read_until(b"\r\n", _MAX_LINE, seconds)
        size_text = line.split(b";", 1)[0].strip()
        if not size_text or len(size_text) > 16 or not re.fullmatch(rb"[0-9A-Fa-f]+", size_text):
            raise httpx.RemoteProtocolError("Odoo's answer has a malformed chunk size.")
        size = int(size_text, 16)
        if size == 0:
            while await connection.read_until(b"\r\n", _MAX_LINE, seconds):
                pass  # trailer fields, not used
            return b"".join(parts)
        parts.append(await connection.read_exactly(size, seconds))
        if await connection.read_until(b"\r\n", _MAX_LINE, seconds):
            raise httpx.RemoteProtocolError("Odoo's answer has a malformed chunk.")


async def _read_response(
    connection: _Connection, method: str, seconds: float | None
) -> tuple[httpx.Response, bool]:
    """The answer on ``connection`` and whether the connection may be reused after it."""
    started = False
    while True:
        head = await connection.read_until(b"\r\n\r\n", _MAX_HEAD, seconds, started)
        started = True
        version, status, reason, headers = _parse_head(head)
        if not 100 <= status < 200:
            break
        if status == 101:
            raise httpx.RemoteProtocolError("Odoo switched protocols, which the worker never asks.")
    tokens = b",".join(_values(headers, b"connection")).lower()
    reusable = version == b"HTTP/1.1" and b"close" not in tokens
    encodings = b",".join(_values(headers, b"transfer-encoding")).lower()
    lengths = {value.strip() for value in _values(headers, b"content-length")}
    if method == "HEAD" or status in _NO_BODY_STATUSES:
        body = b""
    elif encodings:
        if encodings.rsplit(b",", 1)[-1].strip() == b"chunked":
            body = await _read_chunked(connection, seconds)
        else:
            body, reusable = await connection.read_to_end(seconds), False
    elif lengths:
        length = lengths.pop()
        if lengths or not length.isdigit():
            raise httpx.RemoteProtocolError("Odoo's answer has an invalid Content-Length.")
        body = await connection.read_exactly(int(length), seconds)
    else:
        body, reusable = await connection.read_to_end(seconds), False
    response = httpx.Response(
        status,
        headers=headers,
        stream=httpx.ByteStream(body),
        extensions={"http_version": version, "reason_phrase": reason},
    )
    return response, reusable


class PooledTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 keep-alive pool, for ``httpx.AsyncClient(transport=...)``."""

    def __init__(self, *, limits: httpx.Limits, verify: bool) -> None:
        self._ssl_context: ssl.SSLContext | None = None
        self._verify = verify
        self._max_connections = limits.max_connections or 1_000_000
        self._max_idle = (
            limits.max_keepalive_connections
            if limits.max_keepalive_connections is not None
            else self._max_connections
        )
        self._expiry = limits.keepalive_expiry
        self._idle: dict[Origin, list[_Connection]] = {}
        self._in_use = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        url = request.url
        origin: Origin = (url.raw_scheme, url.raw_host, url.port or _default_port(url.raw_scheme))
        body = b"".join([part async for part in cast("httpx.AsyncByteStream", request.stream)])
        data = _request_bytes(request, body)
        await self._acquire(timeouts.get("pool"))
        connection: _Connection | None = None
        try:
            connection = self._idle_connection(origin) or await self._connect(
                origin, timeouts.get("connect")
            )
            await connection.send(data, timeouts.get("write"))
            response, reusable = await _read_response(
                connection, request.method, timeouts.get("read")
            )
        except BaseException:
            if connection is not None:
                connection.close()
            self._release()
            raise
        idle = self._idle.setdefault(origin, [])
        if reusable and not self._closed and len(idle) < self._max_idle:
            connection.idle_since = time.monotonic()
            idle.append(connection)
        else:
            connection.close()
        self._release()
        return response

    def _idle_connection(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        now = time.monotonic()
        while idle:
            connection = idle.pop()
            if connection.reusable(now, self._expiry):
                return connection
            connection.close()
        return None

    async def _connect(self, origin: Origin, seconds: float | None) -> _Connection:
        scheme, host, port = origin
        secure = scheme == b"https"
        if secure and self._ssl_context is None:
            self._ssl_context = httpx.create_ssl_context(verify=self._verify)
        hostname = host.decode("ascii")
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(
                    _Connection,
                    hostname,
                    port,
                    ssl=self._ssl_context if secure else None,
                    server_hostname=hostname if secure else None,
                ),
                seconds,
            )
        except TimeoutError:
            raise httpx.ConnectTimeout("No connection to Odoo was accepted in time.") from None
        except (OSError, ssl.SSLError) as error:
            raise httpx.ConnectError(str(error) or type(error).__name__) from None
        return connection

    async def _acquire(self, seconds: float | None) -> None:
        """Take one of ``max_connections`` slots, waiting at most ``seconds``."""
        if self._in_use < self._max_connections and not self._waiters:
            self._in_use += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await _wait(waiter, seconds)
        except TimeoutError:
            raise httpx.PoolTimeout("No connection to Odoo became free in time.") from None
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._release()  # the slot was handed over just as this caller went away
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _release(self) -> None:
        """Hand the slot to the longest waiter, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._in_use -= 1

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def _default_port(scheme: bytes) -> int:
    return 443 if scheme == b"https" else 80
