"""Who the OAuth client is: a dynamically registered client (RFC 7591) or a Client ID Metadata
Document, and which redirect URIs it may use.

Redirect URIs match exactly, except that a loopback redirect (``http://127.0.0.1``,
``http://[::1]`` or ``http://localhost``) matches on any port, as RFC 8252 §7.3 asks for native
apps that pick a free port at run time.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from tollgate_auth.cimd import MetadataDocumentError, MetadataDocumentFetcher, is_metadata_url
from tollgate_auth.store import AuthStore, ClientRecord

SUPPORTED_GRANT_TYPES = ("authorization_code", "refresh_token")
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
CLIENT_TTL_SECONDS = 180 * 86400.0


class ClientMetadataError(Exception):
    """Client metadata is invalid; ``error`` is the RFC 7591 error code."""

    def __init__(self, description: str, error: str = "invalid_client_metadata") -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _is_loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and (parts.hostname or "") in LOOPBACK_HOSTS


def check_redirect_uri(uri: str) -> str:
    """A redirect URI a client may register: https, loopback http, or a private-use scheme of a
    native app (``com.example.app:/cb``); never a fragment."""
    if not isinstance(uri, str) or not uri or len(uri) > 2000:
        raise ClientMetadataError(
            "Each redirect URI must be a non-empty string.", "invalid_redirect_uri"
        )
    parts = urlsplit(uri)
    if parts.fragment or "#" in uri:
        raise ClientMetadataError(f"Redirect URI {uri!r} has a fragment.", "invalid_redirect_uri")
    if parts.scheme == "https" and parts.hostname:
        return uri
    if _is_loopback(uri):
        return uri
    private_use = "." in parts.scheme or parts.scheme in ("cursor", "vscode", "claude")
    if private_use and parts.scheme not in ("http", "https", "javascript", "data", "file"):
        return uri
    raise ClientMetadataError(
        f"Redirect URI {uri!r} is not allowed: use https, http on a loopback address, or a "
        "private-use scheme (com.example.app:/callback).",
        "invalid_redirect_uri",
    )


def redirect_uri_matches(requested: str, registered: str) -> bool:
    if requested == registered:
        return True
    if not (_is_loopback(requested) and _is_loopback(registered)):
        return False
    a, b = urlsplit(requested), urlsplit(registered)
    return (a.hostname, a.path, a.query) == (b.hostname, b.path, b.query)


def _strings(metadata: Mapping[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = metadata.get(key, list(default))
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ClientMetadataError(f"{key} must be a list of strings.")
    return tuple(value)


def _text(metadata: Mapping[str, Any], key: str, limit: int = 200) -> str:
    value = metadata.get(key) or ""
    if not isinstance(value, str):
        raise ClientMetadataError(f"{key} must be a string.")
    return value[:limit]


def client_from_metadata(metadata: Mapping[str, Any], *, client_id: str, kind: str) -> ClientRecord:
    """A client record from RFC 7591 metadata (a registration request or a CIMD document)."""
    redirect_uris = _strings(metadata, "redirect_uris", ())
    if not redirect_uris:
        raise ClientMetadataError("redirect_uris is required.", "invalid_redirect_uri")
    for uri in redirect_uris:
        check_redirect_uri(uri)
    grant_types = _strings(metadata, "grant_types", ("authorization_code",))
    unsupported = [g for g in grant_types if g not in SUPPORTED_GRANT_TYPES]
    if unsupported or "authorization_code" not in grant_types:
        raise ClientMetadataError(
            "grant_types must include authorization_code and may add refresh_token only."
        )
    response_types = _strings(metadata, "response_types", ("code",))
    if list(response_types) != ["code"]:
        raise ClientMetadataError('response_types must be ["code"].')
    method = metadata.get("token_endpoint_auth_method", "none")
    if method != "none":
        raise ClientMetadataError(
            'Only public clients are supported: token_endpoint_auth_method must be "none" '
            "(PKCE protects the code)."
        )
    return ClientRecord(
        client_id=client_id,
        client_name=_text(metadata, "client_name"),
        redirect_uris=redirect_uris,
        grant_types=grant_types,
        scope=_text(metadata, "scope", 1000),
        client_uri=_text(metadata, "client_uri", 500),
        created_at=int(time.time()),
        kind=kind,
    )


def registration_response(client: ClientRecord) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": client.client_id,
        "client_id_issued_at": client.created_at,
        "redirect_uris": list(client.redirect_uris),
        "grant_types": list(client.grant_types),
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
    }
    if client.client_name:
        body["client_name"] = client.client_name
    if client.scope:
        body["scope"] = client.scope
    if client.client_uri:
        body["client_uri"] = client.client_uri
    return body


class ClientDirectory:
    def __init__(self, store: AuthStore, fetcher: MetadataDocumentFetcher) -> None:
        self._store = store
        self._fetcher = fetcher

    async def register(self, tenant: str, metadata: Mapping[str, Any]) -> ClientRecord:
        client = client_from_metadata(
            metadata, client_id=f"tgc_{secrets.token_urlsafe(18)}", kind="dcr"
        )
        await self._store.save_client(tenant, client, CLIENT_TTL_SECONDS)
        return client

    async def find(self, tenant: str, client_id: str) -> ClientRecord:
        """The client named ``client_id``; `ClientMetadataError` (``invalid_client``) when it is
        unknown or its metadata document is unusable."""
        if is_metadata_url(client_id):
            try:
                document = await self._fetcher.fetch(client_id)
            except MetadataDocumentError as error:
                raise ClientMetadataError(str(error), "invalid_client") from None
            if document.get("client_id") != client_id:
                raise ClientMetadataError(
                    "The client's metadata document names another client_id.", "invalid_client"
                )
            try:
                return client_from_metadata(document, client_id=client_id, kind="cimd")
            except ClientMetadataError as error:
                raise ClientMetadataError(
                    f"The client's metadata document is invalid: {error.description}",
                    "invalid_client",
                ) from None
        client = await self._store.client(tenant, client_id) if client_id else None
        if client is None:
            raise ClientMetadataError("Unknown client_id.", "invalid_client")
        return client
