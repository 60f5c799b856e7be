"""Running a gRPC service's main coroutine on uvloop.

uvloop (libuv) does the event loop's own work (polling, callbacks, socket writes) in C. For a
service whose calls take a fraction of a millisecond, that loop work is a visible share of each
call's CPU (about 5% of the worker's and policy's, measured with bench/tools.py). grpc.aio runs on
it unchanged: it only needs ``add_reader`` and ordinary futures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` on a uvloop event loop."""
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
