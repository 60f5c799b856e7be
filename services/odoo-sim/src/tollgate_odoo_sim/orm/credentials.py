"""Passwords and API keys of users, stored only as salted PBKDF2 hashes (never in clear)."""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .registry import Registry

_ITERATIONS = 1_000  # a simulator: enough to never store secrets in clear, cheap enough for tests


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, _ITERATIONS)
    return f"pbkdf2_sha256${_ITERATIONS}${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, hashed: str) -> bool:
    try:
        _scheme, iterations, salt, digest = hashed.split("$")
    except ValueError:
        return False
    computed = hashlib.pbkdf2_hmac("sha256", secret.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(computed.hex(), digest)


INDEX_SIZE = 8  # Odoo keeps the first 8 characters of an API key in clear to look it up


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def set_password(registry: Registry, uid: int, password: str) -> None:
    registry.passwords[uid] = hash_secret(password)
    registry.verified.pop(uid, None)


def check_password(registry: Registry, uid: int, password: str) -> bool:
    hashed = registry.passwords.get(uid)
    if not hashed:
        return False
    digest = _digest(password)
    if digest in registry.verified.get(uid, ()):
        return True
    if verify_secret(password, hashed):
        registry.verified.setdefault(uid, set()).add(digest)
        return True
    return False


def add_api_key(
    registry: Registry, uid: int, name: str, key: str, scope: str | None = "rpc"
) -> None:
    from .registry import ApiKey

    registry.api_keys.append(
        ApiKey(
            user_id=uid, name=name, key_hash=hash_secret(key), scope=scope, index=key[:INDEX_SIZE]
        )
    )


def api_key_user(registry: Registry, key: str, scope: str = "rpc") -> int | None:
    """The user owning *key* (keys with no scope or scope *scope* match), else None."""
    digest = _digest(key)
    known = registry.verified_keys.get((digest, scope))
    if known is not None:
        return known
    index = key[:INDEX_SIZE]
    for api_key in registry.api_keys:
        if api_key.scope not in (None, scope) or api_key.index != index:
            continue
        if verify_secret(key, api_key.key_hash):
            registry.verified_keys[(digest, scope)] = api_key.user_id
            return api_key.user_id
    return None
