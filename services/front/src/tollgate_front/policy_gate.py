"""What the front does with policy's answer before a call may reach the worker.

A deny becomes a clear tool error (a rate limit says when to retry); approval-required tells the
AI who must approve, the request id and that repeating the same call runs it once approved; a
tool marked "confirm" asks the user in the client first (MCP elicitation) when the client can.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from mcp.shared.exceptions import NoBackChannelError
from mcp_types import ClientCapabilities, ElicitationCapability
from pydantic import BaseModel, Field
from tollgate.v1 import common_pb2, policy_pb2
from tollgate_common.errors import ErrorCode, TollgateError

logger = logging.getLogger(__name__)

# Asks the user to confirm a call (True: go ahead); None when the client cannot be asked.
Confirmer = Callable[[common_pb2.ToolCall], Awaitable[bool]]

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


class Confirmation(BaseModel):
    confirm: bool = Field(description="Run this call?")


def describe_call(call: common_pb2.ToolCall) -> str:
    target = f" on {call.model}" if call.model else ""
    ids = f" (records {', '.join(str(i) for i in call.record_ids)})" if call.record_ids else ""
    operation = f" {call.operation}" if call.operation else ""
    return f"The assistant wants to run {call.tool}{operation}{target}{ids}. Allow it?"


def client_confirmer(ctx: Any) -> Confirmer | None:
    """A `Confirmer` that elicits through ``ctx`` (an MCP tool context), or None when the
    client did not declare form elicitation (it then cannot be asked; policy still decides)."""
    try:
        session = ctx.request_context.session
        supported = session.check_client_capability(
            ClientCapabilities(elicitation=ElicitationCapability())
        )
    except (AttributeError, LookupError, ValueError):
        return None
    if not supported:
        return None

    async def confirm(call: common_pb2.ToolCall) -> bool:
        try:
            answer = await ctx.elicit(describe_call(call), Confirmation)
        except NoBackChannelError:
            # This connection cannot carry a server request (stateless transport): the client
            # cannot be asked, so policy's allow stands, as for clients without elicitation.
            return True
        except Exception:
            logger.warning("confirmation could not be asked", extra={"tool": call.tool})
            return False  # an answer that went wrong is no consent
        data = getattr(answer, "data", None)
        return answer.action == "accept" and isinstance(data, Confirmation) and data.confirm

    return confirm
