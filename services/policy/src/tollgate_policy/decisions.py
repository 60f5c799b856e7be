"""Deciding whether a call may run: validate, apply the rules, count the call, check approvals.

Fails closed: an unknown tenant, a policy that cannot be compiled or a store that cannot answer
refuses the call with a clear error; nothing is allowed by default.
"""

from __future__ import annotations

import logging
import secrets
import time
from functools import partial
from typing import Final

from tollgate.v1 import common_pb2, policy_pb2
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.stores import Store, StoreError
from tollgate_common.tenants.config import TenantConfig
from tollgate_common.tenants.registry import TenantRegistry

from tollgate_policy.approvals import ApprovalBook
from tollgate_policy.rates import limits_for
from tollgate_policy.record_names import RecordNames
from tollgate_policy.rules import CallFacts, CompiledPolicy, Verdict

logger = logging.getLogger(__name__)

OPERATIONS: Final = frozenset({"read", "create", "write", "unlink", "execute"})
_DECISIONS: Final = {
    "allow": policy_pb2.DECISION_ALLOW,
    "deny": policy_pb2.DECISION_DENY,
    "approval": policy_pb2.DECISION_APPROVAL_REQUIRED,
}


def new_decision_id() -> str:
    return "dec_" + secrets.token_urlsafe(16)


def _store_down() -> TollgateError:
    return TollgateError(
        ErrorCode.UNAVAILABLE,
        "The policy service cannot decide right now, so the call was refused.",
        hint="Try again in a few seconds; if it keeps happening, ask an administrator.",
        retry_after=2.0,
    )


