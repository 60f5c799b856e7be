"""What every protocol handler shares: the service, the session store and the call gate.

The ORM is synchronous and not thread-safe, so every call into the service goes through one
lock; it runs in a worker thread so that a slow call (a report, a search over a large scaled
database) never stalls the event loop that answers health checks and applies injected faults.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

import anyio.to_thread

from tollgate_odoo_sim.protocols.sessions import SessionStore

if TYPE_CHECKING:
    from tollgate_odoo_sim.service import OdooService

P = ParamSpec("P")
R = TypeVar("R")


class Runtime:
    def __init__(self, service: OdooService) -> None:
        self.service = service
        self.version = service.version
        self.sessions = SessionStore()
        self._lock = threading.Lock()

    def _locked(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return func(*args, **kwargs)

    async def call(self, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run *func* (a service call, or a function that makes several) serialised, off-loop."""
        return await anyio.to_thread.run_sync(lambda: self._locked(func, *args, **kwargs))
