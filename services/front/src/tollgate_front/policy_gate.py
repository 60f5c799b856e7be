"""What the front does with policy's answer before a call may reach the worker.

A deny becomes a clear tool error (a rate limit says when to retry); approval-required tells the
AI who must approve, the request id and that repeating the same call runs it once approved; a
tool marked "confirm" asks the user in the client first when the client can: protocol
2026-07-28's input-required round trip (the front is stateless, so it cannot hold a call open
for a server-initiated elicitation).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INTERNAL_ERROR,
    ElicitRequest,
    ElicitRequestFormParams,
    ElicitResult,
    InputRequiredResult,
)
from tollgate.v1 import common_pb2, policy_pb2
from tollgate_common.errors import ErrorCode, TollgateError

logger = logging.getLogger(__name__)

OUTCOME_OF_REFUSAL: Final[dict[ErrorCode, policy_pb2.Outcome.ValueType]] = {
    ErrorCode.APPROVAL_REQUIRED: policy_pb2.OUTCOME_APPROVAL_REQUIRED,
}


def refusal(decision: policy_pb2.AuthorizeResponse, call: common_pb2.ToolCall) -> TollgateError:
    """The error for a decision that is not ALLOW."""
    if decision.decision == policy_pb2.DECISION_APPROVAL_REQUIRED:
        return TollgateError(
            ErrorCode.APPROVAL_REQUIRED,
            decision.message or f"{call.tool} needs an approval first.",
            hint=f"Approval request {decision.approval_id}: tell the user who must approve, "
            "then repeat exactly the same call once it is approved.",
        )
    if decision.reason_code == "rate_limited":
        return TollgateError(
            ErrorCode.RATE_LIMITED,
            decision.message or "Rate limit reached.",
            hint="Wait before calling again.",
            retry_after=decision.retry_after_seconds or None,
        )
    if decision.reason_code == "user_declined":
        return TollgateError(ErrorCode.POLICY_DENIED, decision.message)
    return TollgateError(
        ErrorCode.POLICY_DENIED,
        decision.message or f"The tenant's policy does not allow {call.tool} here.",
        hint="Ask the tenant's administrator if you need this.",
    )


def outcome_of(error: TollgateError) -> policy_pb2.Outcome.ValueType:
    return OUTCOME_OF_REFUSAL.get(error.code, policy_pb2.OUTCOME_DENIED)


def declined(call: common_pb2.ToolCall) -> TollgateError:
    return TollgateError(
        ErrorCode.POLICY_DENIED,
        f"The user did not confirm {call.tool}, so it did not run.",
        hint="Ask the user before trying again.",
    )


CONFIRM_KEY: Final = "tollgate_confirm"
_CONFIRM_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {"confirm": {"type": "boolean", "title": "Run this call?"}},
    "required": ["confirm"],
}


@dataclass(frozen=True)
class Confirmation:
    """What the client can say about confirming this call.

    ``can_ask``: the client takes an input-required elicitation round trip (protocol
    2026-07-28 with form elicitation declared). ``answer``: the user's answer on the retry
    (None before asking). ``decision_id``: the first round's decision, echoed back as state.
    """

    can_ask: bool = False
    answer: bool | None = None
    decision_id: str = ""


NO_CONFIRMATION: Final = Confirmation()


class ConfirmationRequired(MCPError):
    """Raised through the tool so `ask_for_confirmation` answers with an input-required result."""

    def __init__(self, question: str, decision_id: str) -> None:
        super().__init__(code=INTERNAL_ERROR, message="The user must confirm this call first.")
        self.question = question
        self.decision_id = decision_id


def describe_call(call: common_pb2.ToolCall) -> str:
    target = f" on {call.model}" if call.model else ""
    ids = f" (records {', '.join(str(i) for i in call.record_ids)})" if call.record_ids else ""
    operation = f" {call.operation}" if call.operation else ""
    return f"The assistant wants to run {call.tool}{operation}{target}{ids}. Allow it?"


def confirmation_of(ctx: Any) -> Confirmation:
    """Read from an MCP tool context whether and how the user confirmed."""
    try:
        version = ctx.protocol_version or ""
        capabilities = ctx.client_capabilities
        responses = ctx.input_responses or {}
        state = ctx.request_state or ""
    except (AttributeError, LookupError, ValueError):
        return Confirmation()
    elicitation = getattr(capabilities, "elicitation", None)
    can_ask = version >= "2026-07-28" and elicitation is not None
    answer: bool | None = None
    reply = responses.get(CONFIRM_KEY)
    if isinstance(reply, ElicitResult):
        content = reply.content or {}
        answer = reply.action == "accept" and content.get("confirm") is True
    return Confirmation(can_ask=can_ask, answer=answer, decision_id=state)


async def ask_for_confirmation(
    ctx: ServerRequestContext[Any, Any], call_next: CallNext
) -> HandlerResult:
    """Server middleware: a tool that needs the user's confirmation answers ``tools/call`` with
    an input-required result (a form elicitation); the client asks the user and retries."""
    try:
        return await call_next(ctx)
    except ConfirmationRequired as needed:
        result = InputRequiredResult(
            input_requests={
                CONFIRM_KEY: ElicitRequest(
                    params=ElicitRequestFormParams(
                        message=needed.question, requested_schema=_CONFIRM_SCHEMA
                    )
                )
            },
            request_state=needed.decision_id,
        )
        return result.model_dump(by_alias=True, mode="json", exclude_none=True)
