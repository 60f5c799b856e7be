"""One gRPC call from a command: open a channel, make the call, turn a failure into an exit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import grpc
import typer
from tollgate_common.errors import TollgateError, rpc_errors

S = TypeVar("S")
T = TypeVar("T")


def run_rpc(
    address: str,
    service: str,
    stub: Callable[[grpc.aio.Channel], S],
    call: Callable[[S], Awaitable[T]],
    *,
    fail: Callable[[str], typer.Exit],
) -> T:
    """``call``'s answer from ``service`` at ``address``; its error as ``fail``'s exit."""

    async def go() -> T:
        async with grpc.aio.insecure_channel(address) as channel:
            with rpc_errors(service):
                return await call(stub(channel))

    try:
        return asyncio.run(go())
    except TollgateError as error:
        hint = f" ({error.hint})" if error.hint else ""
        raise fail(f"{error.message}{hint}") from None
