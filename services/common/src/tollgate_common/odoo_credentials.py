"""The sealed Odoo credential both auth (seals) and the worker (opens) agree on.

The payload is the Odoo login and API key as compact JSON, sealed with `tollgate_common.sealing` to
the tenant worker's public key. The tenant name is authenticated as associated data, so a credential
sealed for one tenant cannot be opened as another's, even by a worker holding both keys.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from tollgate.v1 import common_pb2

from tollgate_common.sealing import (
    SealingError,
    SealingPrivateKey,
    SealingPublicKey,
    open_sealed,
    seal,
)

_AAD_PREFIX: Final = b"tollgate odoo credential for tenant "


@dataclass(frozen=True, slots=True)
class OdooCredential:
    """An Odoo login and its API key (or password). The key never appears in a repr."""

    login: str
    api_key: str = field(repr=False)


def _aad(tenant: str) -> bytes:
    return _AAD_PREFIX + tenant.encode()


def seal_odoo_credential(
    public_key: SealingPublicKey, credential: OdooCredential, *, tenant: str
) -> common_pb2.SealedCredential:
    payload = json.dumps(
        {"login": credential.login, "key": credential.api_key}, separators=(",", ":")
    ).encode()
    return common_pb2.SealedCredential(
        key_id=public_key.key_id, ciphertext=seal(public_key, payload, _aad(tenant))
    )


def open_odoo_credential(
    private_keys: Sequence[SealingPrivateKey],
    sealed: common_pb2.SealedCredential,
    *,
    tenant: str,
) -> OdooCredential:
    """Open a credential sealed for ``tenant``; `SealingError` when it cannot be opened."""
    plaintext = open_sealed(private_keys, sealed.ciphertext, _aad(tenant))
    try:
        payload = json.loads(plaintext)
        login, api_key = payload["login"], payload["key"]
    except (ValueError, KeyError, TypeError):
        raise SealingError("sealed value does not hold an Odoo credential") from None
    if not isinstance(login, str) or not isinstance(api_key, str) or not login or not api_key:
        raise SealingError("sealed value does not hold an Odoo credential")
    return OdooCredential(login=login, api_key=api_key)


def parse_private_keys(text: str) -> list[SealingPrivateKey]:
    """Worker keys from settings: base64 raw X25519 keys separated by commas, current key first."""
    keys = [SealingPrivateKey.from_base64(part) for part in text.split(",") if part.strip()]
    if not keys:
        raise ValueError("no private key given")
    return keys
