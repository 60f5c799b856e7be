"""The tool catalog: one module per tool, listed here once.

Adding a tool is a new module exposing ``TOOL`` and one line in `CATALOG`.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from tollgate_front.catalog import search_records
from tollgate_front.catalog.base import CatalogTool
from tollgate_front.runtime import FrontRuntime

CATALOG: tuple[CatalogTool, ...] = (search_records.TOOL,)


def register_tools(server: MCPServer[FrontRuntime]) -> None:
    for tool in CATALOG:
        server.add_tool(
            tool.fn, title=tool.title, annotations=tool.annotations, structured_output=True
        )


__all__ = ["CATALOG", "CatalogTool", "register_tools"]
