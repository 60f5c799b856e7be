"""The browser side of the authorization code flow: ``/authorize`` checks the request and shows
the login page; the login (Odoo login + API key, checked by the tenant's worker) or the upstream
SSO sign-in leads to the consent page; consent issues a single-use code.

Until the redirect URI is known to belong to the client, errors are shown as a page (never
redirected: RFC 6749 §4.1.2.1). The pending request lives server-side; each form carries a CSRF
token that must match the one stored with it, and the browser must present the session cookie the
request was started with.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
import time
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response
from tollgate_common.access_tokens import email_allowed
from tollgate_common.errors import TollgateError
from tollgate_common.stores import Window
from tollgate_common.tenants.config import TenantConfig

from tollgate_auth.clients import ClientMetadataError, redirect_uri_matches
from tollgate_auth.odoo_login import CredentialRefused
from tollgate_auth.sso import SsoError
from tollgate_auth.store import CodeRecord, Identity, PendingAuthorization, SealedValue, digest
from tollgate_auth.web.context import (
    DEFAULT_SCOPE,
    PENDING_TTL_SECONDS,
    SCOPES_SUPPORTED,
    WebContext,
    client_ip,
)
from tollgate_auth.web.pages import error_page, page

logger = logging.getLogger(__name__)

SESSION_COOKIE = "tollgate_auth_session"
_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")


class _Stop(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _redirect_with(uri: str, params: dict[str, str | None]) -> RedirectResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if urlsplit(uri).query else "?"
    # 303: the browser follows a POST's answer with a GET.
    return RedirectResponse(f"{uri}{separator}{query}", status_code=303)


def _unknown_tenant(tenant: str) -> Response:
    return error_page(
        404,
        "Unknown tenant",
        f"There is no tenant named {tenant!r} here.",
        "Check the MCP URL you added to your AI client.",
    )


def _expired() -> Response:
    return error_page(
        400,
        "Sign-in expired",
        "This sign-in request is unknown or has expired.",
        "Start again from your AI client.",
    )


def build_router(context: WebContext) -> APIRouter:
    router = APIRouter()

    def redirect_error(pending: PendingAuthorization, error: str, description: str) -> Response:
        return _redirect_with(
            pending.redirect_uri,
            {
                "error": error,
                "error_description": description,
                "state": pending.state,
                "iss": context.issuer(pending.tenant),
            },
        )

    async def load_pending(
        tenant: str, request: Request, form: FormData, *, need_identity: bool
    ) -> PendingAuthorization:
        request_id = form.get("request")
        pending = await context.store.pending(request_id) if isinstance(request_id, str) else None
        if pending is None or pending.tenant != tenant:
            raise _Stop(_expired())
        session = request.cookies.get(SESSION_COOKIE, "")
        csrf = form.get("csrf_token")
        if (
            not session
            or not hmac.compare_digest(digest(session), pending.session_digest)
            or not isinstance(csrf, str)
            or not hmac.compare_digest(csrf, pending.csrf)
        ):
            logger.warning("form refused: CSRF check failed", extra={"tenant": tenant})
            raise _Stop(
                error_page(
                    403,
                    "Form not accepted",
                    "This form could not be verified (missing or wrong security token).",
                    "Start again from your AI client; do not reuse old sign-in pages.",
                )
            )
        if need_identity and pending.identity is None:
            raise _Stop(_expired())
        return pending

    def consent_page(config: TenantConfig, pending: PendingAuthorization) -> Response:
        identity = pending.identity
        assert identity is not None
        return page(
            "consent.html",
            title="Allow access",
            tenant=config.name,
            client_name=pending.client_name or pending.client_id,
            client_id=pending.client_id,
            redirect_host=urlsplit(pending.redirect_uri).netloc or pending.redirect_uri,
            resource=pending.resource,
            user_name=identity.name,
            email=identity.email,
            odoo_login=identity.odoo_login,
            access="read (never change)" if config.access.read_only else "read and change records",
            action=f"/t/{config.name}/consent",
            request_id=pending.request_id,
            csrf=pending.csrf,
        )

    def login_page(
        config: TenantConfig,
        pending: PendingAuthorization,
        *,
        error: str = "",
        login: str = "",
        status: int = 200,
    ) -> Response:
        sso = context.sso.get(config.name)
        return page(
            "login.html",
            status,
            title="Sign in",
            tenant=config.name,
            client_name=pending.client_name or pending.client_id,
            login_action=f"/t/{config.name}/login",
            sso_action=f"/t/{config.name}/sso/start" if sso else "",
            sso_name=sso.config.name if sso else "",
            request_id=pending.request_id,
            csrf=pending.csrf,
            error=error,
            login=login,
        )

    async def with_identity(
        config: TenantConfig, pending: PendingAuthorization, identity: Identity
    ) -> Response:
        if not email_allowed(identity.email, config.access.allowed_emails):
            await context.store.drop_pending(pending.request_id)
            logger.info("sign-in refused: not on the allowlist", extra={"tenant": config.name})
            return error_page(
                403,
                "Not allowed",
                f"Your account ({identity.email or identity.odoo_login}) may not connect to "
                f"{config.name}.",
                "Ask your administrator to add you to the tenant's allowed emails.",
            )
        pending = pending.model_copy(
            update={"identity": identity, "csrf": secrets.token_urlsafe(24)}
        )
        await context.store.save_pending(pending, PENDING_TTL_SECONDS)
        return consent_page(config, pending)

    async def throttle(config: TenantConfig, request: Request, login: str) -> Response | None:
        limits = context.limits
        wait = await context.allow(
            Window(f"login:{config.name}:{digest(login.lower())}", limits.login_per_minute, 60),
            Window(f"login-ip:{client_ip(request)}", limits.login_per_ip_per_minute, 60),
        )
        if not wait:
            return None
        logger.warning("sign-in throttled", extra={"tenant": config.name})
        return error_page(
            429,
            "Too many attempts",
            f"Too many sign-in attempts. Wait {int(wait)} seconds and try again.",
            headers={"Retry-After": str(int(wait))},
        )

    async def check_odoo_key(
        config: TenantConfig, request: Request, form: FormData
    ) -> Identity | Response | str:
        """The Odoo identity, a response to send (throttled, unavailable) or an error to show."""
        login = form.get("login")
        api_key = form.get("api_key")
        login = login.strip() if isinstance(login, str) else ""
        throttled = await throttle(config, request, login)
        if throttled is not None:
            return throttled
        try:
            return await context.checker.check(
                config, login, api_key if isinstance(api_key, str) else ""
            )
        except CredentialRefused as error:
            logger.info("sign-in refused by Odoo", extra={"tenant": config.name})
            return str(error)
        except TollgateError as error:
            return error_page(
                503,
                "Odoo unavailable",
                error.message,
                "Try again in a moment.",
                headers={"Retry-After": "5"},
            )

    @router.get("/t/{tenant}/authorize", include_in_schema=False)
    async def authorize(tenant: str, request: Request) -> Response:
        config = context.registry.get(tenant)
        if config is None:
            return _unknown_tenant(tenant)
        params = request.query_params
        client_id = params.get("client_id", "")
        try:
            client = await context.clients.find(tenant, client_id)
        except ClientMetadataError as error:
            logger.info("authorization refused: client", extra={"tenant": tenant})
            return error_page(400, "Unknown application", error.description)
        redirect_uri = params.get("redirect_uri")
        if redirect_uri is None and len(client.redirect_uris) == 1:
            redirect_uri = client.redirect_uris[0]
        if redirect_uri is None or not any(
            redirect_uri_matches(redirect_uri, registered) for registered in client.redirect_uris
        ):
            logger.info("authorization refused: redirect_uri", extra={"tenant": tenant})
            return error_page(
                400,
                "Wrong return address",
                "The application asked to return to an address it did not register.",
            )
        pending = PendingAuthorization(
            request_id=secrets.token_urlsafe(24),
            tenant=tenant,
            client_id=client.client_id,
            client_name=client.client_name,
            redirect_uri=redirect_uri,
            state=params.get("state"),
            code_challenge="",
            scope="",
            resource="",
            session_digest="",
            csrf=secrets.token_urlsafe(24),
            created_at=time.time(),
        )
        if params.get("response_type") != "code":
            return redirect_error(
                pending, "unsupported_response_type", "response_type must be code."
            )
        challenge = params.get("code_challenge", "")
        if not challenge:
            return redirect_error(
                pending, "invalid_request", "PKCE is required: send code_challenge."
            )
        if params.get("code_challenge_method") != "S256":
            return redirect_error(
                pending, "invalid_request", "Only the S256 code_challenge_method is supported."
            )
        if not _CHALLENGE.match(challenge):
            return redirect_error(pending, "invalid_request", "code_challenge is malformed.")
        resources = params.getlist("resource")
        if len(resources) > 1 or (resources and resources[0].rstrip("/") != config.endpoint):
            return redirect_error(
                pending,
                "invalid_target",
                f"resource must be this tenant's MCP URL {config.endpoint}.",
            )
        requested = (params.get("scope") or DEFAULT_SCOPE).split()
        unknown = [scope for scope in requested if scope not in SCOPES_SUPPORTED]
        if unknown:
            return redirect_error(pending, "invalid_scope", f"Unknown scope: {' '.join(unknown)}.")
        session = request.cookies.get(SESSION_COOKIE) or secrets.token_urlsafe(32)
        pending = pending.model_copy(
            update={
                "code_challenge": challenge,
                "scope": " ".join(dict.fromkeys(requested)),
                "resource": config.endpoint,
                "session_digest": digest(session),
            }
        )
        await context.store.save_pending(pending, PENDING_TTL_SECONDS)
        response = login_page(config, pending)
        response.set_cookie(
            SESSION_COOKIE,
            session,
            httponly=True,
            samesite="lax",
            secure=context.secure_cookies,
            path=f"/t/{tenant}/",
            max_age=int(PENDING_TTL_SECONDS),
        )
        return response

    @router.post("/t/{tenant}/login", include_in_schema=False)
    async def login(tenant: str, request: Request) -> Response:
        config = context.registry.get(tenant)
        if config is None:
            return _unknown_tenant(tenant)
        form = await request.form()
        try:
            pending = await load_pending(tenant, request, form, need_identity=False)
        except _Stop as stop:
            return stop.response
        outcome = await check_odoo_key(config, request, form)
        if isinstance(outcome, Response):
            return outcome
        if isinstance(outcome, str):
            login_value = form.get("login")
            return login_page(
                config,
                pending,
                error=outcome,
                status=401,
                login=login_value if isinstance(login_value, str) else "",
            )
        return await with_identity(config, pending, outcome)

    @router.post("/t/{tenant}/consent", include_in_schema=False)
    async def consent(tenant: str, request: Request) -> Response:
        config = context.registry.get(tenant)
        if config is None:
            return _unknown_tenant(tenant)
        form = await request.form()
        try:
            pending = await load_pending(tenant, request, form, need_identity=True)
        except _Stop as stop:
            return stop.response
        await context.store.drop_pending(pending.request_id)
        if form.get("decision") != "allow":
            return redirect_error(pending, "access_denied", "The user denied access.")
        assert pending.identity is not None
        code = secrets.token_urlsafe(32)
        grant_id = f"oauth:{secrets.token_urlsafe(12)}"
        await context.store.save_code(
            code,
            CodeRecord(
                tenant=tenant,
                client_id=pending.client_id,
                redirect_uri=pending.redirect_uri,
                code_challenge=pending.code_challenge,
                scope=pending.scope,
                resource=pending.resource,
                grant_id=grant_id,
                identity=pending.identity,
            ),
            context.limits.code_ttl,
        )
        logger.info(
            "authorization granted",
            extra={"tenant": tenant, "client_id": pending.client_id, "connection_id": grant_id},
        )
        return _redirect_with(
            pending.redirect_uri,
            {"code": code, "state": pending.state, "iss": context.issuer(tenant)},
        )

    # Upstream SSO ---------------------------------------------------------------------------
    def sso_redirect_uri(tenant: str) -> str:
        return context.endpoint(tenant, "sso/callback")

    @router.get("/t/{tenant}/sso/start", include_in_schema=False)
    async def sso_start(tenant: str, request: Request) -> Response:
        sso = context.sso.get(tenant)
        if context.registry.get(tenant) is None or sso is None:
            return _unknown_tenant(tenant)
        request_id = request.query_params.get("request", "")
        pending = await context.store.pending(request_id) if request_id else None
        session = request.cookies.get(SESSION_COOKIE, "")
        if (
            pending is None
            or pending.tenant != tenant
            or not session
            or not hmac.compare_digest(digest(session), pending.session_digest)
        ):
            return _expired()
        state = f"{pending.request_id}.{secrets.token_urlsafe(16)}"
        try:
            start = await sso.start(redirect_uri=sso_redirect_uri(tenant), state=state)
        except SsoError as error:
            return error_page(502, "Sign-in provider unavailable", str(error))
        pending = pending.model_copy(
            update={"sso_state": state, "sso_verifier": start.verifier, "sso_nonce": start.nonce}
        )
        await context.store.save_pending(pending, PENDING_TTL_SECONDS)
        return RedirectResponse(start.url, status_code=303)

    @router.get("/t/{tenant}/sso/callback", include_in_schema=False)
    async def sso_callback(tenant: str, request: Request) -> Response:
        config = context.registry.get(tenant)
        sso = context.sso.get(tenant)
        if config is None or sso is None:
            return _unknown_tenant(tenant)
        state = request.query_params.get("state", "")
        pending = await context.store.pending(state.split(".", 1)[0]) if state else None
        session = request.cookies.get(SESSION_COOKIE, "")
        if (
            pending is None
            or pending.tenant != tenant
            or not pending.sso_state
            or not hmac.compare_digest(state, pending.sso_state)
            or not session
            or not hmac.compare_digest(digest(session), pending.session_digest)
        ):
            return _expired()
        code = request.query_params.get("code", "")
        if not code:
            return error_page(400, "Sign-in cancelled", "The sign-in provider returned no code.")
        try:
            email = await sso.finish(
                code=code,
                redirect_uri=sso_redirect_uri(tenant),
                verifier=pending.sso_verifier,
                nonce=pending.sso_nonce,
            )
        except SsoError as error:
            return error_page(400, "Sign-in failed", str(error))
        # One use of the upstream state: a replayed callback finds no SSO sign-in under way.
        pending = pending.model_copy(update={"sso_state": "", "sso_verifier": "", "sso_nonce": ""})
        if not email_allowed(email, config.access.allowed_emails):
            await context.store.drop_pending(pending.request_id)
            return error_page(
                403,
                "Not allowed",
                f"Your account ({email}) may not connect to {tenant}.",
                "Ask your administrator to add you to the tenant's allowed emails.",
            )
        stored = await context.store.user_credential(tenant, email)
        if stored is not None:
            return await with_identity(config, pending, stored)
        pending = pending.model_copy(
            update={
                "identity": Identity(
                    subject=email,
                    email=email,
                    name=email,
                    odoo_login="",
                    credential=SealedValue(key_id="", ciphertext=""),
                ),
                "csrf": secrets.token_urlsafe(24),
            }
        )
        await context.store.save_pending(pending, PENDING_TTL_SECONDS)
        return register_key_page(config, pending)

    def register_key_page(
        config: TenantConfig, pending: PendingAuthorization, *, error: str = "", status: int = 200
    ) -> Response:
        assert pending.identity is not None
        return page(
            "register_key.html",
            status,
            title="Connect your Odoo account",
            tenant=config.name,
            email=pending.identity.email,
            action=f"/t/{config.name}/sso/odoo-key",
            request_id=pending.request_id,
            csrf=pending.csrf,
            error=error,
            login="",
        )

    @router.post("/t/{tenant}/sso/odoo-key", include_in_schema=False)
    async def sso_register_key(tenant: str, request: Request) -> Response:
        config = context.registry.get(tenant)
        if config is None or tenant not in context.sso:
            return _unknown_tenant(tenant)
        form = await request.form()
        try:
            pending = await load_pending(tenant, request, form, need_identity=True)
        except _Stop as stop:
            return stop.response
        assert pending.identity is not None
        if pending.identity.odoo_login:
            return _expired()  # only an SSO sign-in without a registered key comes here
        email = pending.identity.email
        outcome = await check_odoo_key(config, request, form)
        if isinstance(outcome, Response):
            return outcome
        if isinstance(outcome, str):
            return register_key_page(config, pending, error=outcome, status=401)
        if outcome.email and outcome.email != email:
            return register_key_page(
                config,
                pending,
                status=403,
                error="This Odoo user belongs to someone else: use your own login and API key.",
            )
        identity = outcome.model_copy(update={"subject": email, "email": email})
        await context.store.save_user_credential(tenant, email, identity)
        logger.info("Odoo key registered for an SSO user", extra={"tenant": tenant})
        return await with_identity(config, pending, identity)

    return router
