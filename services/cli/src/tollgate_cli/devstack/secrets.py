"""The dev stack's own secrets, kept between runs so pasted client configs keep working.

``secrets.json`` (mode 0600, in the state directory) holds each tenant's worker private key and
dev API key; missing entries are generated, existing ones reused.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tollgate_common.sealing import SealingPrivateKey

SECRETS_FILE = "secrets.json"
API_KEY_PREFIX = "tg_dev_"


def new_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(24)


@dataclass(frozen=True)
class DevSecrets:
    worker_keys: dict[str, SealingPrivateKey]
    api_keys: dict[str, str]


def load_or_create(state_dir: Path, tenants: Iterable[str]) -> DevSecrets:
    path = state_dir / SECRETS_FILE
    stored: dict[str, dict[str, str]] = {"worker_keys": {}, "api_keys": {}}
    if path.exists():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            stored = {
                "worker_keys": dict(loaded.get("worker_keys", {})),
                "api_keys": dict(loaded.get("api_keys", {})),
            }
        except (ValueError, AttributeError):
            pass  # a damaged file is replaced by fresh secrets
    for tenant in tenants:
        if tenant not in stored["worker_keys"]:
            stored["worker_keys"][tenant] = SealingPrivateKey.generate().to_base64()
        if tenant not in stored["api_keys"]:
            stored["api_keys"][tenant] = new_api_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(stored, handle, indent=2)
    return DevSecrets(
        worker_keys={
            name: SealingPrivateKey.from_base64(key) for name, key in stored["worker_keys"].items()
        },
        api_keys=dict(stored["api_keys"]),
    )
