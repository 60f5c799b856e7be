"""One call per fact: what the services tell telemetry about a tool call, as span attributes and
metrics together, so each service adds a line where the fact is known.

Attributes use the ``tollgate.`` prefix (listed in docs/telemetry.md) next to the MCP/GenAI ones
the SDK sets (``mcp.method.name``, ``gen_ai.tool.name``). Only names, words from closed sets and
counts are recorded: never arguments, domains, record values or credentials.
"""

from __future__ import annotations

import functools
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final, ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, StatusCode
from tollgate.v1 import common_pb2, policy_pb2

from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.metrics import meters

# -- attribute names (docs/telemetry.md) ---------------------------------------------------------
TENANT: Final = "tollgate.tenant"
TOOL: Final = "tollgate.tool"
MODEL: Final = "tollgate.model"
OPERATION: Final = "tollgate.operation"
METHOD: Final = "tollgate.method"
RECORD_COUNT: Final = "tollgate.record_count"
DECISION: Final = "tollgate.decision"
DECISION_ID: Final = "tollgate.decision_id"
REASON: Final = "tollgate.reason"
OUTCOME: Final = "tollgate.outcome"
ERROR_CODE: Final = "tollgate.error.code"
APPROVAL_ID: Final = "tollgate.approval_id"
TOKEN_SOURCE: Final = "tollgate.token.source"
TOKEN_RESULT: Final = "tollgate.token.result"

ATTRIBUTES: Final = (
    TENANT,
    TOOL,
    MODEL,
    OPERATION,
    METHOD,
    RECORD_COUNT,
    DECISION,
    DECISION_ID,
    REASON,
    OUTCOME,
    ERROR_CODE,
    APPROVAL_ID,
    TOKEN_SOURCE,
    TOKEN_RESULT,
)

_tracer: trace.Tracer = trace.get_tracer("tollgate")


def use_tracer_provider(provider: trace.TracerProvider | None) -> None:
    """Make this module's spans in ``provider`` from now on (tests; None: the global one)."""
    global _tracer
    _tracer = trace.get_tracer("tollgate", tracer_provider=provider)


P = ParamSpec("P")
R = TypeVar("R")


def outcome_word(outcome: policy_pb2.Outcome.ValueType) -> str:
    """``OUTCOME_APPROVAL_REQUIRED`` -> ``approval_required`` (the metric label value)."""
    return policy_pb2.Outcome.Name(outcome).removeprefix("OUTCOME_").lower()


def decision_word(decision: policy_pb2.Decision.ValueType) -> str:
    return policy_pb2.Decision.Name(decision).removeprefix("DECISION_").lower()


def _call_attributes(tenant: str, call: common_pb2.ToolCall) -> dict[str, str | int]:
    attributes: dict[str, str | int] = {TENANT: tenant, TOOL: call.tool}
    # Model, operation and method are names from the catalog/tenant spec, never values.
    if call.model:
        attributes[MODEL] = call.model
    if call.operation:
        attributes[OPERATION] = call.operation
    if call.method:
        attributes[METHOD] = call.method
    return attributes


# -- front ---------------------------------------------------------------------------------------
def observe_tool_call(
    tenant: str,
    call: common_pb2.ToolCall,
    outcome: policy_pb2.Outcome.ValueType,
    *,
    duration: float,
    error: ErrorCode | None = None,
    record_count: int = 0,
) -> None:
    """The tool call's end: attributes on the current (MCP server) span, count and duration."""
    word = outcome_word(outcome)
    span = trace.get_current_span()
    if span.is_recording():
        # One set_attributes call: the span takes its lock once, not per attribute.
        attributes = _call_attributes(tenant, call)
        attributes[OUTCOME] = word
        if record_count:
            attributes[RECORD_COUNT] = record_count
        if error is not None:
            attributes[ERROR_CODE] = error.value
        span.set_attributes(attributes)
    labels = {"tenant": tenant, "tool": call.tool, "outcome": word}
    m = meters()
    m.tool_calls.add(1, labels)
    m.tool_duration.record(duration, labels)


def observe_authorization(decision: policy_pb2.AuthorizeResponse) -> None:
    """Policy's answer as seen by the caller: on the current span (front)."""
    span = trace.get_current_span()
    if span.is_recording():
        attributes = {DECISION: decision_word(decision.decision), DECISION_ID: decision.decision_id}
        if decision.reason_code:
            attributes[REASON] = decision.reason_code
        span.set_attributes(attributes)


