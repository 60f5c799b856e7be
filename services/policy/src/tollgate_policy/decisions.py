"""Deciding whether a call may run. For now every valid call is allowed; the checks that make a
request valid already fail closed, and the rule engine of the policy issue slots in here.
"""

from __future__ import annotations

import secrets
import time
from typing import Final

from tollgate.v1 import common_pb2, policy_pb2
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.tenants.config import TenantConfig
from tollgate_common.tenants.registry import TenantRegistry

OPERATIONS: Final = frozenset({"read", "create", "write", "unlink", "execute"})


def new_decision_id() -> str:
    return "dec_" + secrets.token_urlsafe(16)


class Decider:
    def __init__(self, registry: TenantRegistry) -> None:
        self._registry = registry

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

    def authorize(self, request: policy_pb2.AuthorizeRequest) -> policy_pb2.AuthorizeResponse:
        self.tenant_of(request.principal)
        call = request.call
        if not call.tool:
            raise TollgateError(ErrorCode.INVALID_ARGUMENT, "The call names no tool.", field="tool")
        if call.operation and call.operation not in OPERATIONS:
            raise TollgateError(
                ErrorCode.INVALID_ARGUMENT,
                f"Unknown operation {call.operation!r}.",
                field="operation",
                suggestions=sorted(OPERATIONS),
            )
        return policy_pb2.AuthorizeResponse(
            decision=policy_pb2.DECISION_ALLOW, decision_id=new_decision_id()
        )

    def filter_tools(self, request: policy_pb2.FilterToolsRequest) -> list[str]:
        self.tenant_of(request.principal)
        return list(dict.fromkeys(request.tools))
