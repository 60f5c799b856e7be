"""policy's gRPC API. Errors leave as `TollgateError` (the common interceptor shapes them)."""

from __future__ import annotations

from typing import Any

import grpc
from tollgate.v1 import policy_pb2, policy_pb2_grpc
from tollgate_common.errors import ErrorCode, TollgateError

from tollgate_policy.audit import AuditTrail
from tollgate_policy.decisions import Decider

Context = grpc.aio.ServicerContext[Any, Any]


class PolicyServicer(policy_pb2_grpc.PolicyServiceServicer):
    def __init__(self, decider: Decider, audit: AuditTrail) -> None:
        self.decider = decider
        self.audit = audit

    async def Authorize(
        self, request: policy_pb2.AuthorizeRequest, context: Context
    ) -> policy_pb2.AuthorizeResponse:
        return self.decider.authorize(request)

    async def FilterTools(
        self, request: policy_pb2.FilterToolsRequest, context: Context
    ) -> policy_pb2.FilterToolsResponse:
        return policy_pb2.FilterToolsResponse(tools=self.decider.filter_tools(request))

    async def RecordOutcome(
        self, request: policy_pb2.RecordOutcomeRequest, context: Context
    ) -> policy_pb2.RecordOutcomeResponse:
        self.decider.tenant_of(request.principal)
        if not request.decision_id:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "The outcome names no decision.", field="decision_id"
            )
        if request.outcome == policy_pb2.OUTCOME_UNSPECIFIED:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "The outcome is not given.", field="outcome"
            )
        await self.audit.record(request)
        return policy_pb2.RecordOutcomeResponse()
