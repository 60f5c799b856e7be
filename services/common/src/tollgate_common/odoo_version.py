"""Which Odoo a server runs, asked with the one request Odoo answers without a login.

``POST /web/webclient/version_info`` carrying an empty JSON-RPC call returns Odoo's
``common.version()`` (``server_version``, ``server_version_info``, ``server_serie``). The route
is ``auth="none"`` on Odoo 17, 18 and 19 (``type="json"`` before 19, ``type="jsonrpc"`` from 19;
both take the JSON-RPC envelope over POST), so it needs no database, session or credential.
``/web/version`` (plain JSON over GET) is what Odoo 19 offers for the same purpose; the route
above is used because every supported series answers it the same way.

The worker sends this request through its own transport (circuit breaker, deadline, request
counts) and reads the answer with `OdooVersion.from_payload`; the operator, which has no
transport of its own, calls `probe_odoo_version`. One request, one parser, two callers.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import httpx

VERSION_INFO_PATH: Final = "/web/webclient/version_info"
# The JSON-RPC envelope Odoo's JSON routes expect; the route takes no parameters.
VERSION_INFO_BODY: Final = json.dumps(
    {"jsonrpc": "2.0", "method": "call", "params": {}, "id": 0}, separators=(",", ":")
).encode()
# A version description is a few hundred bytes; anything much larger is not Odoo answering.
MAX_ANSWER_BYTES: Final = 64 * 1024

_LEADING_NUMBER: Final = re.compile(r"(\d+)")
# What a series looks like ("18.0", "saas~18.3", "19.0+e"): it ends up in a resource's status,
# so an answer that is not one is refused rather than copied there.
_SERIES: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9.~+-]{0,31}")

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OdooVersion:
    """``series`` is Odoo's ``server_serie`` ("18.0", "saas~18.3"); ``major`` its first number."""

    series: str
    major: int
    server_version: str

    @property
    def has_json2(self) -> bool:
        """Odoo 19 introduced the JSON-2 API."""
        return self.major >= 19

    @classmethod
    def from_payload(cls, payload: Any) -> OdooVersion:
        """Read ``common.version()``'s answer; ValueError when it does not describe an Odoo."""
        if not isinstance(payload, Mapping):
            raise ValueError("Odoo's version description is not an object.")
        info = payload.get("server_version_info")
        server_version = str(payload.get("server_version") or "")
        series = str(payload.get("server_serie") or server_version)
        if not _SERIES.fullmatch(series):
            raise ValueError("Odoo's version description names no series.")
        # version_info starts with the major number, or with "saas~18" on SaaS builds.
        first = info[0] if isinstance(info, list | tuple) and info else series
        match = _LEADING_NUMBER.search(str(first))
        if match is None:
            raise ValueError("Odoo's version description names no version number.")
        return cls(series=series, major=int(match.group(1)), server_version=server_version)


async def probe_odoo_version(base_url: str, *, client: httpx.AsyncClient) -> str | None:
    """The series of the Odoo at ``base_url`` ("18.0"), or None when it names none.

    An unreachable or non-Odoo server is a None, never an exception. The client's timeouts
    bound each phase of the request; bound the whole of it with ``asyncio.timeout`` (a server
    dripping its answer could otherwise stretch it).
    """
    url = base_url.rstrip("/") + VERSION_INFO_PATH
    host = urlsplit(base_url).hostname or ""  # never the URL: it may carry a user and password
    try:
        body = await _post(client, url)
    except httpx.HTTPError as error:
        reason = type(error).__name__
        logger.info("odoo version probe failed", extra={"host": host, "reason": reason})
        return None
    if body is None:
        logger.info("odoo version probe failed", extra={"host": host, "reason": "not Odoo"})
        return None
    try:
        envelope = json.loads(body)
        result = envelope.get("result") if isinstance(envelope, dict) else None
        return OdooVersion.from_payload(result).series
    except ValueError as error:  # json.JSONDecodeError is a ValueError too
        logger.info("odoo version probe failed", extra={"host": host, "reason": str(error)})
        return None


async def _post(client: httpx.AsyncClient, url: str) -> bytes | None:
    """The answer's body, or None when it is not a bounded 200 answer."""
    async with client.stream(
        "POST", url, content=VERSION_INFO_BODY, headers={"Content-Type": "application/json"}
    ) as response:
        if response.status_code != 200:
            return None
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                return None
        return bytes(body)
