"""Odoo's XML-RPC API (``/xmlrpc/2/common``, ``/xmlrpc/2/object``): the fallback protocol.

Faults carry integer codes: 3 for a refused login, 4 for an access error, 2 for any other user
error (warning) and 1 for everything else, with a traceback as the fault string whose last line
names the exception. Only that last line is read.
"""

from __future__ import annotations

import xmlrpc.client
from typing import Any, ClassVar, Final
from xml.parsers.expat import ExpatError

from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.errors import OdooError, error_from_odoo
from tollgate_worker.odoo.protocol import ExecuteKwProtocol, ProtocolName

FAULT_APPLICATION_ERROR: Final = 1
FAULT_WARNING: Final = 2
FAULT_ACCESS_DENIED: Final = 3
FAULT_ACCESS_ERROR: Final = 4


def _last_line_error(text: str) -> OdooError:
    """The error named by the last line of a traceback (``odoo.exceptions.X: message``)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    name, sep, message = last.partition(": ")
    name = name.strip()
    if not sep or " " in name:
        return error_from_odoo("", "")
    if "." not in name:
        name = f"builtins.{name}"
    return error_from_odoo(name, message)


def error_from_fault(fault: xmlrpc.client.Fault) -> OdooError:
    code, text = fault.faultCode, str(fault.faultString)
    if code == FAULT_ACCESS_DENIED:
        return error_from_odoo("odoo.exceptions.AccessDenied", text)
    if code == FAULT_ACCESS_ERROR:
        return error_from_odoo("odoo.exceptions.AccessError", text)
    if code == FAULT_WARNING:
        return error_from_odoo("odoo.exceptions.UserError", text)
    return _last_line_error(text)


class XmlRpcProtocol(ExecuteKwProtocol):
    name: ClassVar[ProtocolName] = "xmlrpc"

    async def _call(
        self,
        service: str,
        method: str,
        args: list[Any],
        *,
        deadline: Deadline,
        idempotent: bool = True,
    ) -> Any:
        body = xmlrpc.client.dumps(tuple(args), methodname=method, allow_none=True).encode()
        response = await self._transport.post(
            f"/xmlrpc/2/{service}",
            body,
            content_type="text/xml",
            deadline=deadline,
            idempotent=idempotent,
        )
        if response.status_code != 200:
            raise self._transport.unexpected(response, "an XML-RPC call")
        try:
            (result,), _ = xmlrpc.client.loads(response.content, use_builtin_types=True)
        except xmlrpc.client.Fault as fault:
            raise error_from_fault(fault) from None
        except (ExpatError, ValueError, xmlrpc.client.ResponseError):
            raise self._transport.unexpected(response, "an XML-RPC call") from None
        return result
