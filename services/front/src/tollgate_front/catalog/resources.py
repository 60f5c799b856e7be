"""Resources: the tenant's capabilities and ``odoo://`` URIs for models, records and attachments.

Each read is a tool call underneath (``describe_tenant``, ``describe_model``, ``get_records``), so
it passes the same policy, runs as the same user and is audited the same way.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError

from tollgate_front.catalog.base import ToolContext, call_worker, resolve
from tollgate_front.runtime import FrontRuntime

_SECTIONS = ("apps", "companies", "currencies", "user")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def _call(ctx: ToolContext, tool: str, arguments: dict[str, Any], **call: Any) -> Any:
    try:
        return await call_worker(ctx, tool, arguments, **call)
    except ToolError as error:
        raise ResourceError(str(error)) from None


async def capabilities(ctx: ToolContext, section: str | None = None) -> str:
    """This Odoo: version, installed apps, companies, currencies and your user context."""
    data = await _call(ctx, "describe_tenant", {}, model="")
    if section:
        if section not in _SECTIONS:
            raise ResourceError(f"Unknown section {section!r}; use one of {', '.join(_SECTIONS)}.")
        data = {section: data.get(section)}
    return _json(data)


async def model_resource(ctx: ToolContext, model: str) -> str:
    """The fields of an Odoo model (as describe_model gives them)."""
    try:
        target = resolve(ctx, model)
    except ToolError as error:
        raise ResourceError(str(error)) from None
    data = await _call(ctx, "describe_model", {"model": target.model}, model=target.model)
    return _json(data)


def _record_id(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ResourceError(f"{value!r} is not a record id.")
    return int(value)


async def record_resource(ctx: ToolContext, model: str, id: str) -> str:
    """One record with its default fields and a link to it in Odoo."""
    try:
        target = resolve(ctx, model)
    except ToolError as error:
        raise ResourceError(str(error)) from None
    record_id = _record_id(id)
    data = await _call(
        ctx,
        "get_records",
        {"model": target.model, "ids": [record_id]},
        model=target.model,
        record_ids=[record_id],
    )
    records = data.get("records") or []
    if not records:
        raise ResourceError(f"{target.model} {record_id} does not exist or is not visible to you.")
    return _json(records[0])


async def attachment_resource(ctx: ToolContext, id: str) -> bytes:
    """The content of an Odoo attachment (ir.attachment)."""
    record_id = _record_id(id)
    data = await _call(
        ctx,
        "get_records",
        {"model": "ir.attachment", "ids": [record_id], "fields": ["name", "mimetype", "datas"]},
        model="ir.attachment",
        record_ids=[record_id],
    )
    records = data.get("records") or []
    if not records or not records[0].get("datas"):
        raise ResourceError(f"Attachment {record_id} has no content you can read.")
    return base64.b64decode(records[0]["datas"])


def register_resources(server: MCPServer[FrontRuntime]) -> None:
    server.resource(
        "odoo://capabilities{?section}",
        name="capabilities",
        title="Odoo capabilities",
        mime_type="application/json",
    )(capabilities)
    server.resource(
        "odoo://models/{model}", name="model", title="Odoo model", mime_type="application/json"
    )(model_resource)
    server.resource(
        "odoo://records/{model}/{id}",
        name="record",
        title="Odoo record",
        mime_type="application/json",
    )(record_resource)
    server.resource(
        "odoo://attachments/{id}",
        name="attachment",
        title="Odoo attachment",
        mime_type="application/octet-stream",
    )(attachment_resource)
