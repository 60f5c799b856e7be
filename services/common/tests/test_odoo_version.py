"""The credential-free version probe against the Odoo simulator and against servers that are not
Odoo: a version, or None, never an exception."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from tollgate_common.odoo_version import (
    MAX_ANSWER_BYTES,
    VERSION_INFO_PATH,
    OdooVersion,
    probe_odoo_version,
)
from tollgate_odoo_sim.testing import running_simulator, serving


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10, trust_env=False) as client:
        yield client


@pytest.mark.parametrize("series", ["17.0", "18.0", "19.0"])
async def test_every_supported_odoo_names_its_series(
    series: str, client: httpx.AsyncClient
) -> None:
    with running_simulator(series) as url:
        assert await probe_odoo_version(url, client=client) == series
        assert await probe_odoo_version(url + "/", client=client) == series


def _answering(status: int, body: bytes, content_type: str = "application/json") -> Starlette:
    async def version_info(request: Request) -> Response:
        return Response(body, status_code=status, media_type=content_type)

    async def health(request: Request) -> Response:
        return Response("{}", media_type="application/json")

    return Starlette(
        routes=[
            Route(VERSION_INFO_PATH, version_info, methods=["POST"]),
            Route("/web/health", health),
        ]
    )


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, b"<html>Not Found</html>"),  # not an Odoo (or an Odoo behind a path prefix)
        (200, b"<html>a login page</html>"),
        (200, b'{"jsonrpc": "2.0", "id": 0, "error": {"code": 100, "message": "nope"}}'),
        (200, b'{"jsonrpc": "2.0", "id": 0, "result": {"server_serie": "<script>"}}'),
        (200, b'{"result": {"server_version": "18.0", "server_version_info": ["x"]}}'),
        (200, b'{"result": {"server_serie": "' + b"9" * MAX_ANSWER_BYTES + b'"}}'),
        (200, b"\xff\xfe"),
    ],
    ids=["404", "html", "error", "bad-series", "no-number", "too-long", "not-utf8"],
)
async def test_anything_else_is_none(status: int, body: bytes, client: httpx.AsyncClient) -> None:
    with serving(_answering(status, body)) as url:
        assert await probe_odoo_version(url, client=client) is None


async def test_an_unreachable_odoo_is_none(client: httpx.AsyncClient) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert await probe_odoo_version(f"http://127.0.0.1:{port}", client=client) is None


def test_saas_builds_and_the_rpc_answer_parse() -> None:
    saas = OdooVersion.from_payload(
        {
            "server_version": "saas~18.3+e",
            "server_version_info": ["saas~18", 3, 0, "final", 0, "e"],
            "server_serie": "saas~18.3",
            "protocol_version": 1,
        }
    )
    assert (saas.series, saas.major, saas.has_json2) == ("saas~18.3", 18, False)
    assert OdooVersion.from_payload({"server_version": "19.0"}).has_json2
    with pytest.raises(ValueError, match="not an object"):
        OdooVersion.from_payload(["19.0"])
