"""The tools a worker runs; one module per tool, dispatched by `ToolRegistry`."""

from __future__ import annotations

from tollgate_worker.tools.base import Tool, ToolContext, ToolLimits, ToolRegistry, ToolResult
from tollgate_worker.tools.search_records import SearchRecords

__all__ = ["Tool", "ToolContext", "ToolLimits", "ToolRegistry", "ToolResult", "build_registry"]


def build_registry() -> ToolRegistry:
    return ToolRegistry([SearchRecords()])
