"""The audit trail: one record per tool call in the tenant's audit stream, and one log line.

A record says who did what and how it ended; it never holds arguments, record contents or
credentials. The tamper-evident hash chain and querying come with the policy issue.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Final

from tollgate.v1 import policy_pb2
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.stores import Store, StoreError

logger = logging.getLogger("tollgate.audit")

_DECISION_BY_OUTCOME: Final = {
    policy_pb2.OUTCOME_DENIED: "deny",
    policy_pb2.OUTCOME_APPROVAL_REQUIRED: "approval_required",
}


def audit_stream(tenant: str) -> str:
    return f"audit:{tenant}"


def audit_fields(request: policy_pb2.RecordOutcomeRequest) -> dict[str, str]:
    principal, call = request.principal, request.call
    return {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "tenant": principal.tenant,
        "subject": principal.subject,
        "connection_id": principal.connection_id,
        "client_id": principal.client_id,
        "tool": call.tool,
        "model": call.model,
        "operation": call.operation,
        "record_count": str(request.record_count),
        "decision_id": request.decision_id,
        "decision": _DECISION_BY_OUTCOME.get(request.outcome, "allow"),
        "outcome": policy_pb2.Outcome.Name(request.outcome).removeprefix("OUTCOME_").lower(),
        "error_reason": request.error_reason,
        "duration_ms": f"{request.duration_ms:.3f}",
        "trace_id": request.trace_id,
    }


class AuditTrail:
    def __init__(self, store: Store, *, max_length: int) -> None:
        self._store = store
        self._max_length = max_length

    async def record(self, request: policy_pb2.RecordOutcomeRequest) -> str:
        """Append the outcome to the tenant's stream; returns the record's id."""
        fields = audit_fields(request)
        try:
            record_id = await self._store.stream_append(
                audit_stream(request.principal.tenant), fields, max_length=self._max_length
            )
        except StoreError:
            logger.error("audit record not stored", extra={"audit": fields})
            raise TollgateError(
                ErrorCode.UNAVAILABLE,
                "The audit trail is unavailable.",
                hint="Try again in a moment; if it keeps happening, ask an administrator.",
            ) from None
        logger.info("audit", extra={"audit": {"id": record_id, **fields}})
        return record_id
