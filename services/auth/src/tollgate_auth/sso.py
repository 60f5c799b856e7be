"""Optional sign-in through a tenant's upstream OpenID Connect provider (Entra ID, Google,
Keycloak…): authorization code flow with PKCE S256, state and nonce, ID token checked against the
provider's published keys.

Providers are configured per tenant in a YAML file (``TOLLGATE_AUTH_SSO_FILE``)::

    acme:
      issuer: https://login.microsoftonline.com/<tenant-id>/v2.0
      client_id: 1234-...
      client_secret: ...        # optional (confidential client); PKCE is used either way
      name: Microsoft           # shown on the button
      scopes: [openid, email, profile]
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError


class SsoError(Exception):
    """The upstream sign-in failed; the message is safe to show."""


class SsoProviderConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(pattern=r"^https?://")
    client_id: str = Field(min_length=1)
    client_secret: SecretStr | None = None
    name: str = "your company account"
    scopes: tuple[str, ...] = ("openid", "email", "profile")


def load_sso_file(path: Path) -> dict[str, SsoProviderConfig]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        raise ValueError(f"{path.name} is not readable YAML") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path.name}: must map tenant names to providers")
    providers: dict[str, SsoProviderConfig] = {}
    for tenant, raw in document.items():
        try:
            providers[str(tenant)] = SsoProviderConfig.model_validate(raw)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"{tenant}.{where}: {first['msg']}") from None
    return providers


@dataclass(frozen=True)
class SsoStart:
    url: str
    verifier: str
    nonce: str


def _challenge(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


class SsoClient:
    """One upstream provider; discovery and keys are fetched once and cached."""

    def __init__(self, config: SsoProviderConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self._http = http
        self._discovery: dict[str, Any] | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_fetched = 0.0

    async def _metadata(self) -> dict[str, Any]:
        if self._discovery is None:
            url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            document = await self._get_json(url)
            if document.get("issuer") != self.config.issuer:
                raise SsoError("The sign-in provider's metadata names another issuer.")
            self._discovery = document
        return self._discovery

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError):
            raise SsoError("The sign-in provider cannot be reached.") from None
        if not isinstance(document, dict):
            raise SsoError("The sign-in provider answered something unexpected.")
        return document

    async def start(self, *, redirect_uri: str, state: str) -> SsoStart:
        metadata = await self._metadata()
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(self.config.scopes),
                "state": state,
                "nonce": nonce,
                "code_challenge": _challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        return SsoStart(f"{metadata['authorization_endpoint']}?{query}", verifier, nonce)

    async def finish(self, *, code: str, redirect_uri: str, verifier: str, nonce: str) -> str:
        """The verified email of the person who signed in upstream."""
        metadata = await self._metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.config.client_id,
            "code_verifier": verifier,
        }
        if self.config.client_secret is not None:
            form["client_secret"] = self.config.client_secret.get_secret_value()
        try:
            response = await self._http.post(str(metadata["token_endpoint"]), data=form)
            answer = response.json()
        except (httpx.HTTPError, ValueError):
            raise SsoError("The sign-in provider cannot be reached.") from None
        if response.status_code != 200 or not isinstance(answer, dict) or "id_token" not in answer:
            raise SsoError("The sign-in provider refused the sign-in.")
        claims = await self._verify_id_token(str(answer["id_token"]), metadata)
        if claims.get("nonce") != nonce:
            raise SsoError("The sign-in answer does not belong to this sign-in (nonce).")
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise SsoError("The sign-in provider did not share your email address.")
        if claims.get("email_verified") is False:
            raise SsoError("Your email address is not verified at the sign-in provider.")
        return email.strip().lower()

    async def _signing_key(self, kid: str, metadata: dict[str, Any]) -> jwt.PyJWK:
        if kid not in self._keys and time.monotonic() - self._keys_fetched > 30:
            document = await self._get_json(str(metadata["jwks_uri"]))
            self._keys_fetched = time.monotonic()
            for raw in document.get("keys", []):
                try:
                    key = jwt.PyJWK(raw)
                except jwt.PyJWTError:
                    continue
                self._keys[str(raw.get("kid", ""))] = key
        found = self._keys.get(kid)
        if found is None:
            raise SsoError("The sign-in answer is signed with an unknown key.")
        return found

    async def _verify_id_token(self, token: str, metadata: dict[str, Any]) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            key = await self._signing_key(str(header.get("kid", "")), metadata)
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256", "ES256", "EdDSA", "PS256"],
                audience=self.config.client_id,
                issuer=self.config.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            raise SsoError("The sign-in answer could not be verified.") from None
        return claims
