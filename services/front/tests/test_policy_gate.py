"""What the front makes of policy's answers (pure mapping; the gateway wiring is tested e2e)."""

from __future__ import annotations

from typing import Any

from tollgate.v1 import common_pb2, policy_pb2
from tollgate_common.errors import ErrorCode
from tollgate_front.policy_gate import client_confirmer, describe_call, outcome_of, refusal

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


def test_a_client_without_elicitation_is_not_asked() -> None:
    class Session:
        def check_client_capability(self, capability: Any) -> bool:
            return False

    class Context:
        class request_context:
            session = Session()

    assert client_confirmer(Context()) is None
    assert client_confirmer(object()) is None
