"""What the front makes of policy's answers (pure mapping; the gateway wiring is tested e2e)."""

from __future__ import annotations

from typing import Any

from mcp_types import ElicitationCapability, ElicitResult
from tollgate.v1 import common_pb2, policy_pb2
from tollgate_common.errors import ErrorCode
from tollgate_front.policy_gate import (
    CONFIRM_KEY,
    ConfirmationRequired,
    ask_for_confirmation,
    confirmation_of,
    describe_call,
    outcome_of,
    refusal,
)

CALL = common_pb2.ToolCall(
    tool="delete_records", model="res.partner", operation="unlink", record_ids=[7, 9]
)


def test_a_rate_limited_deny_says_when_to_retry() -> None:
    error = refusal(
        policy_pb2.AuthorizeResponse(
            decision=policy_pb2.DECISION_DENY,
            reason_code="rate_limited",
            message="Rate limit reached (60 calls a minute per user). Try again in 12 seconds.",
            retry_after_seconds=12,
        ),
        CALL,
    )
    assert error.code is ErrorCode.RATE_LIMITED
    assert error.retry_after == 12
    assert outcome_of(error) == policy_pb2.OUTCOME_DENIED


def test_approval_required_names_the_request_and_how_to_proceed() -> None:
    error = refusal(
        policy_pb2.AuthorizeResponse(
            decision=policy_pb2.DECISION_APPROVAL_REQUIRED,
            approval_id="apr_x",
            message="This call needs an approval (request apr_x) from cfo@acme.example.",
        ),
        CALL,
    )
    assert error.code is ErrorCode.APPROVAL_REQUIRED
    assert "cfo@acme.example" in error.message
    assert "apr_x" in error.hint
    assert "same call" in error.hint
    assert outcome_of(error) == policy_pb2.OUTCOME_APPROVAL_REQUIRED


def test_a_policy_deny_keeps_policy_s_sentence() -> None:
    error = refusal(
        policy_pb2.AuthorizeResponse(
            decision=policy_pb2.DECISION_DENY,
            reason_code="model_operation_denied",
            message="The tenant's policy does not allow unlink on res.partner.",
        ),
        CALL,
    )
    assert (error.code, error.message) == (
        ErrorCode.POLICY_DENIED,
        "The tenant's policy does not allow unlink on res.partner.",
    )


def test_the_confirmation_question_names_the_call() -> None:
    question = describe_call(CALL)
    assert "delete_records unlink on res.partner (records 7, 9)" in question


class FakeContext:
    def __init__(self, version: str, elicitation: bool, responses: Any = None) -> None:
        self.protocol_version = version
        self.client_capabilities = type(
            "Caps", (), {"elicitation": ElicitationCapability() if elicitation else None}
        )()
        self.input_responses = responses
        self.request_state = "dec_1" if responses else None


def test_only_a_2026_client_with_elicitation_can_be_asked() -> None:
    assert confirmation_of(FakeContext("2026-07-28", True)).can_ask
    assert not confirmation_of(FakeContext("2026-07-28", False)).can_ask
    assert not confirmation_of(FakeContext("2025-11-25", True)).can_ask
    assert not confirmation_of(object()).can_ask


def test_the_answer_comes_from_the_input_responses() -> None:
    yes = ElicitResult(action="accept", content={"confirm": True})
    no = ElicitResult(action="accept", content={"confirm": False})
    declined = ElicitResult(action="decline")
    assert confirmation_of(FakeContext("2026-07-28", True, {CONFIRM_KEY: yes})).answer is True
    assert confirmation_of(FakeContext("2026-07-28", True, {CONFIRM_KEY: no})).answer is False
    answer = confirmation_of(FakeContext("2026-07-28", True, {CONFIRM_KEY: declined}))
    assert (answer.answer, answer.decision_id) == (False, "dec_1")


async def test_confirmation_required_becomes_an_input_required_result() -> None:
    async def tool_call(ctx: Any) -> Any:
        raise ConfirmationRequired("Run it?", "dec_9")

    result = await ask_for_confirmation(None, tool_call)  # type: ignore[arg-type]
    assert result["resultType"] == "input_required"
    assert result["requestState"] == "dec_9"
    assert result["inputRequests"][CONFIRM_KEY]["params"]["message"] == "Run it?"
