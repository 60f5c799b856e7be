"""The Odoo operation each tool performs, declared once.

A tool's calls ask policy's Authorize for this operation, and tools/list sends it to policy's
FilterTools, so a caller is never shown a tool whose every call policy would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from tollgate_common.tenants.spec import Operation

TOOL_OPERATIONS: Final[Mapping[str, Operation]] = MappingProxyType(
    {
        "list_models": "read",
        "describe_model": "read",
        "search_records": "read",
        "get_records": "read",
        "count_records": "read",
        "aggregate_records": "read",
        "create_records": "create",
        "update_records": "write",
        "delete_records": "unlink",
        "call_method": "execute",
        # Chatter and activities change the record's history, so they count as writes on it.
        "post_message": "write",
        "schedule_activity": "write",
        "render_report": "read",
        "export_records": "read",
        # Behind the odoo://capabilities resource; not listed as a tool.
        "describe_tenant": "read",
    }
)


def operation_of(tool: str) -> Operation:
    """The operation ``tool`` performs; a tool without one is a programming error."""
    try:
        return TOOL_OPERATIONS[tool]
    except KeyError:
        raise LookupError(f"the tool {tool!r} declares no operation in TOOL_OPERATIONS") from None