# -- policy --------------------------------------------------------------------------------------
class _SeenApprovals:
    """Approval ids this process counted as opened (a repeated call reuses its request)."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, approval_id: str) -> bool:
        if approval_id in self._ids:
            return False
        self._ids[approval_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True

    def forget(self, approval_id: str) -> bool:
        """True when this process had counted ``approval_id`` as pending."""
        if approval_id not in self._ids:
            return False
        del self._ids[approval_id]
        return True


_approvals = _SeenApprovals()


def observe_decision(
    request: policy_pb2.AuthorizeRequest, response: policy_pb2.AuthorizeResponse
) -> None:
    """Policy's decision: attributes on policy's server span, the decision counters."""
    tenant = request.principal.tenant
    decision = decision_word(response.decision)
    reason = response.reason_code or decision
    span = trace.get_current_span()
    if span.is_recording():
        attributes = _call_attributes(tenant, request.call)
        attributes.update({DECISION: decision, DECISION_ID: response.decision_id, REASON: reason})
        if response.approval_id:
            attributes[APPROVAL_ID] = response.approval_id
        span.set_attributes(attributes)
    m = meters()
    m.decisions.add(1, {"tenant": tenant, "decision": decision, "reason": reason})
    if reason == "rate_limited":
        m.rate_limited.add(1, {"tenant": tenant})
    if response.approval_id and _approvals.first_time(response.approval_id):
        m.approvals_pending.add(1, {"tenant": tenant})


def observe_approval_decided(tenant: str, approval_id: str, approved: bool) -> None:
    m = meters()
    m.approvals_decided.add(1, {"tenant": tenant, "result": "approved" if approved else "rejected"})
    if _approvals.forget(approval_id):
        m.approvals_pending.add(-1, {"tenant": tenant})


def observe_audit_record(request: policy_pb2.RecordOutcomeRequest) -> None:
    meters().audit_records.add(
        1, {"tenant": request.principal.tenant, "outcome": outcome_word(request.outcome)}
    )


def observe_audit_dropped(count: int, reason: str) -> None:
    """``count`` outcome records the front gave up on; ``reason`` is one of
    `metrics.AUDIT_DROP_REASONS`."""
    meters().audit_dropped.add(count, {"reason": reason})


# -- token verification (front) ------------------------------------------------------------------
_token_source: ContextVar[list[str] | None] = ContextVar("tollgate_token_source", default=None)


def token_answered_by(source: str) -> None:
    """Inside `traced_token_verification`: the answer came from ``source`` ("cache" or "local")
    without a network call, which is an event on the verification span, not a span of its own."""
    holder = _token_source.get()
    if holder is not None:
        holder.append(source)
    trace.get_current_span().add_event(f"token.{source}_hit")


def traced_token_verification(
    function: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R]]:
    """Wraps ``verify(token, *, tenant, resource)`` in a ``tollgate.verify_token`` span and counts
    the verification by result and source; the token itself is never recorded."""

    @functools.wraps(function)
    async def verify(*args: P.args, **kwargs: P.kwargs) -> R:
        tenant = str(kwargs.get("tenant", ""))
        holder: list[str] = []
        reset = _token_source.set(holder)
        result = "ok"
        with _tracer.start_as_current_span(
            "tollgate.verify_token",
            kind=SpanKind.INTERNAL,
            attributes={TENANT: tenant},
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                return await function(*args, **kwargs)
            except TollgateError as error:
                result = "refused" if error.code == ErrorCode.UNAUTHENTICATED else "error"
                span.set_attribute(ERROR_CODE, error.code.value)
                if result == "error":
                    span.set_status(StatusCode.ERROR, error.message)
                raise
            finally:
                _token_source.reset(reset)
                source = holder[-1] if holder else "auth"
                span.set_attributes({TOKEN_SOURCE: source, TOKEN_RESULT: result})
                meters().verifications.add(
                    1, {"tenant": tenant, "result": result, "source": source}
                )

    return verify


# -- the worker's HTTP requests to Odoo ----------------------------------------------------------
@contextmanager
def odoo_request_span(tenant: str, method: str, url_path: str, server: str) -> Iterator[Span]:
    """A CLIENT span for one HTTP request to Odoo plus its duration metric.

    Only the method, the path (``/jsonrpc``, ``/json/2/<model>/<method>``) and the server address
    are recorded: the body holds the credential and the user's data.
    """
    started = time.perf_counter()
    outcome = "ok"
    with _tracer.start_as_current_span(
        f"{method} {url_path}",
        kind=SpanKind.CLIENT,
        attributes={
            TENANT: tenant,
            "http.request.method": method,
            "url.path": url_path,
            "server.address": server,
        },
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except BaseException as error:
            outcome = "error"
            kind = type(error).__name__
            span.set_attribute("error.type", kind)
            span.set_status(StatusCode.ERROR, kind)
            meters().odoo_errors.add(1, {"tenant": tenant, "error": _error_kind(error)})
            raise
        finally:
            meters().odoo_duration.record(
                time.perf_counter() - started, {"tenant": tenant, "outcome": outcome}
            )


def _error_kind(error: BaseException) -> str:
    name = type(error).__name__.lower()
    if "timeout" in name:
        return "timeout"
    if "connect" in name:
        return "connect"
    return "transport"


def odoo_status_error(span: Span, tenant: str, status: int) -> None:
    """An HTTP status that is not a usable answer (5xx) counts as an Odoo error."""
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_attribute("error.type", str(status))
        span.set_status(StatusCode.ERROR)
        meters().odoo_errors.add(1, {"tenant": tenant, "error": "http_5xx"})
