"""Client ID Metadata Documents: an MCP client's id is an https URL naming a JSON document that
describes it; auth fetches that document, carefully.

Fetching a URL a stranger chose is a server-side request forgery risk, so: https only, no
redirects, no credentials, a time and size limit, and the host's addresses are resolved *here* and
every one must be public (no private, loopback, link-local, multicast or reserved addresses) — the
connection then goes to an address that was checked, so DNS rebinding between the check and the
connection cannot reach inside. Documents are cached for a few minutes.

For the local stack and tests only, `allow_loopback` names ``host:port`` pairs on loopback that may
be fetched (off by default).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
from httpcore import AsyncNetworkBackend, AsyncNetworkStream
from httpcore._backends.auto import AutoBackend

logger = logging.getLogger(__name__)


class MetadataDocumentError(Exception):
    """The document cannot be used; the message is safe to show to the user."""


def is_metadata_url(client_id: str) -> bool:
    parts = urlsplit(client_id)
    return parts.scheme == "https" and bool(parts.hostname) and parts.path not in ("", "/")


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class _GuardedBackend(AsyncNetworkBackend):
    """Resolves names itself and connects only to addresses that passed the check."""

    def __init__(self, allow_loopback: frozenset[tuple[str, int]]) -> None:
        self._inner = AutoBackend()
        self._allow_loopback = allow_loopback

    async def _addresses(self, host: str, port: int) -> list[str]:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError:
            raise MetadataDocumentError(f"The client's host {host!r} does not resolve.") from None
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        addresses = await self._addresses(host, port)
        loopback_allowed = (host, port) in self._allow_loopback
        for address in addresses:
            allowed = _public(address) or (
                loopback_allowed and ipaddress.ip_address(address).is_loopback
            )
            if not allowed:
                logger.warning(
                    "client metadata fetch refused", extra={"host": host, "reason": "not_public"}
                )
                raise MetadataDocumentError(
                    f"The client's host {host!r} resolves to an address that is not public."
                )
        if not addresses:
            raise MetadataDocumentError(f"The client's host {host!r} does not resolve.")
        return await self._inner.connect_tcp(
            addresses[0], port, timeout=timeout, socket_options=socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class MetadataDocumentFetcher:
    def __init__(
        self,
        *,
        timeout: float,
        max_bytes: int,
        cache_ttl: float,
        allow_loopback: Iterable[str] = (),
        ca_file: str | None = None,
    ) -> None:
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._cache_ttl = cache_ttl
        pairs = set()
        for item in allow_loopback:
            host, _, port = item.rpartition(":")
            pairs.add((host.strip("[]"), int(port)))
        context = ssl.create_default_context()
        if ca_file:
            context.load_verify_locations(ca_file)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=20,
            retries=0,
            network_backend=_GuardedBackend(frozenset(pairs)),
        )
        self._cache: dict[str, tuple[float, dict[str, Any]]] = {}

    async def fetch(self, url: str) -> dict[str, Any]:
        """The JSON document at ``url`` (an https URL); `MetadataDocumentError` otherwise."""
        if not is_metadata_url(url):
            raise MetadataDocumentError("A client id URL must be https with a path.")
        cached = self._cache.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            async with asyncio.timeout(self._timeout):
                document = await self._download(url)
        except TimeoutError:
            raise MetadataDocumentError("The client's metadata document took too long.") from None
        except (httpcore.ConnectError, httpcore.NetworkError, httpcore.ProtocolError, ssl.SSLError):
            raise MetadataDocumentError(
                "The client's metadata document cannot be fetched."
            ) from None
        if len(self._cache) > 1000:
            self._cache.clear()
        self._cache[url] = (time.monotonic() + self._cache_ttl, document)
        return document

    async def _download(self, url: str) -> dict[str, Any]:
        headers = [(b"Accept", b"application/json"), (b"User-Agent", b"tollgate-auth")]
        async with self._pool.stream("GET", url, headers=headers) as response:
            if response.status != 200:
                raise MetadataDocumentError(
                    f"The client's metadata document answered HTTP {response.status}."
                )
            body = bytearray()
            async for chunk in response.aiter_stream():
                body.extend(chunk)
                if len(body) > self._max_bytes:
                    raise MetadataDocumentError("The client's metadata document is too large.")
        try:
            document = json.loads(bytes(body))
        except ValueError:
            raise MetadataDocumentError("The client's metadata document is not JSON.") from None
        if not isinstance(document, dict):
            raise MetadataDocumentError("The client's metadata document is not a JSON object.")
        return document

    async def close(self) -> None:
        await self._pool.aclose()
