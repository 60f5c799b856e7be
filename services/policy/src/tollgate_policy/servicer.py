"""policy's gRPC API. Errors leave as `TollgateError` (the common interceptor shapes them)."""

from __future__ import annotations

from typing import Any

import grpc
from tollgate.v1 import policy_pb2, policy_pb2_grpc
from tollgate_common.access_tokens import email_allowed
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.observe import (
    observe_approval_decided,
    observe_audit_record,
    observe_decision,
)
from tollgate_common.stores import StoreError
from tollgate_common.tenants.config import TenantConfig

from tollgate_policy.audit import AuditQuery, AuditTrail
from tollgate_policy.decisions import Decider
from tollgate_policy.rules import CompiledPolicy

Context = grpc.aio.ServicerContext[Any, Any]

_MAX_QUERY = 100_000
MAX_OUTCOMES = 1000
_OUTCOMES = frozenset(policy_pb2.Outcome.values())


def _store_error() -> TollgateError:
    return TollgateError(
        ErrorCode.UNAVAILABLE,
        "The policy store is unavailable.",
        hint="Try again in a few seconds.",
        retry_after=2.0,
    )


def _check_outcome(record: policy_pb2.RecordOutcomeRequest) -> None:
    if not record.decision_id:
        raise TollgateError(
            ErrorCode.INVALID_ARGUMENT, "The outcome names no decision.", field="decision_id"
        )
    if record.outcome == policy_pb2.OUTCOME_UNSPECIFIED:
        raise TollgateError(
            ErrorCode.INVALID_ARGUMENT, "The outcome is not given.", field="outcome"
        )
    if record.outcome not in _OUTCOMES:
        raise TollgateError(
            ErrorCode.INVALID_ARGUMENT, f"Unknown outcome {record.outcome}.", field="outcome"
        )


def _rejection(index: int, error: TollgateError) -> policy_pb2.OutcomeRejection:
    return policy_pb2.OutcomeRejection(index=index, code=error.code.value, message=error.message)


class PolicyServicer(policy_pb2_grpc.PolicyServiceServicer):
    def __init__(self, decider: Decider, audit: AuditTrail) -> None:
        self.decider = decider
        self.audit = audit

    def _tenant(self, name: str) -> TenantConfig:
        return self.decider.tenant(name)

    async def Authorize(
        self, request: policy_pb2.AuthorizeRequest, context: Context
    ) -> policy_pb2.AuthorizeResponse:
        response = await self.decider.authorize(request)
        observe_decision(request, response)
        return response

    async def Explain(
        self, request: policy_pb2.AuthorizeRequest, context: Context
    ) -> policy_pb2.ExplainResponse:
        return self.decider.explain(request)

    async def FilterTools(
        self, request: policy_pb2.FilterToolsRequest, context: Context
    ) -> policy_pb2.FilterToolsResponse:
        return policy_pb2.FilterToolsResponse(tools=self.decider.filter_tools(request))

    async def RecordOutcomes(
        self, request: policy_pb2.RecordOutcomesRequest, context: Context
    ) -> policy_pb2.RecordOutcomesResponse:
        if len(request.records) > MAX_OUTCOMES:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"At most {MAX_OUTCOMES} outcomes per request, not {len(request.records)}.",
                field="records",
            )
        rejected: list[policy_pb2.OutcomeRejection] = []
        tenants: dict[str, tuple[TenantConfig, CompiledPolicy, list[int]]] = {}
        for index, record in enumerate(request.records):
            try:
                config = self.decider.tenant_of(record.principal)
                _check_outcome(record)
                policy = self.decider.policy_of(config)
            except TollgateError as error:
                rejected.append(_rejection(index, error))
                continue
            tenants.setdefault(config.name, (config, policy, []))[2].append(index)
        for config, policy, indexes in tenants.values():
            records = [request.records[i] for i in indexes]
            try:
                await self.audit.record(records, config, policy.denied_fields)
            except TollgateError as error:
                rejected.extend(_rejection(i, error) for i in indexes)
                continue
            for record in records:
                observe_audit_record(record)
        rejected.sort(key=lambda r: r.index)
        return policy_pb2.RecordOutcomesResponse(rejected=rejected)

    # -- approvals ----------------------------------------------------------------------------
    async def ListApprovals(
        self, request: policy_pb2.ListApprovalsRequest, context: Context
    ) -> policy_pb2.ListApprovalsResponse:
        config = self._tenant(request.tenant)
        book = self.decider.approvals
        found = []
        try:
            for approval in await book.list(config.name):
                if request.approver_email and not email_allowed(
                    request.approver_email, approval.approvers
                ):
                    continue
                message = await book.to_proto(approval)
                if request.include_decided or message.state == policy_pb2.APPROVAL_STATE_PENDING:
                    found.append(message)
        except StoreError:
            raise _store_error() from None
        return policy_pb2.ListApprovalsResponse(approvals=found)

    async def GetApproval(
        self, request: policy_pb2.GetApprovalRequest, context: Context
    ) -> policy_pb2.Approval:
        config = self._tenant(request.tenant)
        try:
            approval = await self.decider.approvals.load(config.name, request.approval_id)
            if approval is None:
                raise TollgateError(
                    ErrorCode.NOT_FOUND,
                    f"There is no approval request {request.approval_id!r}.",
                    field="approval_id",
                )
            return await self.decider.approvals.to_proto(approval)
        except StoreError:
            raise _store_error() from None

    async def DecideApproval(
        self, request: policy_pb2.DecideApprovalRequest, context: Context
    ) -> policy_pb2.Approval:
        config = self._tenant(request.tenant)
        book = self.decider.approvals
        try:
            approval = await book.decide(
                config.name,
                request.approval_id,
                request.approver_email,
                approve=request.approve,
                comment=request.comment,
            )
            observe_approval_decided(config.name, request.approval_id, request.approve)
            return await book.to_proto(approval)
        except StoreError:
            raise _store_error() from None

    # -- audit --------------------------------------------------------------------------------
    async def QueryAudit(
        self, request: policy_pb2.QueryAuditRequest, context: Context
    ) -> policy_pb2.QueryAuditResponse:
        config = self._tenant(request.tenant)
        query = AuditQuery(
            user=request.user,
            tool=request.tool,
            model=request.model,
            decision=request.decision,
            since=request.since,
            until=request.until,
            limit=min(request.limit or 1000, _MAX_QUERY),
        )
        entries = await self.audit.query(config.name, query)
        return policy_pb2.QueryAuditResponse(
            records=[policy_pb2.AuditRecord(id=e.id, fields=dict(e.fields)) for e in entries]
        )

    async def VerifyAudit(
        self, request: policy_pb2.VerifyAuditRequest, context: Context
    ) -> policy_pb2.VerifyAuditResponse:
        config = self._tenant(request.tenant)
        report = await self.audit.verify(config.name)
        return policy_pb2.VerifyAuditResponse(
            intact=report.intact,
            records=report.records,
            broken_at=report.broken_at,
            problem=report.problem,
        )
