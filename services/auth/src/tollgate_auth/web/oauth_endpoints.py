"""The machine-facing OAuth endpoints of each tenant's issuer ``<issuer_base>/t/<tenant>``:
metadata (RFC 8414, and the OpenID discovery paths clients probe), dynamic registration
(RFC 7591), the token endpoint and revocation (RFC 7009)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response
from tollgate_common.stores import Window

from tollgate_auth.clients import ClientMetadataError, registration_response
from tollgate_auth.tokens import GrantRefused, TokenPair
from tollgate_auth.web.context import WebContext, client_ip, metadata, oauth_error

logger = logging.getLogger(__name__)

MAX_REGISTRATION_BYTES = 16 * 1024


def pkce_matches(verifier: str, challenge: str) -> bool:
    if not 43 <= len(verifier) <= 128:
        return False
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return hmac.compare_digest(computed.rstrip(b"=").decode(), challenge)


def _token_response(pair: TokenPair) -> JSONResponse:
    return JSONResponse(
        {
            "access_token": pair.access_token,
            "token_type": "Bearer",
            "expires_in": pair.expires_in,
            "refresh_token": pair.refresh_token,
            "scope": pair.scope,
        },
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def _unknown_tenant(tenant: str) -> JSONResponse:
    return JSONResponse(
        {"error": "not_found", "error_description": f"There is no tenant named {tenant!r} here."},
        status_code=404,
    )


def build_router(context: WebContext) -> APIRouter:
    router = APIRouter()

    def tenant_metadata(tenant: str) -> Response:
        if context.registry.get(tenant) is None:
            return _unknown_tenant(tenant)
        return JSONResponse(metadata(context, tenant))

    for path in (
        "/.well-known/oauth-authorization-server/t/{tenant}",
        "/.well-known/openid-configuration/t/{tenant}",
        "/t/{tenant}/.well-known/openid-configuration",
        "/t/{tenant}/.well-known/oauth-authorization-server",
    ):
        router.add_api_route(path, tenant_metadata, methods=["GET"], include_in_schema=False)

    @router.post("/t/{tenant}/register", include_in_schema=False)
    async def register(tenant: str, request: Request) -> Response:
        if context.registry.get(tenant) is None:
            return _unknown_tenant(tenant)
        wait = await context.allow(
            Window(
                f"register-ip:{client_ip(request)}",
                context.limits.registrations_per_ip_per_hour,
                3600,
            )
        )
        if wait:
            return oauth_error(
                "too_many_requests",
                "Too many client registrations from this address; try again later.",
                429,
                {"Retry-After": str(int(wait))},
            )
        body = await request.body()
        if len(body) > MAX_REGISTRATION_BYTES:
            return oauth_error("invalid_client_metadata", "The registration request is too large.")
        try:
            document = json.loads(body)
        except ValueError:
            return oauth_error("invalid_client_metadata", "The body must be a JSON object.")
        if not isinstance(document, dict):
            return oauth_error("invalid_client_metadata", "The body must be a JSON object.")
        try:
            client = await context.clients.register(tenant, document)
        except ClientMetadataError as error:
            return oauth_error(error.error, error.description)
        logger.info("client registered", extra={"tenant": tenant, "client_id": client.client_id})
        return JSONResponse(
            registration_response(client), status_code=201, headers={"Cache-Control": "no-store"}
        )

    @router.post("/t/{tenant}/token", include_in_schema=False)
    async def token(tenant: str, request: Request) -> Response:
        config = context.registry.get(tenant)
        if config is None:
            return _unknown_tenant(tenant)
        form = await request.form()
        fields = {key: str(value) for key, value in form.items() if isinstance(value, str)}
        client_id = fields.get("client_id", "")
        if not client_id:
            return oauth_error("invalid_client", "client_id is required (public clients).", 401)
        grant_type = fields.get("grant_type", "")
        try:
            if grant_type == "authorization_code":
                pair = await _exchange_code(context, config.name, fields, client_id)
            elif grant_type == "refresh_token":
                refresh_token = fields.get("refresh_token", "")
                if not refresh_token:
                    return oauth_error("invalid_request", "refresh_token is required.")
                pair = await context.tokens.refresh(
                    config, refresh_token, client_id=client_id, resource=fields.get("resource", "")
                )
            else:
                return oauth_error(
                    "unsupported_grant_type",
                    "grant_type must be authorization_code or refresh_token.",
                )
        except GrantRefused as error:
            logger.info(
                "token request refused",
                extra={"tenant": tenant, "error": error.error, "reason": error.description},
            )
            return oauth_error(error.error, error.description)
        return _token_response(pair)

    @router.post("/t/{tenant}/revoke", include_in_schema=False)
    async def revoke(tenant: str, request: Request) -> Response:
        config = context.registry.get(tenant)
        if config is None:
            return _unknown_tenant(tenant)
        form = await request.form()
        value = form.get("token")
        client_id = form.get("client_id")
        if not isinstance(value, str) or not value:
            return oauth_error("invalid_request", "token is required.")
        if not isinstance(client_id, str) or not client_id:
            return oauth_error("invalid_client", "client_id is required (public clients).", 401)
        await context.tokens.revoke_token(config, value, client_id=client_id)
        # RFC 7009 §2.2: the same answer whether or not the token was known.
        return Response(status_code=200, headers={"Cache-Control": "no-store"})

    return router


async def _exchange_code(
    context: WebContext, tenant: str, fields: dict[str, str], client_id: str
) -> TokenPair:
    code = fields.get("code", "")
    verifier = fields.get("code_verifier", "")
    redirect_uri = fields.get("redirect_uri", "")
    if not code:
        raise GrantRefused("invalid_request", "code is required.")
    if not verifier:
        raise GrantRefused("invalid_request", "code_verifier is required (PKCE).")
    record = await context.store.take_code(code)
    if record is None:
        reused_grant = await context.store.code_reuse(code)
        if reused_grant is not None:
            await context.tokens.revoke_grant(tenant, reused_grant)
            raise GrantRefused(
                "invalid_grant",
                "The authorization code was already used; the tokens it gave are revoked.",
            )
        raise GrantRefused("invalid_grant", "The authorization code is invalid or expired.")
    if record.tenant != tenant or record.client_id != client_id:
        raise GrantRefused("invalid_grant", "The authorization code was issued to another client.")
    if redirect_uri != record.redirect_uri:
        raise GrantRefused("invalid_grant", "redirect_uri differs from the authorization request.")
    if not pkce_matches(verifier, record.code_challenge):
        raise GrantRefused("invalid_grant", "The code_verifier does not match (PKCE).")
    resource = fields.get("resource", "")
    if resource and resource != record.resource:
        raise GrantRefused("invalid_target", "The resource differs from the authorization request.")
    config = context.registry.require(tenant)
    return await context.tokens.start_grant(
        config,
        client_id=client_id,
        scope=record.scope,
        resource=record.resource,
        identity=record.identity,
        grant_id=record.grant_id,
    )
