"""What every Odoo protocol client offers the rest of the worker.

Tools call methods with keyword arguments only (``ids`` apart), because JSON-2 names every argument;
JSON-RPC and XML-RPC pass the same keywords through ``execute_kw``. So one tool works unchanged on
every protocol.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.errors import OdooProtocolError, error_from_odoo
from tollgate_worker.odoo.transport import OdooTransport

ProtocolName = Literal["jsonrpc", "json2", "xmlrpc"]


@dataclass(frozen=True, slots=True)
class OdooUser:
    """An authenticated Odoo user: calls run with this uid and this user's own API key."""

    uid: int
    login: str
    api_key: str = field(repr=False)


class OdooProtocol(ABC):
    """One way of talking to Odoo (JSON-RPC, JSON-2, XML-RPC)."""

    name: ClassVar[ProtocolName]

    def __init__(self, transport: OdooTransport, database: str) -> None:
        self._transport = transport
        self._database = database

    @abstractmethod
    async def authenticate(self, login: str, api_key: str, *, deadline: Deadline) -> int:
        """The uid of ``login`` if ``api_key`` is its key (or password); else `OdooAccessDenied`."""

    @abstractmethod
    async def execute(
        self,
        user: OdooUser,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        deadline: Deadline,
        idempotent: bool = False,
    ) -> Any:
        """Call ``model.method`` as ``user`` (on ``ids`` when given) and return Odoo's result.

        ``idempotent`` marks a read: it may be sent again after a connection failure."""

    @abstractmethod
    async def server_version(self, *, deadline: Deadline) -> dict[str, Any]:
        """Odoo's ``common.version()``: ``server_version``, ``server_version_info``, ..."""


class ExecuteKwProtocol(OdooProtocol):
    """The RPC protocols (JSON-RPC, XML-RPC): ``common`` and ``object`` services, positional args.

    Subclasses only encode a call and decode its answer (`_call`); the Odoo methods are shared."""

    @abstractmethod
    async def _call(
        self,
        service: str,
        method: str,
        args: list[Any],
        *,
        deadline: Deadline,
        idempotent: bool = True,
    ) -> Any:
        """Call ``service.method(*args)`` and return its result; raise the typed error."""

    async def authenticate(self, login: str, api_key: str, *, deadline: Deadline) -> int:
        uid = await self._call(
            "common", "authenticate", [self._database, login, api_key, {}], deadline=deadline
        )
        if isinstance(uid, bool) or not isinstance(uid, int):
            raise error_from_odoo("odoo.exceptions.AccessDenied", "")
        return uid

    async def execute(
        self,
        user: OdooUser,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        deadline: Deadline,
        idempotent: bool = False,
    ) -> Any:
        call_kwargs = dict(kwargs or {})
        if context:
            call_kwargs["context"] = dict(context)
        args = [list(ids)] if ids is not None else []
        return await self._call(
            "object",
            "execute_kw",
            [self._database, user.uid, user.api_key, model, method, args, call_kwargs],
            deadline=deadline,
            idempotent=idempotent,
        )

    async def server_version(self, *, deadline: Deadline) -> dict[str, Any]:
        version = await self._call("common", "version", [], deadline=deadline)
        if not isinstance(version, dict):
            raise OdooProtocolError("Odoo's common.version() did not describe the server.")
        return version
