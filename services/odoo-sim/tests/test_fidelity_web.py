"""The web client's ``auth='user'`` routes check the session before they read their params."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.mark.parametrize(
    "path", ["/web/dataset/call_kw", "/web/dataset/call_button", "/web/session/get_session_info"]
)
def test_no_session_is_expired_even_with_bad_params(sim18: str, jsonrpc: Any, path: str) -> None:
    error = jsonrpc(f"{sim18}{path}", nonsense=1)["error"]
    assert (error["code"], error["data"]["name"]) == (100, "odoo.http.SessionExpiredException")
