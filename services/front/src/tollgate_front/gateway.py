"""One tool call through the chain: policy.Authorize -> worker.ExecuteTool -> its outcome record.

Every hop has a deadline; every failure comes back as a `TollgateError` the catalog turns into an
MCP tool error. The outcome is recorded after the answer is known but without making the caller
wait for it: records go to policy in batches (`OutcomeRecorder`), flushed when the front stops.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from tollgate.v1 import common_pb2, policy_pb2, worker_pb2
from tollgate_common.errors import ErrorCode, TollgateError, rpc_errors
from tollgate_common.observe import observe_authorization, observe_tool_call

from tollgate_front.backends import Backends
from tollgate_front.caller import Caller
from tollgate_front.outcomes import OutcomeRecorder
from tollgate_front.policy_gate import (
    NO_CONFIRMATION,
    Confirmation,
    ConfirmationRequired,
    declined,
    describe_call,
    outcome_of,
    refusal,
)

logger = logging.getLogger(__name__)


class ToolGateway:
    def __init__(
        self,
        backends: Backends,
        *,
        policy_timeout: float,
        tool_timeout: float,
        outcome_batch_size: int = 100,
        outcome_flush_delay: float = 0.05,
        outcome_max_pending: int = 10_000,
    ) -> None:
        self._backends = backends
        self._policy_timeout = policy_timeout
        self._tool_timeout = tool_timeout
        self.outcomes = OutcomeRecorder(
            backends.policy,
            timeout=policy_timeout,
            batch_size=outcome_batch_size,
            delay=outcome_flush_delay,
            max_pending=outcome_max_pending,
        )

    async def execute(
        self,
        caller: Caller,
        call: common_pb2.ToolCall,
        *,
        confirmation: Confirmation = NO_CONFIRMATION,
    ) -> dict[str, Any]:
        """Run ``call`` for ``caller``; the worker's structured result as a dict.
        ``confirmation`` says whether the client can ask its user and what they answered."""
        started = time.perf_counter()
        span = trace.get_current_span().get_span_context()
        trace_id = trace.format_trace_id(span.trace_id) if span.is_valid else ""
        if confirmation.answer is False:
            # The user declined in the client: nothing is asked of policy or run.
            refused = declined(call)
            self._record(
                caller,
                call,
                None,
                outcome_of(refused),
                span,
                started,
                refused.code,
                decision_id=confirmation.decision_id or "declined",
            )
            raise refused
        decision = await self._authorize(caller, call, trace_id, confirmation)
        if decision.decision == policy_pb2.DECISION_CONFIRM_REQUIRED:
            observe_authorization(decision)
            raise ConfirmationRequired(describe_call(call), decision.decision_id)
        if decision.decision != policy_pb2.DECISION_ALLOW:
            refused = refusal(decision, call)
            self._record(
                caller,
                call,
                decision,
                outcome_of(refused),
                span,
                started,
                refused.code,
            )
            raise refused
        request = worker_pb2.ExecuteToolRequest(
            principal=caller.principal,
            call=call,
            redact_fields=decision.redact_fields,
            dry_run=decision.dry_run,
        )
        try:
            with rpc_errors(f"The Odoo worker of tenant {caller.tenant.name!r}"):
                response = await self._backends.workers.stub(
                    caller.tenant.worker.address
                ).ExecuteTool(request, timeout=self._tool_timeout)
            result = _decode_result(response.result_json)
        except TollgateError as error:
            self._record(
                caller,
                call,
                decision,
                policy_pb2.OUTCOME_ERROR,
                span,
                started,
                error.code,
            )
            raise
        self._record(
            caller,
            call,
            decision,
            policy_pb2.OUTCOME_SUCCESS,
            span,
            started,
            record_count=response.record_count,
        )
        return result

    async def visible_tools(self, caller: Caller, tools: Mapping[str, str]) -> set[str]:
        """Which of ``tools`` (name -> the operation its calls perform) the caller may see at
        all (policy decides; fails closed)."""
        request = policy_pb2.FilterToolsRequest(
            principal=caller.principal,
            tools=[
                policy_pb2.ToolSummary(name=name, operation=operation)
                for name, operation in tools.items()
            ],
        )
        with rpc_errors("The policy service"):
            response = await self._backends.policy.FilterTools(
                request, timeout=self._policy_timeout
            )
        return set(response.tools)

    async def _authorize(
        self,
        caller: Caller,
        call: common_pb2.ToolCall,
        trace_id: str,
        confirmation: Confirmation,
    ) -> policy_pb2.AuthorizeResponse:
        request = policy_pb2.AuthorizeRequest(
            principal=caller.principal,
            call=call,
            client_ip=caller.client_ip,
            trace_id=trace_id,
            can_confirm=confirmation.can_ask,
            confirmed=confirmation.answer is True,
        )
        # No decision means no call: a policy service that cannot answer fails the call closed.
        with rpc_errors("The policy service"):
            return await self._backends.policy.Authorize(request, timeout=self._policy_timeout)

    def _record(
        self,
        caller: Caller,
        call: common_pb2.ToolCall,
        decision: policy_pb2.AuthorizeResponse | None,
        outcome: policy_pb2.Outcome.ValueType,
        span: trace.SpanContext,
        started: float,
        error: ErrorCode | None = None,
        *,
        record_count: int = 0,
        decision_id: str = "",
    ) -> None:
        """``decision``: policy's answer, or None for a call policy was not asked about (then
        ``decision_id`` names the earlier decision it answers)."""
        if decision is not None:
            decision_id = decision.decision_id
        # One reading, so the metric and the audit record give the same duration.
        duration = time.perf_counter() - started
        observe_tool_call(
            caller.tenant.name,
            call,
            outcome,
            duration=duration,
            decision=decision,
            error=error,
            record_count=record_count,
        )
        record = policy_pb2.RecordOutcomeRequest(
            decision_id=decision_id,
            principal=caller.principal,
            call=call,
            outcome=outcome,
            error_reason=error.value if error is not None else "",
            record_count=record_count,
            duration_ms=duration * 1000,
        )
        # The audit trail never needs the sealed Odoo key: it stays out of every batch.
        record.principal.ClearField("credential")
        if span.is_valid:
            # The batch travels in a trace of its own; the record names the call's.
            record.trace_id = trace.format_trace_id(span.trace_id)
            record.span_id = trace.format_span_id(span.span_id)
            record.trace_sampled = span.trace_flags.sampled
        self.outcomes.add(record)

    async def drain(self, grace: float = 5.0) -> None:
        """Send the outcome records still waiting (for at most ``grace`` seconds); at shutdown."""
        await self.outcomes.drain(grace)


def _decode_result(payload: bytes) -> dict[str, Any]:
    try:
        result = json.loads(payload)
    except ValueError:
        result = None
    if not isinstance(result, dict):
        logger.error("worker answered with a result that is not a JSON object")
        raise TollgateError(
            ErrorCode.INTERNAL,
            "The worker returned an answer the gateway cannot read.",
            hint="Try again; if it keeps happening, ask an administrator.",
        )
    return result
