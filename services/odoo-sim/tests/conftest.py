"""Shared fixtures: running simulators (one per Odoo version, started on first use), RPC helpers."""

from __future__ import annotations

import gc
import warnings
import xmlrpc.client
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tollgate_odoo_sim.testing import running_simulator

if TYPE_CHECKING:
    from tollgate_odoo_sim.addons.demo import DemoUser

VERSIONS = ("17.0", "18.0", "19.0")
DB = "odoo"


class SimulatorPool:
    """Starts at most one simulator per version for the whole session, on first request."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._urls: dict[str, str] = {}

    def url(self, version: str) -> str:
        if version not in self._urls:
            self._urls[version] = self._stack.enter_context(running_simulator(version))
        return self._urls[version]


@pytest.fixture(scope="session")
def simulators() -> Iterator[SimulatorPool]:
    with ExitStack() as stack:
        yield SimulatorPool(stack)


@pytest.fixture(scope="session")
def sim17(simulators: SimulatorPool) -> str:
    return simulators.url("17.0")


@pytest.fixture(scope="session")
def sim18(simulators: SimulatorPool) -> str:
    return simulators.url("18.0")


@pytest.fixture(scope="session")
def sim19(simulators: SimulatorPool) -> str:
    return simulators.url("19.0")


@pytest.fixture(params=VERSIONS)
def version(request: pytest.FixtureRequest) -> str:
    """Parametrise a test over every simulated Odoo version."""
    return str(request.param)


@pytest.fixture
def sim(simulators: SimulatorPool, version: str) -> str:
    """The base URL of the simulator of the parametrised *version*."""
    return simulators.url(version)


@pytest.fixture(scope="session")
def users() -> dict[str, DemoUser]:
    """The demo users by login (admin, demo, viewer, chicago)."""
    from tollgate_odoo_sim.addons.demo import DEMO_USERS

    return {user.login: user for user in DEMO_USERS}


JsonRpc = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def jsonrpc() -> JsonRpc:
    """POST a JSON-RPC ``call`` to *url* with *params*; return the whole decoded envelope."""

    def call(
        url: str, request_id: Any = 1, client: httpx.Client | None = None, **params: Any
    ) -> Any:
        payload = {"jsonrpc": "2.0", "method": "call", "params": params, "id": request_id}
        post = client.post if client is not None else httpx.post
        response = post(url, json=payload, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    return call


@pytest.fixture(scope="session")
def xmlrpc_proxy() -> Callable[[str, str], xmlrpc.client.ServerProxy]:
    """``xmlrpc_proxy(base_url, "common")`` -> a proxy on ``/xmlrpc/2/common``."""

    def proxy(base_url: str, service: str) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"{base_url}/xmlrpc/2/{service}", allow_none=True)

    return proxy


@pytest.fixture(scope="module")
def _collect_client_sockets() -> Iterator[None]:
    """At the end of a module, close the sockets its client libraries dropped without closing.

    xmlrpc.client and the libraries built on it keep HTTP/1.1 connections open until garbage
    collection; those caught in reference cycles (a traceback kept by ``pytest.raises``) would
    otherwise warn later, inside some unrelated test.
    """
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
