"""The Odoo protocol clients against Odoo-shaped answers: request shapes and error mapping."""

from __future__ import annotations

import json
import socket

import httpx
import pytest
from tollgate_common.errors import ErrorCode
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.client import OdooClient
from tollgate_worker.odoo.errors import (
    OdooAccessDenied,
    OdooAccessError,
    OdooInvalidRequest,
    OdooMissingError,
    OdooProtocolError,
    OdooServerError,
    OdooTimeout,
    OdooUnavailable,
    OdooUserError,
    OdooValidationError,
    error_from_odoo,
)
from tollgate_worker.odoo.json2 import Json2Protocol
from tollgate_worker.odoo.jsonrpc import JsonRpcProtocol
from tollgate_worker.odoo.protocol import OdooUser
from tollgate_worker.odoo.transport import OdooTransport, PoolLimits, count_requests
from tollgate_worker.odoo.xmlrpc import XmlRpcProtocol

DEMO = OdooUser(uid=6, login="demo", api_key="demo-key")


def transport_for(mock: httpx.MockTransport) -> OdooTransport:
    return OdooTransport("http://odoo.test", transport=mock)


def soon() -> Deadline:
    return Deadline(5.0)


@pytest.mark.parametrize("protocol_cls", [JsonRpcProtocol, XmlRpcProtocol, Json2Protocol])
async def test_authenticate_returns_uid_or_refuses(protocol_cls, fake_odoo, mock_transport):
    fake_odoo.version = "19.0"
    protocol = protocol_cls(transport_for(mock_transport), "odoo")
    assert await protocol.authenticate("demo", "demo-key", deadline=soon()) == 6
    with pytest.raises(OdooAccessDenied) as raised:
        await protocol.authenticate("demo", "wrong", deadline=soon())
    assert raised.value.to_tollgate().code is ErrorCode.UNAUTHENTICATED


async def test_jsonrpc_sends_execute_kw_with_keyword_arguments(fake_odoo, mock_transport):
    protocol = JsonRpcProtocol(transport_for(mock_transport), "odoo")
    await protocol.execute(
        DEMO,
        "res.partner",
        "search_read",
        kwargs={"fields": ["name"], "limit": 2},
        context={"lang": "fr_FR"},
        deadline=soon(),
    )
    payload = json.loads(fake_odoo.requests[-1].content)
    assert payload["method"] == "call"
    assert payload["params"]["service"] == "object"
    assert payload["params"]["method"] == "execute_kw"
    assert payload["params"]["args"] == [
        "odoo",
        6,
        "demo-key",
        "res.partner",
        "search_read",
        [],
        {"fields": ["name"], "limit": 2, "context": {"lang": "fr_FR"}},
    ]


async def test_jsonrpc_passes_ids_as_first_positional_argument(fake_odoo, mock_transport):
    protocol = JsonRpcProtocol(transport_for(mock_transport), "odoo")
    await protocol.execute(
        DEMO, "res.users", "read", ids=[6], kwargs={"fields": ["name"]}, deadline=soon()
    )
    assert fake_odoo.object_calls[-1] == ("res.users", "read", [6], {"fields": ["name"]})


async def test_json2_uses_bearer_key_database_header_and_named_arguments(fake_odoo, mock_transport):
    fake_odoo.version = "19.0"
    protocol = Json2Protocol(transport_for(mock_transport), "odoo")
    rows = await protocol.execute(
        DEMO,
        "res.partner",
        "search_read",
        kwargs={"fields": ["name"], "limit": 1},
        deadline=soon(),
    )
    request = fake_odoo.requests[-1]
    assert request.url.path == "/json/2/res.partner/search_read"
    assert request.headers["Authorization"] == "bearer demo-key"
    assert request.headers["X-Odoo-Database"] == "odoo"
    assert json.loads(request.content) == {"fields": ["name"], "limit": 1}
    assert rows == [{"id": 1, "name": "Partner 1"}]


@pytest.mark.parametrize(
    ("name", "message", "expected", "code"),
    [
        (
            "odoo.exceptions.AccessError",
            "You are not allowed to access 'Contact'.",
            OdooAccessError,
            ErrorCode.PERMISSION_DENIED,
        ),
        (
            "odoo.exceptions.MissingError",
            "Record does not exist or has been deleted.",
            OdooMissingError,
            ErrorCode.NOT_FOUND,
        ),
        (
            "odoo.exceptions.ValidationError",
            "The email is invalid.",
            OdooValidationError,
            ErrorCode.VALIDATION_FAILED,
        ),
        ("odoo.exceptions.UserError", "You cannot do that.", OdooUserError, ErrorCode.ODOO_ERROR),
        (
            "builtins.ValueError",
            "Invalid field 'nope' in leaf ('nope', '=', 1)",
            OdooInvalidRequest,
            ErrorCode.INVALID_ARGUMENT,
        ),
        (
            "odoo.exceptions.UserError",
            "Object res.nothing doesn't exist",
            OdooInvalidRequest,
            ErrorCode.INVALID_ARGUMENT,
        ),
    ],
)
@pytest.mark.parametrize("protocol_cls", [JsonRpcProtocol, Json2Protocol, XmlRpcProtocol])
async def test_odoo_errors_become_typed_errors_with_odoos_message(
    protocol_cls, name, message, expected, code, fake_odoo, mock_transport
):
    fake_odoo.version = "19.0"
    fake_odoo.fail_with = (name, message)
    protocol = protocol_cls(transport_for(mock_transport), "odoo")
    if protocol_cls is XmlRpcProtocol and expected in (OdooMissingError, OdooValidationError):
        # /xmlrpc/2 reports every other user error as a "warning" fault (code 2), like Odoo.
        expected, code = OdooUserError, ErrorCode.ODOO_ERROR
    with pytest.raises(expected) as raised:
        await protocol.execute(DEMO, "res.partner", "search_read", kwargs={}, deadline=soon())
    error = raised.value.to_tollgate()
    assert error.code is code
    assert error.message == message
    assert "Traceback" not in error.message


