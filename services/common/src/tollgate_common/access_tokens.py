"""Tollgate access tokens: compact JWS (RFC 7515) signed with Ed25519, issued by auth and checked
by the front locally, without a network hop.

Only ``alg: EdDSA`` is accepted, whatever a token's header says, so there is no algorithm
confusion. The claims bind a token to one tenant's issuer and MCP URL (RFC 8707 ``aud``); when the
tenant keeps credentials in the token, the caller's Odoo credential travels sealed to the tenant
worker (``cred``), readable by that worker only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from tollgate.v1 import common_pb2

ALGORITHM: Final = "EdDSA"
TOKEN_TYPE: Final = "at+jwt"  # RFC 9068
# Clock skew tolerated for a token's issue time (auth and the front run in one cluster).
LEEWAY_SECONDS: Final = 30.0


class InvalidAccessToken(Exception):
    """The token is not a valid access token here; the message is safe to log (no token)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidAccessToken("malformed token") from None


def _key_id(public_raw: bytes) -> str:
    return _b64(hashlib.sha256(public_raw).digest()[:12])


@dataclass(frozen=True)
class VerificationKey:
    key_id: str
    public_raw: bytes
    _key: Ed25519PublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.public_raw) != 32:
            raise ValueError("an Ed25519 public key has 32 bytes")
        # Parsed once: verification is on the front's hot path.
        object.__setattr__(self, "_key", Ed25519PublicKey.from_public_bytes(self.public_raw))

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self._key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


class SigningKey:
    """An Ed25519 private key; its repr never shows the key."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        public_raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verification_key = VerificationKey(_key_id(public_raw), public_raw)

    @property
    def key_id(self) -> str:
        return self.verification_key.key_id

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_base64(cls, text: str) -> SigningKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
            return cls(Ed25519PrivateKey.from_private_bytes(raw))
        except (binascii.Error, ValueError):
            raise ValueError("not a base64 raw Ed25519 private key (32 bytes)") from None

    def to_base64(self) -> str:
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        raw = self._key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return base64.b64encode(raw).decode()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"


def parse_signing_keys(text: str) -> list[SigningKey]:
    """Keys from settings: base64 raw Ed25519 keys separated by commas, current key first."""
    keys = [SigningKey.from_base64(part) for part in text.split(",") if part.strip()]
    if not keys:
        raise ValueError("no signing key given")
    return keys


@dataclass(frozen=True)
class AccessTokenClaims:
    issuer: str
    audience: str
    tenant: str
    subject: str
    email: str
    odoo_login: str
    client_id: str
    connection_id: str
    token_id: str
    issued_at: int
    expires_at: int
    scope: str = ""
    credential: common_pb2.SealedCredential | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": self.subject,
            "tnt": self.tenant,
            "email": self.email,
            "odoo_login": self.odoo_login,
            "client_id": self.client_id,
            "sid": self.connection_id,
            "jti": self.token_id,
            "iat": self.issued_at,
            "exp": self.expires_at,
            "scope": self.scope,
        }
        if self.credential is not None:
            claims["cred"] = {
                "kid": self.credential.key_id,
                "ct": _b64(self.credential.ciphertext),
            }
        return claims

    @classmethod
    def from_json(cls, claims: Mapping[str, Any]) -> AccessTokenClaims:
        try:
            cred = claims.get("cred")
            credential = None
            if cred is not None:
                credential = common_pb2.SealedCredential(
                    key_id=str(cred["kid"]), ciphertext=_unb64(str(cred["ct"]))
                )
            return cls(
                issuer=str(claims["iss"]),
                audience=str(claims["aud"]),
                tenant=str(claims["tnt"]),
                subject=str(claims["sub"]),
                email=str(claims.get("email", "")),
                odoo_login=str(claims["odoo_login"]),
                client_id=str(claims["client_id"]),
                connection_id=str(claims["sid"]),
                token_id=str(claims["jti"]),
                issued_at=int(claims["iat"]),
                expires_at=int(claims["exp"]),
                scope=str(claims.get("scope", "")),
                credential=credential,
            )
        except (KeyError, TypeError, ValueError):
            raise InvalidAccessToken("token claims are incomplete") from None


def sign_access_token(key: SigningKey, claims: AccessTokenClaims) -> str:
    header = {"alg": ALGORITHM, "typ": TOKEN_TYPE, "kid": key.key_id}
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(claims.to_json(), separators=(",", ":")).encode())
    )
    return signing_input + "." + _b64(key.sign(signing_input.encode()))


def looks_like_access_token(token: str) -> bool:
    """Cheap shape test: a JWS compact serialization (API keys have no dots)."""
    return token.count(".") == 2 and token.startswith("eyJ")


def token_key_id(token: str) -> str:
    """The ``kid`` of a token's header (unverified)."""
    header = _decode_part(token.split(".", 1)[0])
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidAccessToken("token names no key")
    return kid


def _decode_part(part: str) -> dict[str, Any]:
    try:
        value = json.loads(_unb64(part))
    except ValueError:
        raise InvalidAccessToken("malformed token") from None
    if not isinstance(value, dict):
        raise InvalidAccessToken("malformed token")
    return value


def verify_access_token(
    token: str,
    keys: Mapping[str, VerificationKey],
    *,
    issuer: str,
    audience: str,
    now: float | None = None,
) -> AccessTokenClaims:
    """The claims of a token signed by one of ``keys`` for ``issuer`` and ``audience``, still
    valid at ``now``; raises `InvalidAccessToken` (message without the token) otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidAccessToken("malformed token")
    header = _decode_part(parts[0])
    if header.get("alg") != ALGORITHM or header.get("typ") != TOKEN_TYPE:
        raise InvalidAccessToken("unsupported token type or algorithm")
    key = keys.get(str(header.get("kid", "")))
    if key is None:
        raise InvalidAccessToken("token signed by an unknown key")
    if not key.verify(_unb64(parts[2]), f"{parts[0]}.{parts[1]}".encode()):
        raise InvalidAccessToken("bad signature")
    claims = AccessTokenClaims.from_json(_decode_part(parts[1]))
    moment = time.time() if now is None else now
    if claims.expires_at <= moment:
        raise InvalidAccessToken("token expired")
    if claims.issued_at - LEEWAY_SECONDS > moment:
        raise InvalidAccessToken("token issued in the future")
    if claims.issuer != issuer:
        raise InvalidAccessToken("token from another issuer")
    if claims.audience != audience:
        raise InvalidAccessToken("token for another resource")
    return claims


def email_allowed(email: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Whether ``email`` matches a tenant's ``allowedEmails`` (``user@x``, ``*@x`` or ``*``);
    an empty list allows nobody. Auth checks it at login and refresh, the front on every call,
    so removing a person from the list takes effect within a tenant poll interval."""
    address = email.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return False
    for pattern in patterns:
        if pattern == "*" or pattern == address or pattern == f"*@{domain}":
            return True
    return False
