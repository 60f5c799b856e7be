"""The tools a worker runs; one module per family, dispatched by `ToolRegistry`."""

from __future__ import annotations

from tollgate_worker.tools.aggregate_records import AggregateRecords
from tollgate_worker.tools.base import Tool, ToolContext, ToolLimits, ToolRegistry, ToolResult
from tollgate_worker.tools.discovery import DescribeModel, ListModels
from tollgate_worker.tools.documents import ExportRecords, RenderReport
from tollgate_worker.tools.records import CountRecords, GetRecords
from tollgate_worker.tools.search_records import SearchRecords
from tollgate_worker.tools.tenant import DescribeTenant
from tollgate_worker.tools.workflow import CallMethod, PostMessage, ScheduleActivity
from tollgate_worker.tools.writing import CreateRecords, DeleteRecords, UpdateRecords

__all__ = ["Tool", "ToolContext", "ToolLimits", "ToolRegistry", "ToolResult", "build_registry"]


def build_registry() -> ToolRegistry:
    return ToolRegistry(
        [
            ListModels(),
            DescribeModel(),
            SearchRecords(),
            GetRecords(),
            CountRecords(),
            AggregateRecords(),
            CreateRecords(),
            UpdateRecords(),
            DeleteRecords(),
            CallMethod(),
            PostMessage(),
            ScheduleActivity(),
            RenderReport(),
            ExportRecords(),
            DescribeTenant(),
        ]
    )
