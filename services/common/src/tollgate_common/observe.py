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
from dataclasses import dataclass
from typing import Final, ParamSpec, TypeVar

from opentelemetry import context as otel_context
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
    decision: policy_pb2.AuthorizeResponse | None = None,
    error: ErrorCode | None = None,
    record_count: int = 0,
) -> None:
    """The tool call's end: attributes on the current (MCP server) span, policy's ``decision``
    among them when there was one, count and duration."""
    word = outcome_word(outcome)
    span = trace.get_current_span()
    if span.is_recording():
        # One set_attributes call: the span takes its lock once, not per attribute.
        attributes = _call_attributes(tenant, call)
        attributes[OUTCOME] = word
        if decision is not None:
            attributes.update(_decision_attributes(decision))
        if record_count:
            attributes[RECORD_COUNT] = record_count
        if error is not None:
            attributes[ERROR_CODE] = error.value
        span.set_attributes(attributes)
    m = meters()
    m.tool_calls.add(1, tenant, call.tool, word)
    m.tool_duration.record(duration, tenant, call.tool, word)


def _decision_attributes(decision: policy_pb2.AuthorizeResponse) -> dict[str, str]:
    attributes = {DECISION: decision_word(decision.decision), DECISION_ID: decision.decision_id}
    if decision.reason_code:
        attributes[REASON] = decision.reason_code
    return attributes


def observe_authorization(decision: policy_pb2.AuthorizeResponse) -> None:
    """Policy's answer on the current span (front), for a call that ends without
    `observe_tool_call` (one that waits for the user's confirmation)."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes(_decision_attributes(decision))


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
    m.decisions.add(1, tenant, decision, reason)
    if reason == "rate_limited":
        m.rate_limited.add(1, tenant)
    if response.approval_id and _approvals.first_time(response.approval_id):
        m.approvals_pending.add(1, {"tenant": tenant})


def observe_approval_decided(tenant: str, approval_id: str, approved: bool) -> None:
    m = meters()
    m.approvals_decided.add(1, tenant, "approved" if approved else "rejected")
    if _approvals.forget(approval_id):
        m.approvals_pending.add(-1, {"tenant": tenant})


def observe_audit_record(request: policy_pb2.RecordOutcomeRequest) -> None:
    meters().audit_records.add(1, request.principal.tenant, outcome_word(request.outcome))


def observe_audit_dropped(count: int, reason: str) -> None:
    """``count`` outcome records the front gave up on; ``reason`` is one of
    `metrics.AUDIT_DROP_REASONS`."""
    meters().audit_dropped.add(count, reason)


# -- token verification (front) ------------------------------------------------------------------
_VERIFY_SPAN: Final = "tollgate.verify_token"


@dataclass
class _Verification:
    tenant: str
    started: int  # time.time_ns(), the span's start when one is made
    source: str = "auth"
    span: Span | None = None


_verification: ContextVar[_Verification | None] = ContextVar("tollgate_verification", default=None)
# How this request's token was answered without a network call, for its MCP message's span.
_token_hit: ContextVar[str | None] = ContextVar("tollgate_token_hit", default=None)


def token_answered_by(source: str) -> None:
    """Inside `traced_token_verification`: the answer came from ``source`` ("cache" or "local")
    without asking auth."""
    verification = _verification.get()
    if verification is not None:
        verification.source = source


@contextmanager
def asking_auth() -> Iterator[None]:
    """Inside `traced_token_verification`: the network call to auth, run in the
    ``tollgate.verify_token`` span (auth's server span is its child)."""
    verification = _verification.get()
    if verification is None:
        yield
        return
    verification.source = "auth"
    span = _tracer.start_span(
        _VERIFY_SPAN,
        kind=SpanKind.INTERNAL,
        attributes={TENANT: verification.tenant},
        start_time=verification.started,
    )
    verification.span = span
    with trace.use_span(
        span, end_on_exit=False, record_exception=False, set_status_on_exception=False
    ):
        yield


def _note_token_hit(source: str) -> None:
    span = trace.get_current_span()
    if span.is_recording():
        span.add_event(f"token.{source}_hit")
    else:
        # The request runs in the client's context, which is not ours to record: the event
        # waits in this request's context for the MCP message's span (`token_hit_event`).
        _token_hit.set(source)


def token_hit_event() -> None:
    """On the current span (the MCP SDK's span for a message): the event for this request's
    token, when it was answered without asking auth and no span of ours could hold it then."""
    hit = _token_hit.get()
    if hit is not None:
        span = trace.get_current_span()
        if span.is_recording():
            span.add_event(f"token.{hit}_hit")


def traced_token_verification(
    function: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R]]:
    """Wraps ``verify(token, *, tenant, resource)``: counts every verification by result and
    source. Asking auth (`asking_auth`), and any refusal or failure, is a
    ``tollgate.verify_token`` span; an answer from the cache or a local signature check is an
    event (``token.cache_hit``, ``token.local_hit``), not a span: it took no network call, and a
    span for it cost a tool call a fifth of all tracing's CPU. The token is never recorded."""

    @functools.wraps(function)
    async def verify(*args: P.args, **kwargs: P.kwargs) -> R:
        verification = _Verification(str(kwargs.get("tenant", "")), time.time_ns())
        reset = _verification.set(verification)
        result, error_code, message = "ok", "", ""
        try:
            return await function(*args, **kwargs)
        except TollgateError as error:
            result = "refused" if error.code == ErrorCode.UNAUTHENTICATED else "error"
            error_code, message = error.code.value, error.message
            raise
        finally:
            _verification.reset(reset)
            _end_verification(verification, result, error_code, message)

    return verify


