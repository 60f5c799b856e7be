"""Error texts Odoo builds from the exception's arguments, per protocol and version."""

from __future__ import annotations

import xmlrpc.client
from typing import Any

from tollgate_odoo_sim.exceptions import RedirectWarning
from tollgate_odoo_sim.protocols.errors import jsonrpc_error, xmlrpc_fault, xmlrpc_legacy_fault
from tollgate_odoo_sim.versions import parse_version


def test_jsonrpc_message_joins_the_arguments_until_19(sim: str, version: str, jsonrpc: Any) -> None:
    error = jsonrpc(f"{sim}/jsonrpc", service="no_such_service", method="x", args=[])["error"]
    assert error["data"]["name"] == "builtins.KeyError"
    # exception_to_unicode on 17/18, str() on 19
    expected = "no_such_service" if version != "19.0" else "'no_such_service'"
    assert error["data"]["message"] == expected
    assert error["data"]["arguments"] == ["no_such_service"]


def test_redirect_warning_envelopes() -> None:
    warning = RedirectWarning("Configure a journal first.", 42, "Go to journals", None)
    fault = xmlrpc_fault(warning)
    assert fault.faultCode == 2
    assert fault.faultString == "('Configure a journal first.', 42, 'Go to journals', None)"
    legacy = xmlrpc_legacy_fault(warning)
    assert isinstance(legacy, xmlrpc.client.Fault)
    assert legacy.faultCode == "warning -- Warning\n\n" + fault.faultString  # type: ignore[comparison-overlap]
    data17 = jsonrpc_error(warning, parse_version("17.0"))["data"]
    assert data17["name"] == "odoo.exceptions.RedirectWarning"
    assert data17["message"] == "Configure a journal first.\n42\nGo to journals\nNone"
    assert data17["arguments"] == ["Configure a journal first.", 42, "Go to journals", None]
    assert jsonrpc_error(warning, parse_version("19.0"))["data"]["message"] == fault.faultString
