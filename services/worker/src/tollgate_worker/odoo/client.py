"""The tenant's Odoo as the rest of the worker sees it: one transport, one protocol, one version.

``protocol="auto"`` picks JSON-2 on Odoo 19 and later and JSON-RPC before, from the version Odoo
reports on the first call that needs it (start-up never waits for Odoo, which may be down).
The version is asked once per process; a failed attempt is retried on the next call.
"""

from __future__ import annotations

import asyncio
from typing import Final, Literal

from tollgate_common.odoo_version import VERSION_INFO_PATH, OdooVersion
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.errors import OdooInvalidRequest, OdooProtocolError
from tollgate_worker.odoo.json2 import Json2Protocol
from tollgate_worker.odoo.jsonrpc import JsonRpcProtocol, call_json_route
from tollgate_worker.odoo.protocol import OdooProtocol, ProtocolName
from tollgate_worker.odoo.transport import OdooTransport
from tollgate_worker.odoo.xmlrpc import XmlRpcProtocol

ProtocolChoice = Literal["auto", "jsonrpc", "json2", "xmlrpc"]

_PROTOCOLS: Final[dict[ProtocolName, type[OdooProtocol]]] = {
    "jsonrpc": JsonRpcProtocol,
    "json2": Json2Protocol,
    "xmlrpc": XmlRpcProtocol,
}


class OdooClient:
    """Owns the tenant's transport; create once per process and `aclose` on shutdown."""

    def __init__(self, transport: OdooTransport, database: str, protocol: ProtocolChoice) -> None:
        self.transport = transport
        self.database = database
        self.protocol_choice: ProtocolChoice = protocol
        self._protocol: OdooProtocol | None = (
            None if protocol == "auto" else _PROTOCOLS[protocol](transport, database)
        )
        self._version: OdooVersion | None = None
        self._version_lock = asyncio.Lock()

    @property
    def protocol_name(self) -> str:
        """The protocol in use, or "auto" while it is not yet detected."""
        return self._protocol.name if self._protocol is not None else "auto"

    async def version(self, *, deadline: Deadline) -> OdooVersion:
        if self._version is None:
            async with self._version_lock:
                if self._version is None:
                    self._version = await self._fetch_version(deadline=deadline)
        return self._version

    async def protocol(self, *, deadline: Deadline) -> OdooProtocol:
        if self._protocol is None:
            version = await self.version(deadline=deadline)
            name: ProtocolName = "json2" if version.has_json2 else "jsonrpc"
            self._protocol = _PROTOCOLS[name](self.transport, self.database)
        return self._protocol

    async def _fetch_version(self, *, deadline: Deadline) -> OdooVersion:
        try:
            payload = await call_json_route(
                self.transport, VERSION_INFO_PATH, {}, deadline=deadline, request_id=0
            )
        except (OdooProtocolError, OdooInvalidRequest):
            # Not served there (a proxy exposing only the RPC endpoints): ask the RPC service.
            fallback = self._protocol or JsonRpcProtocol(self.transport, self.database)
            payload = await fallback.server_version(deadline=deadline)
        try:
            return OdooVersion.from_payload(payload)
        except ValueError as error:
            raise OdooProtocolError(str(error)) from None

    async def aclose(self) -> None:
        await self.transport.aclose()
