"""Each tool declares one operation: its calls ask policy for it, and tools/list sends it to
policy's FilterTools."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tollgate_common.tenants.spec import OPERATIONS
from tollgate_front.catalog import CATALOG
from tollgate_front.catalog.operations import TOOL_OPERATIONS, operation_of

if TYPE_CHECKING:
    from conftest import Stack


@pytest.mark.parametrize("tool", CATALOG, ids=lambda tool: tool.name)
def test_every_tool_declares_an_operation_its_hints_agree_with(tool) -> None:
    assert tool.operation in OPERATIONS
    assert tool.annotations.read_only_hint is (tool.operation == "read")


def test_a_tool_without_an_operation_is_a_clear_error() -> None:
    with pytest.raises(LookupError, match="no_such_tool"):
        operation_of("no_such_tool")


async def test_calls_and_tools_list_send_the_declared_operation(stack: Stack) -> None:
    async with stack.client() as client:
        listed = {tool.name for tool in (await client.list_tools()).tools}
        await client.call_tool("search_records", {"model": "res.partner"})
    assert listed == {tool.name for tool in CATALOG}
    (request,) = stack.policy.filtered
    assert {t.name: t.operation for t in request.tools} == {
        tool.name: TOOL_OPERATIONS[tool.name] for tool in CATALOG
    }
    (authorized,) = stack.policy.authorized
    assert authorized.call.operation == operation_of("search_records") == "read"