def test_unexpected_odoo_errors_hide_their_message():
    error = error_from_odoo("psycopg2.errors.UndefinedColumn", 'column "secret_value" missing')
    assert isinstance(error, OdooServerError)
    assert "secret_value" not in error.message
    assert "UndefinedColumn" in error.message


async def test_jsonrpc_session_expired_code_means_unauthenticated():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "error": {"code": 100, "message": "Odoo Session Expired", "data": {}},
            },
        )

    protocol = JsonRpcProtocol(transport_for(httpx.MockTransport(handler)), "odoo")
    with pytest.raises(OdooAccessDenied):
        await protocol.execute(DEMO, "res.partner", "search_read", deadline=soon())


async def test_a_server_that_is_not_odoo_is_a_protocol_error():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>Welcome to nginx</html>")

    transport = transport_for(httpx.MockTransport(handler))
    with pytest.raises(OdooProtocolError) as raised:
        await JsonRpcProtocol(transport, "odoo").authenticate("demo", "k", deadline=soon())
    assert "http://odoo.test/jsonrpc" in raised.value.message
    with pytest.raises(OdooProtocolError):
        await XmlRpcProtocol(transport, "odoo").authenticate("demo", "k", deadline=soon())


@pytest.mark.parametrize("status", [502, 503, 504])
async def test_gateway_errors_mean_odoo_is_unavailable(status):
    transport = transport_for(httpx.MockTransport(lambda request: httpx.Response(status)))
    with pytest.raises(OdooUnavailable) as raised:
        await JsonRpcProtocol(transport, "odoo").authenticate("demo", "k", deadline=soon())
    tollgate = raised.value.to_tollgate()
    assert tollgate.code is ErrorCode.UNAVAILABLE
    assert tollgate.retry_after


async def test_refused_connection_is_unavailable_and_names_odoo():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once the socket closes
    transport = OdooTransport(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(OdooUnavailable) as raised:
            await JsonRpcProtocol(transport, "odoo").authenticate("demo", "k", deadline=soon())
    finally:
        await transport.aclose()
    assert f"127.0.0.1:{port}" in raised.value.message


async def test_a_slow_odoo_is_a_timeout():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    transport = transport_for(httpx.MockTransport(handler))
    with pytest.raises(OdooTimeout) as raised:
        await JsonRpcProtocol(transport, "odoo").authenticate("demo", "k", deadline=soon())
    assert raised.value.to_tollgate().code is ErrorCode.DEADLINE_EXCEEDED


async def test_an_expired_deadline_sends_nothing(fake_odoo, mock_transport):
    protocol = JsonRpcProtocol(transport_for(mock_transport), "odoo")
    with pytest.raises(OdooTimeout):
        await protocol.authenticate("demo", "demo-key", deadline=Deadline(0))
    assert fake_odoo.requests == []


async def test_requests_are_counted_per_task(fake_odoo, mock_transport):
    protocol = JsonRpcProtocol(transport_for(mock_transport), "odoo")
    with count_requests() as count:
        await protocol.authenticate("demo", "demo-key", deadline=soon())
        await protocol.execute(DEMO, "res.partner", "fields_get", deadline=soon())
    assert count.value == 2


@pytest.mark.parametrize(
    ("version", "expected"), [("17.0", "jsonrpc"), ("18.0", "jsonrpc"), ("19.0", "json2")]
)
async def test_auto_picks_the_protocol_from_the_version(
    version, expected, fake_odoo, mock_transport
):
    fake_odoo.version = version
    client = OdooClient(transport_for(mock_transport), "odoo", "auto")
    assert client.protocol_name == "auto"
    protocol = await client.protocol(deadline=soon())
    assert protocol.name == expected
    assert (await client.version(deadline=soon())).series == version
    await client.protocol(deadline=soon())
    # The version is asked once per process.
    assert [r.url.path for r in fake_odoo.requests] == ["/web/webclient/version_info"]


async def test_a_forced_protocol_is_used_without_asking_the_version(fake_odoo, mock_transport):
    client = OdooClient(transport_for(mock_transport), "odoo", "xmlrpc")
    assert (await client.protocol(deadline=soon())).name == "xmlrpc"
    assert fake_odoo.requests == []


async def test_version_falls_back_to_common_version(fake_odoo):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/web/webclient/version_info":
            return httpx.Response(404, text="not here")
        return fake_odoo.handler(request)

    client = OdooClient(transport_for(httpx.MockTransport(handler)), "odoo", "auto")
    assert (await client.version(deadline=soon())).major == 18


def test_pool_limits_are_applied():
    transport = OdooTransport("http://odoo.test/", limits=PoolLimits(max_connections=3))
    assert transport.base_url == "http://odoo.test"
