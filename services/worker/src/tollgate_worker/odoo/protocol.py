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


def execute_kw_arguments(
    ids: Sequence[int] | None, kwargs: Mapping[str, Any] | None, context: Mapping[str, Any] | None
) -> tuple[list[Any], dict[str, Any]]:
    """``execute_kw``'s positional and keyword arguments (the RPC protocols share this shape)."""
    call_kwargs = dict(kwargs or {})
    if context:
        call_kwargs["context"] = dict(context)
    return ([list(ids)] if ids is not None else []), call_kwargs