class Decider:
    def __init__(
        self,
        registry: TenantRegistry,
        store: Store,
        *,
        approvals_url: str = "",
        record_names: RecordNames | None = None,
    ) -> None:
        self._registry = registry
        self._record_names = record_names
        self._store = store
        self.approvals = ApprovalBook(store)
        self._approvals_url = approvals_url
        self._compiled: dict[str, CompiledPolicy] = {}

    # -- validation ---------------------------------------------------------------------------
    def tenant_of(self, principal: common_pb2.Principal) -> TenantConfig:
        """The caller's tenant; refuses a request that names none, an unknown one or has expired."""
        if not principal.tenant:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "The call names no tenant.", field="principal.tenant"
            )
        if not principal.subject:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT, "The call names no caller.", field="principal.subject"
            )
        if principal.expires_at and principal.expires_at < time.time():
            raise TollgateError(
                ErrorCode.UNAUTHENTICATED,
                "The caller's authentication has expired.",
                hint="Reconnect to get a fresh token.",
            )
        return self._registry.require(principal.tenant)

    def tenant(self, name: str) -> TenantConfig:
        """A tenant named directly (approver pages, audit), its policy checked to compile."""
        if not name:
            raise TollgateError(ErrorCode.INVALID_ARGUMENT, "No tenant given.", field="tenant")
        return self.policy_of(self._registry.require(name)).config

    def policy_of(self, config: TenantConfig) -> CompiledPolicy:
        """The compiled policy of ``config`` (cached per revision); an invalid one refuses."""
        compiled = self._compiled.get(config.name)
        if compiled is not None and compiled.config is config:
            return compiled
        try:
            compiled = CompiledPolicy.of(config)
        except ValueError as error:
            logger.error(
                "tenant policy invalid", extra={"tenant": config.name, "problem": str(error)}
            )
            raise TollgateError(
                ErrorCode.UNAVAILABLE,
                f"The policy of tenant {config.name!r} is invalid, so every call is refused: "
                f"{error}",
                hint="The tenant's administrator must fix the spec.",
            ) from None
        self._compiled[config.name] = compiled
        return compiled

    def _check_call(self, call: common_pb2.ToolCall) -> None:
        if not call.tool:
            raise TollgateError(ErrorCode.INVALID_ARGUMENT, "The call names no tool.", field="tool")
        if call.operation and call.operation not in OPERATIONS:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"Unknown operation {call.operation!r}.",
                field="operation",
                suggestions=sorted(OPERATIONS),
            )

    def verdict(self, request: policy_pb2.AuthorizeRequest) -> tuple[TenantConfig, Verdict]:
        config = self.tenant_of(request.principal)
        self._check_call(request.call)
        facts = CallFacts.of(request.principal, request.call, request.client_ip)
        return config, self.policy_of(config).decide(facts)

    # -- RPCs ---------------------------------------------------------------------------------
    async def authorize(self, request: policy_pb2.AuthorizeRequest) -> policy_pb2.AuthorizeResponse:
        config, verdict = self.verdict(request)
        response = policy_pb2.AuthorizeResponse(
            decision=_DECISIONS[verdict.outcome],
            decision_id=new_decision_id(),
            reason_code=verdict.reason_code,
            message=verdict.message,
            redact_fields=verdict.redact_fields,
            dry_run=verdict.dry_run,
            confirm=verdict.confirm,
        )
        if verdict.outcome == "deny":
            return response
        if verdict.confirm and request.can_confirm and not request.confirmed:
            # Ask first; the confirmed retry is the call that counts (and may use an approval).
            response.decision = policy_pb2.DECISION_CONFIRM_REQUIRED
            response.reason_code = "confirm_required"
            response.message = f"Run {request.call.tool}? The tenant asks users to confirm it."
            return response
        try:
            limited = await self._count(config, request.principal)
            if limited is not None:
                return limited
            if verdict.outcome == "approval":
                await self._approval(config, request, verdict, response)
        except StoreError:
            raise _store_down() from None
        return response

    async def _count(
        self, config: TenantConfig, principal: common_pb2.Principal
    ) -> policy_pb2.AuthorizeResponse | None:
        limits = limits_for(config.name, config.policy.rate_limits, principal)
        result = await self._store.hit([limit.window for limit in limits])
        if result.allowed:
            return None
        label = next(lim.label for lim in limits if lim.window == result.exceeded)
        retry = max(1, round(result.retry_after))
        return policy_pb2.AuthorizeResponse(
            decision=policy_pb2.DECISION_DENY,
            decision_id=new_decision_id(),
            reason_code="rate_limited",
            message=f"Rate limit reached ({label}). Try again in {retry} seconds.",
            retry_after_seconds=float(retry),
        )

    async def _approval(
        self,
        config: TenantConfig,
        request: policy_pb2.AuthorizeRequest,
        verdict: Verdict,
        response: policy_pb2.AuthorizeResponse,
    ) -> None:
        names = (
            partial(
                self._record_names.lookup,
                config,
                self.policy_of(config),
                request.principal,
                request.call,
                request.client_ip,
            )
            if self._record_names is not None
            else None
        )
        approval, state = await self.approvals.for_call(
            config, request.principal, request.call, verdict.approvers, names
        )
        response.approval_id = approval.id
        if state == policy_pb2.APPROVAL_STATE_APPROVED:
            response.decision = policy_pb2.DECISION_ALLOW
            response.message = ""
            response.reason_code = ""
            return
        if state == policy_pb2.APPROVAL_STATE_REJECTED:
            decision = await self.approvals.decision(config.name, approval.id)
            comment = f' ("{decision.comment}")' if decision and decision.comment else ""
            response.decision = policy_pb2.DECISION_DENY
            response.reason_code = "approval_rejected"
            response.message = (
                f"{decision.by if decision else 'An approver'} rejected this call{comment}. "
                "Do not retry it unchanged."
            )
            return
        response.approvers.extend(verdict.approvers)
        response.approval_expires_at = int(approval.expires_at)
        where = (
            f" at {self._approvals_url.format(tenant=config.name)}" if self._approvals_url else ""
        )
        minutes = config.policy.approvals.expires_after_minutes
        response.message = (
            f"This call needs an approval (request {approval.id}) from "
            f"{', '.join(verdict.approvers)}. Ask them to approve it{where}; it lapses in "
            f"{minutes} minutes. To check, repeat exactly the same call: until a decision it "
            "answers with this request, once approved it runs (once), and if rejected it says "
            "so. Any change to the call needs a new approval."
        )

    def explain(self, request: policy_pb2.AuthorizeRequest) -> policy_pb2.ExplainResponse:
        config, verdict = self.verdict(request)
        limits = limits_for(config.name, config.policy.rate_limits, request.principal)
        return policy_pb2.ExplainResponse(
            decision=_DECISIONS[verdict.outcome],
            reason_code=verdict.reason_code,
            message=verdict.message,
            rule=verdict.rule,
            redact_fields=verdict.redact_fields,
            dry_run=verdict.dry_run,
            confirm=verdict.confirm,
            rate_limits=[lim.label for lim in limits if lim.window.limit < 2**53],
        )

    def filter_tools(self, request: policy_pb2.FilterToolsRequest) -> list[str]:
        """The names of the tools in ``request`` the caller may see, each once, in order."""
        config = self.tenant_of(request.principal)
        policy = self.policy_of(config)
        for index, tool in enumerate(request.tools):
            if not tool.name:
                raise TollgateError(
                    ErrorCode.INVALID_ARGUMENT,
                    "A tool to filter has no name.",
                    field=f"tools[{index}].name",
                )
            if tool.operation not in OPERATIONS:
                raise TollgateError(
                    ErrorCode.INVALID_ARGUMENT,
                    f"Unknown operation {tool.operation!r} for the tool {tool.name!r}.",
                    field=f"tools[{index}].operation",
                    suggestions=sorted(OPERATIONS),
                )
        visible = (
            tool.name
            for tool in request.tools
            if policy.tool_visible(request.principal, tool.name, tool.operation)
        )
        return list(dict.fromkeys(visible))
