"""Passwords and API keys of users, stored only as salted PBKDF2 hashes (never in clear)."""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .registry import ApiKey, Registry

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


def set_password(registry: Registry, uid: int, password: str) -> None:
    registry.passwords[uid] = hash_secret(password)


def check_password(registry: Registry, uid: int, password: str) -> bool:
    hashed = registry.passwords.get(uid)
    return bool(hashed) and verify_secret(password, hashed or "")


def add_api_key(
    registry: Registry, uid: int, name: str, key: str, scope: str | None = "rpc"
) -> None:
    from .registry import ApiKey

    registry.api_keys.append(ApiKey(user_id=uid, name=name, key_hash=hash_secret(key), scope=scope))


def api_key_user(registry: Registry, key: str, scope: str = "rpc") -> int | None:
    """The user owning *key* (keys with no scope or scope *scope* match), else None."""
    for api_key in registry.api_keys:
        if api_key.scope not in (None, scope):
            continue
        if verify_secret(key, api_key.key_hash):
            return api_key.user_id
    return None


def api_keys_of(registry: Registry, uid: int) -> list[ApiKey]:
    return [key for key in registry.api_keys if key.user_id == uid]
