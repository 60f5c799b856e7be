"""The front as an MCP client sees it: tools, results and errors, on both protocol revisions."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from mcp_types import TextContent
from tollgate.v1 import policy_pb2

if TYPE_CHECKING:
    from conftest import Stack

# "legacy" is the initialize handshake, which negotiates 2025-11-25 with this server.
PROTOCOLS = {"2026-07-28": "2026-07-28", "legacy": "2025-11-25"}


@pytest.mark.parametrize("mode", PROTOCOLS)
async def test_lists_search_records_with_schemas_and_hints(stack: Stack, mode: str) -> None:
    async with stack.client(mode=mode) as client:
        assert client.protocol_version == PROTOCOLS[mode]
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    tool = tools["search_records"]
    assert tool.description is not None
    assert "Odoo" in tool.description
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is True
    assert tool.annotations.destructive_hint is False
    schema = tool.input_schema
    assert schema["required"] == ["model"]
    assert "pattern" in schema["properties"]["model"]
    assert '"maximum": 200' in json.dumps(schema["properties"]["limit"])
    assert tool.output_schema is not None
    assert {"records", "has_more", "next_cursor"} <= set(tool.output_schema["properties"])


@pytest.mark.parametrize("mode", PROTOCOLS)
async def test_search_records_goes_through_policy_and_worker(stack: Stack, mode: str) -> None:
    async with stack.client(mode=mode) as client:
        result = await client.call_tool(
            "search_records",
            {"model": "res.partner", "domain": [["is_company", "=", True]], "limit": 2},
        )
    assert not result.is_error
    assert result.structured_content is not None
    assert result.structured_content["records"] == list(stack.partners[:2])
    assert result.structured_content["has_more"] is True
    assert result.structured_content["next_cursor"] == "2"
    # Clients that read only text get the same JSON.
    assert isinstance(result.content[0], TextContent)
    assert json.loads(result.content[0].text) == result.structured_content

    (authorized,) = stack.policy.authorized
    assert authorized.principal.tenant == "acme"
    assert (authorized.call.tool, authorized.call.model, authorized.call.operation) == (
        "search_records",
        "res.partner",
        "read",
    )
    (executed,) = stack.worker.requests
    assert executed.principal.credential.ciphertext == b"sealed"
    assert json.loads(executed.call.arguments_json) == {
        "model": "res.partner",
        "domain": [["is_company", "=", True]],
        "limit": 2,
    }
    await stack.policy.outcome_recorded.wait()
    (outcome,) = stack.policy.outcomes
    assert outcome.outcome == policy_pb2.OUTCOME_SUCCESS
    assert outcome.decision_id == "d-1"
    assert outcome.record_count == 2
    assert outcome.principal.subject == "key:dev"
    assert not outcome.principal.HasField("credential")


async def test_worker_error_becomes_a_tool_error_in_plain_words(stack: Stack) -> None:
    async with stack.client() as client:
        result = await client.call_tool("search_records", {"model": "secret.model"})
    assert result.is_error
    assert isinstance(result.content[0], TextContent)
    text = result.content[0].text
    assert "not allowed to access 'Secret'" in text
    assert "Ask your Odoo administrator" in text
    assert "Traceback" not in text
    await stack.policy.outcome_recorded.wait()
    assert stack.policy.outcomes[0].outcome == policy_pb2.OUTCOME_ERROR
    assert stack.policy.outcomes[0].error_reason == "PERMISSION_DENIED"


async def test_invalid_arguments_never_reach_policy_or_worker(stack: Stack) -> None:
    async with stack.client() as client:
        bad_model = await client.call_tool("search_records", {"model": "Robert'); DROP"})
        bad_domain = await client.call_tool(
            "search_records", {"model": "res.partner", "domain": [["name", "sounds like", "x"]]}
        )
        bad_limit = await client.call_tool("search_records", {"model": "res.partner", "limit": 0})
    assert [bad_model.is_error, bad_domain.is_error, bad_limit.is_error] == [True, True, True]
    assert stack.policy.authorized == []
    assert stack.worker.requests == []


async def test_policy_denial_is_a_tool_error(stack: Stack) -> None:
    stack.policy.denied_tools.add("search_records")
    async with stack.client() as client:
        result = await client.call_tool("search_records", {"model": "res.partner"})
    assert result.is_error
    assert isinstance(result.content[0], TextContent)
    assert "policy does not allow search_records" in result.content[0].text
    assert stack.worker.requests == []
    await stack.policy.outcome_recorded.wait()
    assert stack.policy.outcomes[0].outcome == policy_pb2.OUTCOME_DENIED


async def test_dead_worker_gives_a_clear_error_quickly(stack: Stack) -> None:
    async with stack.client("globex", stack.other_tenant_token) as client:
        result = await client.call_tool("search_records", {"model": "res.partner"})
    assert result.is_error
    assert isinstance(result.content[0], TextContent)
    assert "worker of tenant 'globex' is unavailable" in result.content[0].text
    # "unavailable", not "did not answer in time": a refused connection fails at once instead
    # of waiting for the tool deadline.


async def test_token_verification_is_cached(stack: Stack) -> None:
    async with stack.client() as client:
        await client.list_tools()
        await client.call_tool("search_records", {"model": "res.partner"})
    assert stack.auth.calls == 1


@pytest.mark.parametrize("mode", PROTOCOLS)
async def test_tools_list_shows_only_what_policy_allows(stack: Stack, mode: str) -> None:
    stack.policy.denied_tools.add("search_records")
    async with stack.client(mode=mode) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
    assert "search_records" not in names
    assert names, "the other tools stay visible"
