"""The worker's gRPC API: run a tool as the calling user, check a credential, describe Odoo.

Odoo failures leave here as `TollgateError` (the common error interceptor puts them on the wire
with an ``ErrorDetail``). Logs name the tool, model, error class and Odoo's exception path, never
arguments, record contents or credentials.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
from tollgate.v1 import worker_pb2, worker_pb2_grpc
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.grpc_channel import call_timeout
from tollgate_common.odoo_credentials import OdooCredential

from tollgate_worker.credentials import CredentialOpener
from tollgate_worker.deadline import Deadline
from tollgate_worker.models import ModelCatalog
from tollgate_worker.odoo.client import OdooClient
from tollgate_worker.odoo.errors import OdooError, OdooProtocolError
from tollgate_worker.odoo.transport import count_requests
from tollgate_worker.schema import SchemaCache
from tollgate_worker.session import OdooSession
from tollgate_worker.shaping.budget import answer_json
from tollgate_worker.tools import Tool, ToolContext, ToolLimits, ToolRegistry, ToolResult
from tollgate_worker.tools.errors import explain, looks_like_unknown_model
from tollgate_worker.users import UserDirectory

logger = logging.getLogger(__name__)

Context = grpc.aio.ServicerContext[Any, Any]

# Answer a little before the caller's own deadline, so it gets our clear error rather than a bare
# DEADLINE_EXCEEDED from gRPC.
_REPLY_MARGIN = 0.05
_USER_FIELDS = ["name", "email", "company_ids", "lang", "tz"]


@dataclass(frozen=True)
class WorkerParts:
    """What the servicer works with; built once per process (see `tollgate_worker.server`)."""

    tenant: str
    client: OdooClient
    credentials: CredentialOpener
    users: UserDirectory
    schemas: SchemaCache
    models: ModelCatalog
    tools: ToolRegistry
    limits: ToolLimits
    default_timeout: float
    public_url: str = ""


def _deadline(context: Context, default: float) -> Deadline:
    seconds = call_timeout(context, default)
    return Deadline(seconds - _REPLY_MARGIN if seconds < default else seconds)


@contextmanager
def _odoo_errors(operation: str, **log_fields: str) -> Iterator[None]:
    try:
        yield
    except OdooError as error:
        logger.warning(
            "Odoo call failed",
            extra={
                "operation": operation,
                "error": type(error).__name__,
                "odoo_error": error.odoo_name,
                **log_fields,
            },
        )
        raise error.to_tollgate() from None


def _json_object(raw: bytes, what: str) -> Mapping[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        raise TollgateError(ErrorCode.INVALID_ARGUMENT, f"The {what} are not valid JSON.") from None
    if not isinstance(value, dict):
        raise TollgateError(ErrorCode.INVALID_ARGUMENT, f"The {what} must be a JSON object.")
    return value


class WorkerServicer(worker_pb2_grpc.WorkerServiceServicer):
    def __init__(self, parts: WorkerParts) -> None:
        self.parts = parts

    def _session(self, credential: OdooCredential, context: Context) -> OdooSession:
        return OdooSession(
            self.parts.client,
            self.parts.users,
            credential,
            _deadline(context, self.parts.default_timeout),
        )

    async def ExecuteTool(
        self, request: worker_pb2.ExecuteToolRequest, context: Context
    ) -> worker_pb2.ExecuteToolResponse:
        principal, call = request.principal, request.call
        if principal.tenant != self.parts.tenant:
            raise TollgateError(
                ErrorCode.PERMISSION_DENIED,
                f"This worker serves tenant {self.parts.tenant!r}, not {principal.tenant!r}.",
                field="tenant",
            )
        tool = self.parts.tools.get(call.tool)
        arguments = tool.parse_arguments(_json_object(call.arguments_json, "tool arguments"))
        tool.check_authorized_as(arguments, call.model, call.operation, call.method)
        credential = self.parts.credentials.open(principal.credential, login=principal.odoo_login)
        tool_context = ToolContext(
            session=self._session(credential, context),
            schemas=self.parts.schemas,
            models=self.parts.models,
            limits=self.parts.limits,
            public_url=self.parts.public_url,
            redact_fields=frozenset(request.redact_fields),
            dry_run=request.dry_run,
        )
        started = time.perf_counter()
        with count_requests() as requests:
            result = await self._run(tool, tool_context, arguments)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "tool call done",
                extra={
                    "tool": call.tool,
                    "odoo_requests": requests.value,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
        return worker_pb2.ExecuteToolResponse(
            result_json=answer_json(result.data).encode(),
            record_count=result.record_count,
            odoo_requests=requests.value,
        )

    async def _run(self, tool: Tool[Any], context: ToolContext, arguments: Any) -> ToolResult:
        """Run ``tool``; Odoo's errors explained in terms of the tool's model and operation."""
        try:
            await tool.prepare(context, arguments)
            return await tool.run(context, arguments)
        except OdooError as error:
            model = tool.target_model(arguments)
            logger.warning(
                "Odoo call failed",
                extra={
                    "operation": "execute_tool",
                    "tool": tool.name,
                    "error": type(error).__name__,
                    "odoo_error": error.odoo_name,
                },
            )
            raise await self._explain(error, tool, context, model) from None

    async def _explain(
        self, error: OdooError, tool: Tool[Any], context: ToolContext, model: str
    ) -> TollgateError:
        schema = None
        suggestions = None
        if model:
            try:
                if looks_like_unknown_model(error):
                    suggestions = await context.models.nearest(context.session, model)
                else:
                    schema = await context.fields(model)
            except (OdooError, TollgateError):
                pass  # explaining is best effort; the original error stands
        return explain(
            error,
            model=model,
            operation=tool.operation,
            schema=schema,
            model_suggestions=suggestions,
        )

    async def VerifyCredential(
        self, request: worker_pb2.VerifyCredentialRequest, context: Context
    ) -> worker_pb2.VerifyCredentialResponse:
        credential = self.parts.credentials.open(request.credential, login=request.odoo_login)
        session = self._session(credential, context)
        with _odoo_errors("verify_credential"):
            user = await session.user()
            rows = await session.execute(
                "res.users", "read", ids=[user.uid], kwargs={"fields": _USER_FIELDS}
            )
        if not isinstance(rows, list) or len(rows) != 1 or not isinstance(rows[0], dict):
            raise OdooProtocolError("Odoo did not return the user's record.").to_tollgate()
        row = rows[0]
        return worker_pb2.VerifyCredentialResponse(
            uid=user.uid,
            name=_text(row.get("name")),
            email=_text(row.get("email")),
            company_ids=[int(i) for i in row.get("company_ids") or [] if isinstance(i, int)],
            lang=_text(row.get("lang")),
            tz=_text(row.get("tz")),
        )

    async def DescribeOdoo(
        self, request: worker_pb2.DescribeOdooRequest, context: Context
    ) -> worker_pb2.DescribeOdooResponse:
        deadline = _deadline(context, self.parts.default_timeout)
        with _odoo_errors("describe_odoo"):
            version = await self.parts.client.version(deadline=deadline)
            protocol = await self.parts.client.protocol(deadline=deadline)
        # Installed apps need a user's credential to read; this request carries none.
        return worker_pb2.DescribeOdooResponse(
            version=version.series, protocol=protocol.name, database=self.parts.client.database
        )


def _text(value: Any) -> str:
    """Odoo's ``False`` for an unset text field as an empty string."""
    return value if isinstance(value, str) else ""


__all__ = ["WorkerParts", "WorkerServicer"]
