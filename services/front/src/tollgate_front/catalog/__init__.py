"""The tool catalog: tools grouped by family in modules, listed here once; resources and prompts.

Adding a tool is a function in a family module, its `CatalogTool`, and one line in `CATALOG`.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool

from tollgate_front.catalog import (
    discovery,
    documents,
    records,
    search_records,
    workflow,
    writing,
)
from tollgate_front.catalog.base import CatalogTool
from tollgate_front.catalog.prompts import register_prompts
from tollgate_front.catalog.resources import register_resources
from tollgate_front.catalog.schemas import compact_schema
from tollgate_front.runtime import FrontRuntime

CATALOG: tuple[CatalogTool, ...] = (
    discovery.LIST_MODELS,
    discovery.DESCRIBE_MODEL,
    search_records.TOOL,
    records.GET_RECORDS,
    records.COUNT_RECORDS,
    records.AGGREGATE_RECORDS,
    writing.CREATE_RECORDS,
    writing.UPDATE_RECORDS,
    writing.DELETE_RECORDS,
    workflow.CALL_METHOD,
    workflow.POST_MESSAGE,
    workflow.SCHEDULE_ACTIVITY,
    documents.RENDER_REPORT,
    documents.EXPORT_RECORDS,
)


def build_tools() -> list[Tool]:
    """The catalog as the SDK's tools, with compact schemas."""
    tools = []
    for entry in CATALOG:
        tool = Tool.from_function(
            entry.fn, title=entry.title, annotations=entry.annotations, structured_output=True
        )
        tool.parameters = compact_schema(tool.parameters)
        if tool.fn_metadata.output_schema is not None:
            tool.fn_metadata.output_schema = compact_schema(
                tool.fn_metadata.output_schema, inputs=False
            )
        # Every tool builds its structuredContent by dumping an instance of its result model
        # (`structured`), so the SDK validating that dump against the same model again is
        # work without a purpose; the schema stays published.
        tool.fn_metadata.output_model = None
        tools.append(tool)
    return tools


def register_resources_and_prompts(server: MCPServer[FrontRuntime]) -> None:
    """Register the catalog's resources and prompts (its tools go to MCPServer(tools=...))."""
    register_resources(server)
    register_prompts(server)


__all__ = [
    "CATALOG",
    "CatalogTool",
    "build_tools",
    "register_resources_and_prompts",
]
