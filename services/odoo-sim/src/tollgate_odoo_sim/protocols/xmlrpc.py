"""XML-RPC: ``/xmlrpc/2/<service>`` (integer fault codes) and ``/xmlrpc/<service>`` (string codes).

Marshalling follows Odoo's: ``None`` is refused (``allow_none=False``, so a method returning
None fails over XML-RPC exactly as on a real server), dates and datetimes travel as strings,
bytes as text, and XML-forbidden control characters are dropped from strings.
"""

from __future__ import annotations

import xmlrpc.client
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from tollgate_odoo_sim.protocols.errors import xmlrpc_fault, xmlrpc_legacy_fault
from tollgate_odoo_sim.protocols.runtime import Runtime
from tollgate_odoo_sim.protocols.services import dispatch_rpc

# 0 to 31, except tab, newline and carriage return: XML 1.0 forbids them.
_CONTROL_CHARACTERS = dict.fromkeys(set(range(32)) - {9, 10, 13})


def odoo_values(value: Any) -> Any:
    """Convert *value* the way Odoo's marshaller does before it becomes XML."""
    if isinstance(value, str):
        return value.translate(_CONTROL_CHARACTERS)
    if isinstance(value, bytes):
        return value.decode().translate(_CONTROL_CHARACTERS)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, list | tuple):
        return [odoo_values(item) for item in value]
    if isinstance(value, dict):
        return {key: odoo_values(item) for key, item in value.items()}
    return value


def dumps(payload: tuple[Any, ...] | xmlrpc.client.Fault) -> str:
    if not isinstance(payload, xmlrpc.client.Fault):
        payload = tuple(odoo_values(item) for item in payload)
    # methodresponse=True wraps the value; allow_none=False like Odoo, so None is an error.
    return xmlrpc.client.dumps(payload, methodresponse=True, allow_none=False)


def _xml_response(text: str) -> Response:
    return Response(text, media_type="text/xml")


def _handler(
    fault: Callable[[BaseException], xmlrpc.client.Fault],
) -> Callable[[Request], Any]:
    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        service_name = request.path_params["service"]
        data = await request.body()

        def call() -> str:
            params, method = xmlrpc.client.loads(data, use_datetime=True)
            if method is None:
                raise ValueError("no method name in the XML-RPC request")
            result = dispatch_rpc(runtime.service, service_name, method, params)
            return dumps((result,))

        try:
            return _xml_response(await runtime.call(call))
        except Exception as exc:
            return _xml_response(dumps(fault(exc)))

    return endpoint


xmlrpc_2 = _handler(xmlrpc_fault)
xmlrpc_1 = _handler(xmlrpc_legacy_fault)
