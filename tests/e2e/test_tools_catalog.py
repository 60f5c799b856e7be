"""Every tool end to end: a real MCP client -> front -> auth -> policy -> worker -> simulated Odoo
17.0 (JSON-RPC), 18.0 (JSON-RPC) and 19.0 (JSON-2), all started by `tollgate dev`.

The tenants (tests/e2e/tools_tenants) allow every tool, one workflow method and two business
words; the calls run as the dev user `demo` (a salesperson of the first company only).
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp.client import Client
from mcp_types import BlobResourceContents, EmbeddedResource, TextContent, TextResourceContents
from tollgate_cli.remote import connect
from tollgate_cli.stack_file import TenantEndpoint
from tollgate_cli.testing import DevStack, running_dev_stack
from tollgate_odoo_sim.addons.demo import DEMO_USERS

pytestmark = pytest.mark.e2e

TENANTS_DIR = Path(__file__).parent / "tools_tenants"
TENANTS = ["t17", "t18", "t19"]
TOOLS = {
    "list_models",
    "describe_model",
    "search_records",
    "get_records",
    "count_records",
    "aggregate_records",
    "create_records",
    "update_records",
    "delete_records",
    "call_method",
    "post_message",
    "schedule_activity",
    "render_report",
    "export_records",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    # auth's OAuth pages default to port 8001; a free one keeps this stack apart from others.
    previous = os.environ.get("TOLLGATE_AUTH_HTTP_PORT")
    os.environ["TOLLGATE_AUTH_HTTP_PORT"] = "0"
    try:
        with running_dev_stack(tmp_path_factory.mktemp("tools"), tenants_dir=TENANTS_DIR) as s:
            yield s
    finally:
        if previous is None:
            os.environ.pop("TOLLGATE_AUTH_HTTP_PORT", None)
        else:
            os.environ["TOLLGATE_AUTH_HTTP_PORT"] = previous


@pytest.fixture(params=TENANTS)
def endpoint(stack: DevStack, request: pytest.FixtureRequest) -> TenantEndpoint:
    return stack.info.tenants[request.param]


async def call(client: Client, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def error(client: Client, tool: str, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    assert isinstance(result.content[0], TextContent)
    text = result.content[0].text
    assert "Traceback" not in text
    return text


def size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


async def test_the_catalog_is_listed_with_schemas_and_hints(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        listed = await client.list_tools()
        tools = {tool.name: tool for tool in listed.tools}
        assert set(tools) == TOOLS
        for tool in tools.values():
            assert tool.output_schema is not None, tool.name
            assert tool.annotations is not None, tool.name
        assert tools["search_records"].annotations.read_only_hint is True
        assert tools["delete_records"].annotations.destructive_hint is True
        assert tools["create_records"].annotations.idempotent_hint is False
        assert tools["update_records"].annotations.idempotent_hint is True
        assert tools["call_method"].annotations.destructive_hint is True
        payload = listed.model_dump(mode="json", by_alias=True, exclude_none=True)
        assert size(payload) <= 16 * 1024


async def test_discovery_with_business_words(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        models = await call(client, "list_models", {"search": "partner"})
        partner = next(m for m in models["models"] if m["model"] == "res.partner")
        assert partner["aliases"] == ["customers"]
        described = await call(client, "describe_model", {"model": "customers"})
        assert described["model"] == "res.partner"
        assert described["fields"]["name"]["type"] == "char"
        assert described["fields"]["country_id"]["relation"] == "res.country"
        assert "message_ids" not in described["fields"]
        assert size(described) <= 8 * 1024


async def test_search_pages_with_a_cursor_and_links(
    endpoint: TenantEndpoint, stack: DevStack
) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        first = await call(
            client, "search_records", {"model": "customers", "limit": 3, "order": "id"}
        )
        assert first["count"] == 3
        assert all(record["is_company"] is True for record in first["records"])  # the word's domain
        assert first["has_more"] is True
        assert first["next_cursor"]
        second = await call(
            client,
            "search_records",
            {"model": "customers", "limit": 3, "order": "id", "cursor": first["next_cursor"]},
        )
        first_ids = [r["id"] for r in first["records"]]
        second_ids = [r["id"] for r in second["records"]]
        assert not set(first_ids) & set(second_ids)
        assert max(first_ids) < min(second_ids)
        record = first["records"][0]
        link = (
            f"/web#id={record['id']}&model=res.partner&view_type=form"
            if endpoint.simulator_version == "17.0"
            else f"/odoo/res.partner/{record['id']}"
        )
        assert record["url"] == endpoint.odoo_url + link
        misuse = await error(
            client, "search_records", {"model": "sale.order", "cursor": first["next_cursor"]}
        )
        assert "cursor belongs to another search" in misuse


async def test_reads_are_shaped(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        leads = await call(client, "search_records", {"model": "crm.lead", "limit": 50})
        assert size(leads) <= 12 * 1024
        lead = leads["records"][0]
        assert set(lead) >= {"id", "name", "stage_id", "url"}
        assert set(lead["stage_id"]) == {"id", "name"}
        assert isinstance(lead["expected_revenue"], float)
        assert lead["currency"] == "USD"
        got = await call(
            client,
            "get_records",
            {
                "model": "crm.lead",
                "ids": [lead["id"]],
                "fields": ["description", "tag_ids", "date_open"],
            },
        )
        record = got["records"][0]
        assert "<p>" not in (record["description"] or "")
        assert set(record["tag_ids"]) == {"count", "ids"}
        assert record["date_open"] is None or record["date_open"].endswith("Z")


async def test_count_and_aggregate(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        count = await call(client, "count_records", {"model": "sale.order"})
        assert count["count"] > 0
        totals = await call(
            client,
            "aggregate_records",
            {
                "model": "sale.order",
                "groupby": ["partner_id", "date_order:month"],
                "aggregates": ["amount_total:sum"],
                "order": "amount_total:sum desc",
            },
        )
        groups = totals["groups"]
        assert sum(group["count"] for group in groups) == count["count"]
        sums = [group["amount_total:sum"] for group in groups]
        assert sums == sorted(sums, reverse=True)
        assert set(groups[0]["partner_id"]) == {"id", "name"}
        assert isinstance(groups[0]["date_order:month"], str)


async def test_create_update_delete(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        created = await call(
            client,
            "create_records",
            {"model": "res.partner", "records": [{"name": "Tool Test A"}, {"name": "Tool Test B"}]},
        )
        ids = created["ids"]
        assert len(ids) == 2
        assert len(created["urls"]) == 2
        await call(
            client,
            "update_records",
            {"model": "res.partner", "ids": ids, "values": {"city": "Ghent"}},
        )
        read = await call(
            client, "get_records", {"model": "res.partner", "ids": ids, "fields": ["city"]}
        )
        assert [r["city"] for r in read["records"]] == ["Ghent", "Ghent"]
        await call(client, "delete_records", {"model": "res.partner", "ids": ids})
        left = await call(
            client, "count_records", {"model": "res.partner", "domain": [["id", "in", ids]]}
        )
        assert left["count"] == 0


async def test_workflow_and_chatter(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        drafts = await call(
            client,
            "search_records",
            {
                "model": "sale.order",
                "domain": [["state", "=", "draft"]],
                "fields": ["state"],
                "limit": 1,
            },
        )
        order = drafts["records"][0]["id"]
        confirmed = await call(
            client,
            "call_method",
            {"model": "sale.order", "method": "action_confirm", "ids": [order]},
        )
        assert confirmed["ids"] == [order]
        state = await call(
            client, "get_records", {"model": "sale.order", "ids": [order], "fields": ["state"]}
        )
        assert state["records"][0]["state"] == "sale"
        refused = await error(
            client,
            "call_method",
            {"model": "sale.order", "method": "action_cancel", "ids": [order]},
        )
        assert "does not allow calling sale.order.action_cancel" in refused
        posted = await call(
            client, "post_message", {"model": "sale.order", "id": order, "body": "Hi"}
        )
        assert isinstance(posted["message_id"], int)
        scheduled = await call(
            client,
            "schedule_activity",
            {
                "model": "sale.order",
                "id": order,
                "summary": "Call back",
                "date_deadline": "2030-01-31",
            },
        )
        assert scheduled["activity_ids"]


async def test_report_with_an_api_key_is_refused_in_plain_words(endpoint: TenantEndpoint) -> None:
    # Odoo renders PDFs only for a web session, which it never opens with an API key (the dev
    # stack's credential); tests/integration/test_worker_reports.py prints one with a password.
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        orders = await call(
            client, "search_records", {"model": "sale.order", "fields": ["name"], "limit": 1}
        )
        order = orders["records"][0]["id"]
        text = await error(client, "render_report", {"model": "sale.order", "ids": [order]})
        assert "web session" in text
        assert "API key" in text


# Not t19: Odoo 19's JSON-2 API, which the worker speaks there, takes API keys only.
@pytest.mark.parametrize("tenant", ["t17", "t18"])
async def test_report_with_a_password_connection_returns_the_pdf(
    tenant: str, stack: DevStack
) -> None:
    """A connection whose sealed secret is the user's Odoo password (what a person types on the
    login page when they have no API key) gets the PDF: front -> auth -> policy -> worker -> a
    web session on the simulator -> an MCP blob resource."""
    endpoint = stack.info.tenants[tenant]
    password = next(u.password for u in DEMO_USERS if u.login == endpoint.odoo_login)
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).with_name("tollgate")),
        *("keys", "create", "--tenant", endpoint.name, "--subject", "reports@example.com"),
        *("--odoo-login", endpoint.odoo_login, "--auth-address", stack.info.auth_address),
        env={**os.environ, "TOLLGATE_ODOO_API_KEY": password},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    (key,) = re.findall(r"API key \(shown once; store it now\): (\S+)", out.decode())
    async with connect(endpoint.mcp_url, key) as client:
        orders = await call(
            client, "search_records", {"model": "sale.order", "fields": ["name"], "limit": 1}
        )
        order = orders["records"][0]["id"]
        result = await client.call_tool("render_report", {"model": "sale.order", "ids": [order]})
        assert not result.is_error, result.content
        assert result.structured_content is not None
        (blob,) = [block for block in result.content if isinstance(block, EmbeddedResource)]
        assert isinstance(blob.resource, BlobResourceContents)
        assert blob.resource.mime_type == "application/pdf"
        assert str(blob.resource.uri) == result.structured_content["uri"]
        pdf = base64.b64decode(blob.resource.blob)
        assert pdf.startswith(b"%PDF")
        assert len(pdf) == result.structured_content["size"]


async def test_export_streams_progress_and_returns_a_csv(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        progress: list[tuple[float, float | None]] = []

        async def on_progress(done: float, total: float | None, message: str | None) -> None:
            progress.append((done, total))

        result = await client.call_tool(
            "export_records",
            {"model": "res.partner", "fields": ["name", "country_id"], "format": "csv"},
            progress_callback=on_progress,
        )
        assert not result.is_error, result.content
        assert result.structured_content is not None
        rows = result.structured_content["rows"]
        assert rows == result.structured_content["total"]
        assert result.structured_content["complete"]
        embedded = [block for block in result.content if isinstance(block, EmbeddedResource)]
        resource = embedded[0].resource
        assert isinstance(resource, TextResourceContents)
        assert resource.mime_type == "text/csv"
        table = list(csv.DictReader(io.StringIO(resource.text)))
        assert len(table) == rows
        assert {"id", "name", "country_id"} <= set(table[0])
        assert progress
        assert progress[-1][0] == rows


async def test_resources_and_prompts(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        capabilities = json.loads(
            (await client.read_resource("odoo://capabilities")).contents[0].text  # type: ignore[union-attr]
        )
        assert capabilities["odoo_version"] in ("17.0", "18.0", "19.0")
        assert capabilities["protocol"] == (
            "json2" if capabilities["odoo_version"] == "19.0" else "jsonrpc"
        )
        assert capabilities["user"]["login"] == "demo"
        assert {"sale", "crm"} <= {app["name"] for app in capabilities["apps"]}
        only_user = json.loads(
            (await client.read_resource("odoo://capabilities?section=user")).contents[0].text  # type: ignore[union-attr]
        )
        assert set(only_user) == {"user"}
        record = json.loads(
            (await client.read_resource("odoo://records/customers/8")).contents[0].text  # type: ignore[union-attr]
        )
        assert record["id"] == 8
        assert record["name"]
        model = json.loads(
            (await client.read_resource("odoo://models/res.partner")).contents[0].text  # type: ignore[union-attr]
        )
        assert "email" in model["fields"]
        attachment = await call(
            client,
            "create_records",
            {
                "model": "ir.attachment",
                "records": [
                    {
                        "name": "note.txt",
                        "datas": base64.b64encode(b"hello").decode(),
                        "res_model": "res.partner",
                        "res_id": 8,
                    }
                ],
            },
        )
        (content,) = (
            await client.read_resource(f"odoo://attachments/{attachment['ids'][0]}")
        ).contents
        assert isinstance(content, BlobResourceContents)
        assert base64.b64decode(content.blob) == b"hello"
        prompts = {prompt.name for prompt in (await client.list_prompts()).prompts}
        assert prompts == {"overdue_invoices", "pipeline_review"}
        prompt = await client.get_prompt("overdue_invoices", {"days": "30"})
        assert "account.move" in prompt.messages[0].content.text  # type: ignore[union-attr]


async def test_errors_say_what_to_do(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        field = await error(client, "search_records", {"model": "res.partner", "fields": ["emial"]})
        assert "no field 'emial'" in field
        assert "Did you mean: email" in field
        model = await error(client, "search_records", {"model": "res.partnr"})
        assert "no model 'res.partnr'" in model
        assert "res.partner" in model
        word = await error(client, "search_records", {"model": "Clients"})
        assert "business words" in word
        access = await error(
            client, "create_records", {"model": "account.account", "records": [{"name": "X"}]}
        )
        assert "may not create account.account records" in access
        invalid = await error(
            client, "create_records", {"model": "res.partner", "records": [{"email": "x@y.z"}]}
        )
        assert "name" in invalid
        company = await error(
            client, "search_records", {"model": "res.partner", "company_ids": [2]}
        )
        assert "Company 2 is not one of your Odoo companies" in company


async def test_company_context_is_applied(endpoint: TenantEndpoint) -> None:
    async with connect(endpoint.mcp_url, endpoint.api_key) as client:
        own = await call(client, "count_records", {"model": "res.partner", "company_ids": [1]})
        assert own["count"] > 0
