"""The `tollgate` command's own logic: arguments, snippets, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tollgate_cli.__main__ import app
from tollgate_cli.devstack.banner import client_snippets
from tollgate_cli.remote import parse_arguments
from tollgate_cli.stack_file import TenantEndpoint
from typer.testing import CliRunner

TENANT = TenantEndpoint(
    name="acme",
    mcp_url="http://127.0.0.1:8000/t/acme/mcp",
    api_key="tg_dev_secret",
    odoo_url="http://127.0.0.1:8069",
    odoo_login="demo",
    simulator_version="18.0",
)


def test_arguments_are_json_when_they_can_be() -> None:
    assert parse_arguments(
        ["model=res.partner", "limit=5", 'domain=[["is_company","=",true]]', "order=name desc"]
    ) == {
        "model": "res.partner",
        "limit": 5,
        "domain": [["is_company", "=", True]],
        "order": "name desc",
    }


def test_an_argument_without_equals_is_refused() -> None:
    with pytest.raises(ValueError, match="'limit' is not key=value"):
        parse_arguments(["limit"])


def test_snippets_carry_the_url_and_key() -> None:
    snippets = client_snippets(TENANT)
    claude_code = snippets["Claude Code"]
    assert claude_code.startswith("claude mcp add --transport http acme http://127.0.0.1:8000/")
    assert '--header "Authorization: Bearer tg_dev_secret"' in claude_code
    cursor = json.loads(snippets["Cursor (~/.cursor/mcp.json)"])
    assert cursor["mcpServers"]["acme"]["url"] == TENANT.mcp_url
    desktop = json.loads(next(v for k, v in snippets.items() if k.startswith("Claude Desktop")))
    server = desktop["mcpServers"]["acme"]
    assert server["args"] == ["connect", TENANT.mcp_url]
    assert server["env"] == {"TOLLGATE_API_KEY": "tg_dev_secret"}


def test_call_without_a_stack_or_url_says_what_to_do(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["call", "search_records", "model=res.partner", "--state-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "make dev" in result.output


def test_call_to_a_closed_port_is_a_clear_error() -> None:
    result = CliRunner().invoke(
        app,
        ["call", "search_records", "model=res.partner", "--url", "http://127.0.0.1:9/t/x/mcp"],
    )
    assert result.exit_code == 1
    assert "cannot reach http://127.0.0.1:9/t/x/mcp" in result.output
