"""Human approvals: bound to the exact call, decided once, used once, expiring.

A request is keyed by a hash of the call (tenant, requester, tool, model, operation, method, ids
and arguments), so changing anything in the call needs a new approval. State lives in single-use
store keys written with "only if absent": the first decision wins (double approval is refused)
and the first retry after approval runs (a replay finds the approval used). Approving runs
nothing: the requester's own retry, under their own credential, does.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

from pydantic import BaseModel
from tollgate.v1 import common_pb2, policy_pb2
from tollgate_common.access_tokens import email_allowed
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.stores import Store
from tollgate_common.tenants.config import TenantConfig

from tollgate_policy.rules import parse_arguments

# Reads the names of the records a call names (see `record_names`); [] when it cannot.
NameLookup = Callable[[], Awaitable[list[str]]]
# Decided and expired requests stay listed this long after they lapse.
KEEP_AFTER_EXPIRY: Final = 24 * 3600.0


def call_hash(principal: common_pb2.Principal, call: common_pb2.ToolCall) -> str:
    canonical = json.dumps(
        {
            "tenant": principal.tenant,
            "requester": principal.subject,
            "tool": call.tool,
            "model": call.model,
            "operation": call.operation,
            "method": call.method,
            "ids": sorted(call.record_ids),
            "arguments": parse_arguments(call.arguments_json),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class ApprovalRequest(BaseModel):
    """The immutable part of a request, as stored."""

    id: str
    tenant: str
    call_hash: str
    requester: str
    requester_email: str
    connection_id: str
    client_id: str
    tool: str
    model: str
    operation: str
    method: str
    record_ids: list[int]
    record_names: list[str]
    changes: dict[str, Any]
    approvers: list[str]
    created_at: float
    expires_at: float


class ApprovalDecision(BaseModel):
    approve: bool
    by: str
    comment: str
    at: float


def _changes(arguments: dict[str, Any]) -> dict[str, Any]:
    """The values a call writes: ``values`` (one set for all records) or ``records`` (one set
    per new record, numbered when there are several)."""
    values = arguments.get("values")
    if isinstance(values, dict):
        return values
    records = arguments.get("records")
    if isinstance(records, list):
        rows = [row for row in records if isinstance(row, dict)]
        if len(rows) == 1:
            return rows[0]
        return {f"record {n + 1}: {k}": v for n, row in enumerate(rows) for k, v in row.items()}
    return {}


def summarize(request: ApprovalRequest) -> str:
    who = request.requester_email or request.requester
    action = {
        "create": "create a record in",
        "write": "change",
        "unlink": "delete",
        "execute": f"run {request.method or 'a method'} on",
        "read": "read",
    }.get(request.operation, f"use {request.tool} on")
    if request.record_names:
        records = ", ".join(request.record_names)
    elif request.record_ids:
        count = len(request.record_ids)
        ids = ", ".join(str(i) for i in request.record_ids)
        records = f"{count} record{'s' if count != 1 else ''} (id {ids})"
    else:
        records = ""
    target = f"{request.model} {records}".strip() if request.model else records
    sentence = f"{who} asks to {action} {target}".strip() + f" with the tool {request.tool}."
    if request.changes:
        listed = "; ".join(
            f"{field} → {json.dumps(value, ensure_ascii=False)}"
            for field, value in request.changes.items()
        )
        sentence += f" New values: {listed}."
    return sentence


class ApprovalBook:
    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    # keys -----------------------------------------------------------------------------------
    @staticmethod
    def _record_key(tenant: str, approval_id: str) -> str:
        return f"approval:{tenant}:{approval_id}"

    @staticmethod
    def _call_key(tenant: str, digest: str) -> str:
        return f"approval-call:{tenant}:{digest}"

    @staticmethod
    def _decision_key(tenant: str, approval_id: str) -> str:
        return f"approval-decision:{tenant}:{approval_id}"

    @staticmethod
    def _used_key(tenant: str, approval_id: str) -> str:
        return f"approval-used:{tenant}:{approval_id}"

    @staticmethod
    def _index_key(tenant: str) -> str:
        return f"approvals:{tenant}"

    # reading --------------------------------------------------------------------------------
    async def load(self, tenant: str, approval_id: str) -> ApprovalRequest | None:
        raw = await self._store.get(self._record_key(tenant, approval_id))
        return None if raw is None else ApprovalRequest.model_validate_json(raw)

    async def decision(self, tenant: str, approval_id: str) -> ApprovalDecision | None:
        raw = await self._store.get(self._decision_key(tenant, approval_id))
        return None if raw is None else ApprovalDecision.model_validate_json(raw)

    async def state(
        self, request: ApprovalRequest, decision: ApprovalDecision | None = None
    ) -> policy_pb2.ApprovalState.ValueType:
        if decision is None:
            decision = await self.decision(request.tenant, request.id)
        if decision is not None and not decision.approve:
            return policy_pb2.APPROVAL_STATE_REJECTED
        if decision is not None and await self._store.get(
            self._used_key(request.tenant, request.id)
        ):
            return policy_pb2.APPROVAL_STATE_USED
        if request.expires_at <= self._clock():
            return policy_pb2.APPROVAL_STATE_EXPIRED
        if decision is not None:
            return policy_pb2.APPROVAL_STATE_APPROVED
        return policy_pb2.APPROVAL_STATE_PENDING

    async def to_proto(self, request: ApprovalRequest) -> policy_pb2.Approval:
        decision = await self.decision(request.tenant, request.id)
        return policy_pb2.Approval(
            id=request.id,
            tenant=request.tenant,
            requester=request.requester,
            requester_email=request.requester_email,
            connection_id=request.connection_id,
            client_id=request.client_id,
            tool=request.tool,
            model=request.model,
            operation=request.operation,
            method=request.method,
            record_ids=request.record_ids,
            record_names=request.record_names,
            changes=[
                policy_pb2.FieldChange(field=name, value_json=json.dumps(value))
                for name, value in request.changes.items()
            ],
            summary=summarize(request),
            state=await self.state(request, decision),
            approvers=request.approvers,
            created_at=int(request.created_at),
            expires_at=int(request.expires_at),
            decided_by=decision.by if decision else "",
            comment=decision.comment if decision else "",
            decided_at=int(decision.at) if decision else 0,
        )

    async def list(self, tenant: str) -> list[ApprovalRequest]:
        found = []
        index = self._index_key(tenant)
        for approval_id in sorted(await self._store.set_members(index)):
            request = await self.load(tenant, approval_id)
            if request is None:
                await self._store.set_remove(index, approval_id)  # lapsed from the store
                continue
            found.append(request)
        return sorted(found, key=lambda r: r.created_at)

    # the requester's side -------------------------------------------------------------------
    async def for_call(
        self,
        config: TenantConfig,
        principal: common_pb2.Principal,
        call: common_pb2.ToolCall,
        approvers: Sequence[str],
        names: NameLookup | None = None,
    ) -> tuple[ApprovalRequest, policy_pb2.ApprovalState.ValueType]:
        """The request for this exact call and its state. An approved one is consumed here
        (its state comes back APPROVED exactly once; USED afterwards). A call with no live
        request, or whose last request was used or lapsed, gets a new PENDING one."""
        tenant = config.name
        digest = call_hash(principal, call)
        for _attempt in range(3):
            existing_id = await self._store.get(self._call_key(tenant, digest))
            if existing_id is not None:
                request = await self.load(tenant, existing_id.decode())
                if request is not None:
                    state = await self.state(request)
                    if state == policy_pb2.APPROVAL_STATE_APPROVED:
                        if await self._store.put(
                            self._used_key(tenant, request.id),
                            b"1",
                            ttl=self._keep(request),
                            only_if_absent=True,
                        ):
                            return request, state
                        continue  # another retry used it first: look again
                    if state in (
                        policy_pb2.APPROVAL_STATE_PENDING,
                        policy_pb2.APPROVAL_STATE_REJECTED,
                    ):
                        return request, state
                # used or lapsed: this call needs a fresh approval
                await self._store.delete(self._call_key(tenant, digest))
            created = await self._create(config, principal, call, digest, approvers, names)
            if created is not None:
                return created, policy_pb2.APPROVAL_STATE_PENDING
        raise TollgateError(
            ErrorCode.UNAVAILABLE,
            "The approval for this call could not be recorded.",
            hint="Try the call again in a moment.",
        )

    def _keep(self, request: ApprovalRequest) -> float:
        return max(1.0, request.expires_at - self._clock() + KEEP_AFTER_EXPIRY)

    async def _create(
        self,
        config: TenantConfig,
        principal: common_pb2.Principal,
        call: common_pb2.ToolCall,
        digest: str,
        approvers: Sequence[str],
        names: NameLookup | None,
    ) -> ApprovalRequest | None:
        now = self._clock()
        lifetime = config.policy.approvals.expires_after_minutes * 60.0
        arguments = parse_arguments(call.arguments_json)
        request = ApprovalRequest(
            id="apr_" + secrets.token_urlsafe(12),
            tenant=config.name,
            call_hash=digest,
            requester=principal.subject,
            requester_email=principal.email,
            connection_id=principal.connection_id,
            client_id=principal.client_id,
            tool=call.tool,
            model=call.model,
            operation=call.operation,
            method=call.method,
            record_ids=list(call.record_ids),
            record_names=await names() if names is not None else [],
            changes=_changes(arguments),
            approvers=list(approvers),
            created_at=now,
            expires_at=now + lifetime,
        )
        stored = await self._store.put(
            self._call_key(config.name, digest),
            request.id.encode(),
            ttl=lifetime,
            only_if_absent=True,
        )
        if not stored:
            return None  # a concurrent identical call created one first
        await self._store.put(
            self._record_key(config.name, request.id),
            request.model_dump_json().encode(),
            ttl=self._keep(request),
        )
        await self._store.set_add(self._index_key(config.name), request.id)
        return request

    # the approver's side --------------------------------------------------------------------
    async def decide(
        self, tenant: str, approval_id: str, approver: str, *, approve: bool, comment: str
    ) -> ApprovalRequest:
        request = await self.load(tenant, approval_id)
        if request is None:
            raise TollgateError(
                ErrorCode.NOT_FOUND,
                f"There is no approval request {approval_id!r}.",
                field="approval_id",
            )
        approver = approver.strip().lower()
        if not email_allowed(approver, request.approvers):
            raise TollgateError(
                ErrorCode.PERMISSION_DENIED,
                f"{approver or 'This person'} may not decide this request.",
                hint=f"Approvers: {', '.join(request.approvers)}.",
            )
        if approver in (request.requester_email.lower(), request.requester.lower()):
            raise TollgateError(
                ErrorCode.PERMISSION_DENIED,
                "Nobody may approve their own request.",
                hint="Ask another approver.",
            )
        state = await self.state(request)
        if state == policy_pb2.APPROVAL_STATE_EXPIRED:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                "This request has expired.",
                hint="The requester can ask again by repeating the call.",
            )
        decision = ApprovalDecision(
            approve=approve, by=approver, comment=comment.strip()[:2000], at=self._clock()
        )
        if state != policy_pb2.APPROVAL_STATE_PENDING or not await self._store.put(
            self._decision_key(tenant, approval_id),
            decision.model_dump_json().encode(),
            ttl=self._keep(request),
            only_if_absent=True,
        ):
            earlier = await self.decision(tenant, approval_id)
            verb = "approved" if earlier is None or earlier.approve else "rejected"
            by = f" by {earlier.by}" if earlier is not None else ""
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"This request was already {verb}{by}.",
                hint="A request is decided once.",
            )
        return request
