"""Dev API keys for the local stack: a file mapping keys to a tenant, a person and an Odoo login.

The file (JSON or YAML) is written by ``tollgate dev``. Either form is accepted::

    keys:                               # a list; each key given in clear or as its SHA-256
      - key: tg_dev_...                 #   or key_sha256: <64 hex digits>
        tenant: acme
        email: demo@acme.example        # subject defaults to the email
        odoo_login: demo
        odoo_api_key: ...

    tg_dev_...: {tenant: acme, email: demo@acme.example, odoo_login: demo, odoo_api_key: ...}

Keys are hashed on load and only the hashes are kept. Later issues replace this with API-key
connections created and stored by auth itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from tollgate_common.tenants.resource import problems_from_validation_error


class DevKeysError(ValueError):
    """The dev keys file is unreadable or invalid; the message names the entry and key at fault."""


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    key: str | None = Field(default=None, min_length=16)
    key_sha256: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{64}$")
    tenant: str = Field(min_length=1)
    subject: str = ""
    email: str = ""
    name: str = ""
    odoo_login: str = Field(min_length=1)
    odoo_api_key: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_key(self) -> _Entry:
        if (self.key is None) == (self.key_sha256 is None):
            raise ValueError("give exactly one of key and key_sha256")
        if not (self.subject or self.email):
            raise ValueError("give subject or email")
        return self


@dataclass(frozen=True)
class DevKey:
    """One dev API key, known by its hash. The Odoo API key never shows in a repr."""

    key_hash: bytes = field(repr=False)
    tenant: str
    subject: str
    email: str
    name: str
    odoo_login: str
    odoo_api_key: str = field(repr=False)

    @property
    def key_id(self) -> str:
        """A short public id for logs and connection ids (a hash prefix, never the key)."""
        return self.key_hash.hex()[:12]


def _entries(document: Any) -> list[tuple[str, Any]]:
    if isinstance(document, Mapping) and "keys" in document:
        items = document["keys"]
        if not isinstance(items, list):
            raise DevKeysError("keys: must be a list")
        return [(f"keys[{i}]", item) for i, item in enumerate(items)]
    if isinstance(document, Mapping):
        return [
            (f"entry {i}", {**value, "key": key} if isinstance(value, Mapping) else value)
            for i, (key, value) in enumerate(document.items())
        ]
    raise DevKeysError("must be a mapping with a 'keys' list")


def parse_dev_keys(document: Any) -> dict[bytes, DevKey]:
    keys: dict[bytes, DevKey] = {}
    for where, raw in _entries(document):
        if not isinstance(raw, Mapping):
            raise DevKeysError(f"{where}: must be a mapping")
        try:
            entry = _Entry.model_validate(raw)
        except ValidationError as error:
            path, message = problems_from_validation_error(error)[0]
            raise DevKeysError(f"{where}{'.' + path if path else ''}: {message}") from None
        key_hash = hash_key(entry.key) if entry.key else bytes.fromhex(entry.key_sha256 or "")
        if key_hash in keys:
            raise DevKeysError(f"{where}: the same key is listed twice")
        keys[key_hash] = DevKey(
            key_hash=key_hash,
            tenant=entry.tenant,
            subject=entry.subject or entry.email,
            email=entry.email,
            name=entry.name,
            odoo_login=entry.odoo_login,
            odoo_api_key=entry.odoo_api_key,
        )
    return keys


def load_dev_keys(path: Path) -> dict[bytes, DevKey]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise DevKeysError(f"cannot read {path}: {error.__class__.__name__}") from None
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        kind = "JSON" if path.suffix == ".json" else "YAML"
        raise DevKeysError(f"{path.name} is not valid {kind}") from None
    return parse_dev_keys(document or {})