def _end_verification(
    verification: _Verification, result: str, error_code: str, message: str
) -> None:
    tenant, source, span = verification.tenant, verification.source, verification.span
    meters().verifications.add(1, tenant, result, source)
    if span is None and result == "ok":
        _note_token_hit(source)
        return
    if span is None:
        # Refused or failed without asking auth: recorded after the fact, from its real start.
        span = _tracer.start_span(
            _VERIFY_SPAN,
            kind=SpanKind.INTERNAL,
            attributes={TENANT: tenant},
            start_time=verification.started,
        )
    attributes: dict[str, str] = {TOKEN_SOURCE: source, TOKEN_RESULT: result}
    if error_code:
        attributes[ERROR_CODE] = error_code
    span.set_attributes(attributes)
    if result == "error":
        span.set_status(StatusCode.ERROR, message)
    span.end()


# -- the worker's HTTP requests to Odoo ----------------------------------------------------------
@contextmanager
def odoo_request_span(tenant: str, method: str, url_path: str, server: str) -> Iterator[Span]:
    """A CLIENT span for one HTTP request to Odoo plus its duration metric.

    Only the method, the path (``/jsonrpc``, ``/json/2/<model>/<method>``) and the server address
    are recorded: the body holds the credential and the user's data.
    """
    started = time.perf_counter()
    outcome = "ok"
    # Started and made current by hand: `start_as_current_span` stacks three context managers
    # on every request to Odoo for what is one attach and one detach.
    span = _tracer.start_span(
        f"{method} {url_path}",
        kind=SpanKind.CLIENT,
        attributes={
            TENANT: tenant,
            "http.request.method": method,
            "url.path": url_path,
            "server.address": server,
        },
    )
    token = otel_context.attach(trace.set_span_in_context(span))
    try:
        yield span
    except BaseException as error:
        outcome = "error"
        kind = type(error).__name__
        span.set_attribute("error.type", kind)
        span.set_status(StatusCode.ERROR, kind)
        meters().odoo_errors.add(1, tenant, _error_kind(error))
        raise
    finally:
        # Recorded while the span is current, so the value carries it as an exemplar.
        meters().odoo_duration.record(time.perf_counter() - started, tenant, outcome)
        otel_context.detach(token)
        span.end()


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
        meters().odoo_errors.add(1, tenant, "http_5xx")
