"""The MCP server, minus a per-call walk of the tool's input schema that can find nothing.

On protocol 2026-07-28 the SDK checks every ``tools/call`` against the ``Mcp-Param-*`` headers
the called tool declares (``x-mcp-header`` in its input schema), walking the whole schema twice
to find the declarations (~23 us for search_records). A schema that declares none passes that
check whatever the request carries, so for such a tool the server reports no schema to check
against and the walk is skipped; a tool that declares headers is checked as before.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.shared.inbound import X_MCP_HEADER_KEY

from tollgate_front.runtime import FrontRuntime


class TollgateMCPServer(MCPServer[FrontRuntime]):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Input schemas known to declare no header, by tool name (the schema object itself is
        # kept, so a tool whose schema is replaced is looked at again).
        self._headerless: dict[str, object] = {}

    def _tool_input_schema(self, name: str) -> dict[str, Any] | None:
        schema = super()._tool_input_schema(name)
        if schema is None or self._headerless.get(name) is schema:
            return None
        # Anywhere in the text, descriptions included: a false alarm only means the SDK checks.
        if X_MCP_HEADER_KEY in json.dumps(schema):
            return schema
        self._headerless[name] = schema
        return None
