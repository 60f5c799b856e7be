"""The approver pages: pending requests with a plain-language summary, approve or reject with a
comment, and the tenant's audit trail (filter, CSV export, chain check).

Everything the pages show or change lives in policy and is reached over gRPC. An approver signs in
with their own Tollgate key for the tenant; auth verifies it like any MCP call and keeps a short
server-side session (cookie scoped to the tenant's approval pages, every form carrying the
session's CSRF token). Only people the tenant's policy names as approvers get in; policy checks
again when a decision arrives.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.responses import HTMLResponse, RedirectResponse, Response
from tollgate.v1 import common_pb2, policy_pb2, policy_pb2_grpc
from tollgate_common.access_tokens import email_allowed
from tollgate_common.audit_export import AUDIT_COLUMNS, audit_csv
from tollgate_common.errors import ErrorCode, TollgateError, rpc_errors
from tollgate_common.stores import Store, StoreError, Window
from tollgate_common.tenants.registry import TenantRegistry

from tollgate_auth.web.context import client_ip
from tollgate_auth.web.pages import PAGE_HEADERS as BASE_PAGE_HEADERS
from tollgate_auth.web.pages import render_page, template_environment

logger = logging.getLogger(__name__)

SESSION_COOKIE: Final = "tollgate_approver"
SESSION_TTL: Final = 3600.0
SIGN_INS_PER_IP_PER_MINUTE: Final = 10
AUDIT_PAGE_LIMIT: Final = 500
EXPORT_LIMIT: Final = 100_000

# auth's page headers; the approver forms post back to this origin only.
PAGE_HEADERS: Final = {
    **BASE_PAGE_HEADERS,
    "Content-Security-Policy": BASE_PAGE_HEADERS["Content-Security-Policy"]
    + "; form-action 'self'",
}
_STATES: Final = {
    policy_pb2.APPROVAL_STATE_PENDING: "Pending",
    policy_pb2.APPROVAL_STATE_APPROVED: "Approved",
    policy_pb2.APPROVAL_STATE_REJECTED: "Rejected",
    policy_pb2.APPROVAL_STATE_EXPIRED: "Expired",
    policy_pb2.APPROVAL_STATE_USED: "Approved and run",
}
_FILTERS: Final = (
    ("user", "User"),
    ("tool", "Tool"),
    ("model", "Model"),
    ("decision", "Decision (allow, deny, approval_required)"),
    ("since", "Since (ISO time)"),
    ("until", "Until (ISO time)"),
)

# Checks a Tollgate key presented at a tenant; returns who it belongs to or raises TollgateError.
VerifyKey = Callable[[str, str], Awaitable[common_pb2.Principal]]

_ENV = template_environment("tollgate_auth.approvals")


def _when(seconds: int) -> str:
    if not seconds:
        return "—"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


_ENV.globals.update(when=_when, state=lambda value: _STATES.get(value, "Unknown"))


class ApproverSession(BaseModel):
    tenant: str
    email: str
    csrf: str


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return render_page(_ENV, template, status, PAGE_HEADERS, **context)


def _iso_seconds(text: str) -> float:
    text = text.strip()
    if not text:
        return 0.0
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time (e.g. 2026-11-22T18:00)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


class ApprovalPages:
    """The router and what it needs; `close` releases the channel to policy."""

    def __init__(
        self,
        *,
        registry: TenantRegistry,
        store: Store,
        verify_key: VerifyKey,
        policy: policy_pb2_grpc.PolicyServiceAsyncStub,
        secure_cookies: bool,
        policy_timeout: float = 5.0,
        audit_timeout: float = 30.0,
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._registry = registry
        self._store = store
        self._verify_key = verify_key
        self._policy = policy
        self._secure = secure_cookies
        self._timeout = policy_timeout
        # The audit calls read a whole trail (an export up to EXPORT_LIMIT records).
        self._audit_timeout = audit_timeout
        self._close = close
        self.router = self._build()

    async def close(self) -> None:
        if self._close is not None:
            await self._close()

    # sessions -------------------------------------------------------------------------------
    @staticmethod
    def _session_key(session: str) -> str:
        digest = hmac.new(b"approver-session", session.encode(), "sha256").hexdigest()
        return f"approver-session:{digest}"

    async def _session(self, request: Request, tenant: str) -> ApproverSession | None:
        cookie = request.cookies.get(SESSION_COOKIE, "")
        if not cookie:
            return None
        raw = await self._store.get(self._session_key(cookie))
        if raw is None:
            return None
        session = ApproverSession.model_validate_json(raw)
        return session if session.tenant == tenant else None

    def _base(self, tenant: str) -> str:
        return f"/t/{tenant}/approvals"

    def _context(
        self, tenant: str, session: ApproverSession | None, **extra: Any
    ) -> dict[str, Any]:
        return {
            "tenant": tenant,
            "base": self._base(tenant),
            "email": session.email if session else "",
            "csrf": session.csrf if session else "",
            **extra,
        }

    def _is_approver(self, tenant: str, email: str) -> bool:
        config = self._registry.get(tenant)
        return config is not None and email_allowed(email, config.policy.approvals.approvers)

    def _sign_in_page(self, tenant: str, status: int = 200, problem: str = "") -> HTMLResponse:
        return _page(
            "approvals_sign_in.html",
            status,
            title="Sign in",
            **self._context(tenant, None, problem=problem),
        )

    async def _policy_call(self, call: Awaitable[Any]) -> Any:
        with rpc_errors("The policy service"):
            return await call

    # routes ---------------------------------------------------------------------------------
    def _build(self) -> APIRouter:
        router = APIRouter()

        def unknown(tenant: str) -> HTMLResponse:
            return _page(
                "approvals_base.html",
                404,
                title="Unknown tenant",
                **self._context(tenant, None, problem=f"There is no tenant {tenant!r} here."),
            )

        async def signed_in(request: Request, tenant: str) -> ApproverSession | Response:
            if self._registry.get(tenant) is None:
                return unknown(tenant)
            try:
                session = await self._session(request, tenant)
            except StoreError:
                return self._sign_in_page(tenant, 503, "Sign-in is unavailable; try again soon.")
            if session is None:
                return self._sign_in_page(tenant)
            if not self._is_approver(tenant, session.email):
                return self._sign_in_page(
                    tenant, 403, f"{session.email} is not an approver of this tenant."
                )
            return session

        async def form_with_csrf(
            request: Request, session: ApproverSession
        ) -> dict[str, str] | None:
            form = await request.form()
            values = {k: v for k, v in form.items() if isinstance(v, str)}
            token = values.get("csrf", "")
            return values if token and hmac.compare_digest(token, session.csrf) else None

        @router.get("/t/{tenant}/approvals", include_in_schema=False)
        async def pending(tenant: str, request: Request) -> Response:
            session = await signed_in(request, tenant)
            if not isinstance(session, ApproverSession):
                return session
            try:
                answer = await self._policy_call(
                    self._policy.ListApprovals(
                        policy_pb2.ListApprovalsRequest(
                            tenant=tenant, approver_email=session.email, include_decided=True
                        ),
                        timeout=self._timeout,
                    )
                )
            except TollgateError as error:
                return _page(
                    "approvals_base.html",
                    503,
                    title="Unavailable",
                    **self._context(tenant, session, problem=f"{error.message} {error.hint}"),
                )
            approvals = list(answer.approvals)
            waiting = [a for a in approvals if a.state == policy_pb2.APPROVAL_STATE_PENDING]
            decided = [a for a in approvals if a.state != policy_pb2.APPROVAL_STATE_PENDING]
            return _page(
                "approvals_list.html",
                title="Pending requests",
                **self._context(
                    tenant,
                    session,
                    pending=waiting,
                    decided=list(reversed(decided))[:20],
                    notice=request.query_params.get("notice", "")[:200],
                ),
            )

        @router.post("/t/{tenant}/approvals/sign-in", include_in_schema=False)
        async def sign_in(tenant: str, request: Request) -> Response:
            if self._registry.get(tenant) is None:
                return unknown(tenant)
            ip = client_ip(request)
            try:
                limited = await self._store.hit(
                    [Window(f"approver-sign-in:{tenant}:{ip}", SIGN_INS_PER_IP_PER_MINUTE, 60)]
                )
            except StoreError:
                return self._sign_in_page(tenant, 503, "Sign-in is unavailable; try again soon.")
            if not limited.allowed:
                return self._sign_in_page(
                    tenant, 429, "Too many sign-in attempts; wait a minute and try again."
                )
            form = await request.form()
            token = form.get("token")
            if not isinstance(token, str) or not token.strip():
                return self._sign_in_page(tenant, 400, "Enter your Tollgate key.")
            try:
                principal = await self._verify_key(token.strip(), tenant)
            except TollgateError:
                return self._sign_in_page(tenant, 401, "That key is not valid for this tenant.")
            email = (principal.email or principal.subject).lower()
            if not self._is_approver(tenant, email):
                return self._sign_in_page(
                    tenant, 403, f"{email} is not an approver of this tenant."
                )
            cookie = secrets.token_urlsafe(32)
            session = ApproverSession(tenant=tenant, email=email, csrf=secrets.token_urlsafe(24))
            await self._store.put(
                self._session_key(cookie), session.model_dump_json().encode(), ttl=SESSION_TTL
            )
            logger.info("approver signed in", extra={"tenant": tenant, "approver": email})
            response = RedirectResponse(self._base(tenant), status_code=303)
            response.set_cookie(
                SESSION_COOKIE,
                cookie,
                max_age=int(SESSION_TTL),
                path=self._base(tenant),
                httponly=True,
                secure=self._secure,
                samesite="strict",
            )
            return response

        @router.post("/t/{tenant}/approvals/sign-out", include_in_schema=False)
        async def sign_out(tenant: str, request: Request) -> Response:
            cookie = request.cookies.get(SESSION_COOKIE, "")
            if cookie:
                await self._store.delete(self._session_key(cookie))
            response = RedirectResponse(self._base(tenant), status_code=303)
            response.delete_cookie(SESSION_COOKIE, path=self._base(tenant))
            return response

        @router.get("/t/{tenant}/approvals/requests/{approval_id}", include_in_schema=False)
        async def detail(tenant: str, approval_id: str, request: Request) -> Response:
            session = await signed_in(request, tenant)
            if not isinstance(session, ApproverSession):
                return session
            try:
                approval = await self._policy_call(
                    self._policy.GetApproval(
                        policy_pb2.GetApprovalRequest(tenant=tenant, approval_id=approval_id),
                        timeout=self._timeout,
                    )
                )
            except TollgateError as error:
                return _page(
                    "approvals_base.html",
                    404 if error.code is ErrorCode.NOT_FOUND else 503,
                    title="Request",
                    **self._context(tenant, session, problem=error.message),
                )
            return _page(
                "approval_detail.html",
                title=f"Request {approval.id}",
                **self._context(
                    tenant,
                    session,
                    approval=approval,
                    pending=approval.state == policy_pb2.APPROVAL_STATE_PENDING,
                ),
            )

        @router.post("/t/{tenant}/approvals/requests/{approval_id}", include_in_schema=False)
        async def decide(tenant: str, approval_id: str, request: Request) -> Response:
            session = await signed_in(request, tenant)
            if not isinstance(session, ApproverSession):
                return session
            form = await form_with_csrf(request, session)
            if form is None or form.get("decision") not in ("approve", "reject"):
                return _page(
                    "approvals_base.html",
                    400,
                    title="Request",
                    **self._context(
                        tenant, session, problem="The form expired; open the request again."
                    ),
                )
            approve = form["decision"] == "approve"
            try:
                await self._policy_call(
                    self._policy.DecideApproval(
                        policy_pb2.DecideApprovalRequest(
                            tenant=tenant,
                            approval_id=approval_id,
                            approver_email=session.email,
                            approve=approve,
                            comment=form.get("comment", "")[:2000],
                        ),
                        timeout=self._timeout,
                    )
                )
            except TollgateError as error:
                return _page(
                    "approvals_base.html",
                    409,
                    title="Request",
                    **self._context(tenant, session, problem=f"{error.message} {error.hint}"),
                )
            verb = "Approved" if approve else "Rejected"
            notice = f"{verb} request {approval_id}."
            if approve:
                notice += " It runs when the requester repeats the call."
            return RedirectResponse(
                f"{self._base(tenant)}?{urlencode({'notice': notice})}", status_code=303
            )

        async def audit_records(
            tenant: str, request: Request, limit: int
        ) -> tuple[dict[str, str], list[policy_pb2.AuditRecord]]:
            query = {name: request.query_params.get(name, "")[:200] for name, _ in _FILTERS}
            answer = await self._policy_call(
                self._policy.QueryAudit(
                    policy_pb2.QueryAuditRequest(
                        tenant=tenant,
                        user=query["user"],
                        tool=query["tool"],
                        model=query["model"],
                        decision=query["decision"],
                        since=_iso_seconds(query["since"]),
                        until=_iso_seconds(query["until"]),
                        limit=limit,
                    ),
                    timeout=self._audit_timeout,
                )
            )
            return query, list(answer.records)

        @router.get("/t/{tenant}/approvals/audit", include_in_schema=False)
        async def audit(tenant: str, request: Request) -> Response:
            session = await signed_in(request, tenant)
            if not isinstance(session, ApproverSession):
                return session
            try:
                query, records = await audit_records(tenant, request, AUDIT_PAGE_LIMIT)
                chain = await self._policy_call(
                    self._policy.VerifyAudit(
                        policy_pb2.VerifyAuditRequest(tenant=tenant), timeout=self._audit_timeout
                    )
                )
            except (TollgateError, ValueError) as error:
                message = error.message if isinstance(error, TollgateError) else str(error)
                return _page(
                    "approvals_base.html",
                    400 if isinstance(error, ValueError) else 503,
                    title="Audit trail",
                    **self._context(tenant, session, problem=message),
                )
            return _page(
                "approvals_audit.html",
                title="Audit trail",
                **self._context(
                    tenant,
                    session,
                    records=records,
                    chain=chain,
                    query=query,
                    query_string=urlencode({k: v for k, v in query.items() if v}),
                    filters=_FILTERS,
                    columns=AUDIT_COLUMNS,
                ),
            )

        @router.get("/t/{tenant}/approvals/audit.csv", include_in_schema=False)
        async def audit_export(tenant: str, request: Request) -> Response:
            session = await signed_in(request, tenant)
            if not isinstance(session, ApproverSession):
                return session
            try:
                _query, records = await audit_records(tenant, request, EXPORT_LIMIT)
            except (TollgateError, ValueError) as error:
                message = error.message if isinstance(error, TollgateError) else str(error)
                return Response(message, status_code=400, media_type="text/plain")
            return Response(
                audit_csv((r.id, r.fields) for r in records),
                media_type="text/csv; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="audit-{tenant}.csv"',
                    "Cache-Control": "no-store",
                },
            )

        return router
