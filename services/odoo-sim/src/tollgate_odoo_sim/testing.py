"""Run the simulator inside a test: ``with running_simulator("18.0") as url: ...``.

The server runs with uvicorn in a background thread on ``127.0.0.1`` and a free port; the
context manager returns once ``/web/health`` answers and stops the server on exit. Every
simulator starts from fresh demo data (the database lives in memory).
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

from tollgate_odoo_sim.app import create_app
from tollgate_odoo_sim.faults import FaultConfig, Faults
from tollgate_odoo_sim.versions import parse_version

STARTUP_TIMEOUT = 30.0
# Loopback never goes through an HTTP proxy, whatever the environment says.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """Serve *app* on 127.0.0.1:<free port> in a thread; yield its base URL."""
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"odoo-sim:{port}", daemon=True
    )
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, thread)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _wait_healthy(url: str, thread: threading.Thread) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the simulator's server thread stopped during start-up")
        try:
            with _DIRECT.open(f"{url}/web/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise TimeoutError(f"the simulator at {url} did not become healthy in {STARTUP_TIMEOUT}s")


@contextmanager
def running_simulator(
    version: str = "18.0",
    *,
    database: str = "odoo",
    seed_files: Sequence[Path] = (),
    scale: int = 0,
    faults: FaultConfig | None = None,
) -> Iterator[str]:
    """A fresh simulated Odoo of *version* with demo data; yields its base URL."""
    from tollgate_odoo_sim.service import OdooService

    service = OdooService.create(
        parse_version(version), database=database, seed_files=seed_files, scale=scale
    )
    with serving(create_app(service, Faults(faults))) as url:
        yield url
