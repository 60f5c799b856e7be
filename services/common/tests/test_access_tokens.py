from __future__ import annotations

import base64
import json
import time

import pytest
from tollgate.v1 import common_pb2
from tollgate_common.access_tokens import (
    AccessTokenClaims,
    InvalidAccessToken,
    SigningKey,
    email_allowed,
    looks_like_access_token,
    parse_signing_keys,
    sign_access_token,
    verify_access_token,
)

ISSUER = "https://auth.example/t/acme"
AUDIENCE = "https://mcp.example/t/acme/mcp"


def claims(**changes: object) -> AccessTokenClaims:
    now = int(time.time())
    values: dict[str, object] = {
        "issuer": ISSUER, "audience": AUDIENCE, "tenant": "acme", "subject": "a@acme.example",
        "email": "a@acme.example", "odoo_login": "a", "client_id": "c", "connection_id": "oauth:1",
        "token_id": "t", "issued_at": now, "expires_at": now + 300,
        "credential": common_pb2.SealedCredential(key_id="k", ciphertext=b"\x00sealed"),
    }  # fmt: skip
    values.update(changes)
    return AccessTokenClaims(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


def keys(key: SigningKey) -> dict[str, object]:
    return {key.key_id: key.verification_key}


def test_round_trip_keeps_the_sealed_credential(key):
    token = sign_access_token(key, claims())
    assert looks_like_access_token(token)
    decoded = verify_access_token(token, keys(key), issuer=ISSUER, audience=AUDIENCE)
    assert decoded.credential is not None
    assert decoded.credential.ciphertext == b"\x00sealed"
    assert decoded == claims(issued_at=decoded.issued_at, expires_at=decoded.expires_at)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"issuer": "https://auth.example/t/globex"}, "another issuer"),
        ({"audience": "https://mcp.example/t/globex/mcp"}, "another resource"),
        ({"expires_at": int(time.time()) - 1}, "expired"),
        ({"issued_at": int(time.time()) + 3600}, "future"),
    ],
)
def test_claims_are_checked(key, change, reason):
    token = sign_access_token(key, claims(**change))
    with pytest.raises(InvalidAccessToken, match=reason):
        verify_access_token(token, keys(key), issuer=ISSUER, audience=AUDIENCE)


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_tampering_other_keys_and_other_algorithms_are_refused(key):
    token = sign_access_token(key, claims())
    header, payload, signature = token.split(".")
    forged = _b64({**json.loads(base64.urlsafe_b64decode(payload + "==")), "tnt": "globex"})
    with pytest.raises(InvalidAccessToken, match="bad signature"):
        verify_access_token(
            f"{header}.{forged}.{signature}", keys(key), issuer=ISSUER, audience=AUDIENCE
        )
    none_header = _b64({"alg": "none", "typ": "at+jwt", "kid": key.key_id})
    with pytest.raises(InvalidAccessToken, match="algorithm"):
        verify_access_token(
            f"{none_header}.{payload}.", keys(key), issuer=ISSUER, audience=AUDIENCE
        )
    other = SigningKey.generate()
    with pytest.raises(InvalidAccessToken, match="unknown key"):
        verify_access_token(token, keys(other), issuer=ISSUER, audience=AUDIENCE)
    for garbage in ("", "a.b", "a.b.c", "eyJ.eyJ.x"):
        with pytest.raises(InvalidAccessToken):
            verify_access_token(garbage, keys(key), issuer=ISSUER, audience=AUDIENCE)


def test_signing_keys_from_settings(key):
    parsed = parse_signing_keys(f"{key.to_base64()}, {SigningKey.generate().to_base64()}")
    assert parsed[0].key_id == key.key_id
    assert key.to_base64() not in repr(parsed[0])
    with pytest.raises(ValueError, match="no signing key"):
        parse_signing_keys(" , ")
    with pytest.raises(ValueError, match="Ed25519"):
        parse_signing_keys("not-a-key")


@pytest.mark.parametrize(
    ("email", "patterns", "allowed"),
    [
        ("A@Acme.example", ["*@acme.example"], True),
        ("a@acme.example", ["a@acme.example"], True),
        ("a@sub.acme.example", ["*@acme.example"], False),
        ("a@acme.example", [], False),
        ("anyone@x.example", ["*"], True),
        ("", ["*"], False),
        ("no-at-sign", ["*"], False),
    ],
)
def test_email_allowlist(email, patterns, allowed):
    assert email_allowed(email, patterns) is allowed
