"""Sealed Odoo credentials: auth seals to a worker's public key, only that worker can open.

Envelope, version 1 (all lengths fixed)::

    0x01 | key id (8) | ephemeral X25519 public key (32) | nonce (12) | ChaCha20-Poly1305 ciphertext

The AEAD key is HKDF-SHA256 over the X25519 shared secret, salted with both public keys. The
header and the caller's associated data (e.g. the tenant name) are authenticated, so a credential
sealed for one tenant cannot be replayed as another's. The key id names the recipient key pair so a
worker holding its current and previous keys (rotation) picks the right one without trial.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION: Final = 1
_KEY_ID_BYTES: Final = 8
_PUBLIC_BYTES: Final = 32
_NONCE_BYTES: Final = 12
_HEADER_BYTES: Final = 1 + _KEY_ID_BYTES + _PUBLIC_BYTES + _NONCE_BYTES
_INFO: Final = b"tollgate sealed credential v1"


class SealingError(Exception):
    """A sealed value cannot be opened. Deliberately vague: the reason helps only an attacker."""


class KeyFormatError(ValueError):
    """A key is not in the expected encoding."""


def _key_id(public_raw: bytes) -> bytes:
    return hashlib.sha256(public_raw).digest()[:_KEY_ID_BYTES]


class SealingPublicKey:
    """A worker's public key: what auth needs to seal. Safe to publish."""

    def __init__(self, key: X25519PublicKey) -> None:
        self._key = key
        self.raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = _key_id(self.raw).hex()

    def to_base64(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @classmethod
    def from_base64(cls, text: str) -> SealingPublicKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyFormatError("public key is not valid base64") from None
        if len(raw) != _PUBLIC_BYTES:
            raise KeyFormatError(f"public key must be {_PUBLIC_BYTES} bytes, got {len(raw)}")
        return cls(X25519PublicKey.from_public_bytes(raw))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SealingPublicKey) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"SealingPublicKey(key_id={self.key_id!r})"


class SealingPrivateKey:
    """A worker's private key. Its repr never shows the key material."""

    def __init__(self, key: X25519PrivateKey) -> None:
        self._key = key
        self.public_key = SealingPublicKey(key.public_key())
        self.key_id = self.public_key.key_id

    @classmethod
    def generate(cls) -> SealingPrivateKey:
        return cls(X25519PrivateKey.generate())

    def to_pem(self) -> str:
        return self._key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    @classmethod
    def from_pem(cls, pem: str | bytes) -> SealingPrivateKey:
        data = pem.encode("ascii") if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError):
            raise KeyFormatError("private key is not an unencrypted PKCS#8 PEM") from None
        if not isinstance(key, X25519PrivateKey):
            raise KeyFormatError("private key is not an X25519 key")
        return cls(key)

    def to_base64(self) -> str:
        raw = self._key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return base64.b64encode(raw).decode("ascii")

    @classmethod
    def from_base64(cls, text: str) -> SealingPrivateKey:
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyFormatError("private key is not valid base64") from None
        if len(raw) != _PUBLIC_BYTES:
            raise KeyFormatError(f"private key must be {_PUBLIC_BYTES} bytes, got {len(raw)}")
        return cls(X25519PrivateKey.from_private_bytes(raw))

    def exchange(self, peer: bytes) -> bytes:
        return self._key.exchange(X25519PublicKey.from_public_bytes(peer))

    def __repr__(self) -> str:
        return f"SealingPrivateKey(key_id={self.key_id!r})"


def _aead_key(shared: bytes, ephemeral_raw: bytes, recipient_raw: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral_raw + recipient_raw, info=_INFO
    ).derive(shared)


def seal(public_key: SealingPublicKey, plaintext: bytes, aad: bytes = b"") -> bytes:
    """Encrypt ``plaintext`` so only the holder of ``public_key``'s private key can open it."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key.raw))
    nonce = os.urandom(_NONCE_BYTES)
    header = bytes([VERSION]) + _key_id(public_key.raw) + ephemeral_raw + nonce
    key = _aead_key(shared, ephemeral_raw, public_key.raw)
    return header + ChaCha20Poly1305(key).encrypt(nonce, plaintext, header + aad)


def sealed_key_id(sealed: bytes) -> str:
    """The key id a sealed value was sealed to (hex), without opening it."""
    if len(sealed) < _HEADER_BYTES or sealed[0] != VERSION:
        raise SealingError("not a sealed value of a known version")
    return sealed[1 : 1 + _KEY_ID_BYTES].hex()


def open_sealed(
    private_keys: Sequence[SealingPrivateKey], sealed: bytes, aad: bytes = b""
) -> bytes:
    """Decrypt with whichever of ``private_keys`` (current, previous…) the value was sealed to."""
    key_id = sealed_key_id(sealed)
    recipient = next((k for k in private_keys if k.key_id == key_id), None)
    if recipient is None:
        raise SealingError("sealed to a key this worker does not hold")
    header = sealed[:_HEADER_BYTES]
    ephemeral_raw = sealed[1 + _KEY_ID_BYTES : 1 + _KEY_ID_BYTES + _PUBLIC_BYTES]
    nonce = sealed[_HEADER_BYTES - _NONCE_BYTES : _HEADER_BYTES]
    try:
        shared = recipient.exchange(ephemeral_raw)
        key = _aead_key(shared, ephemeral_raw, recipient.public_key.raw)
        return ChaCha20Poly1305(key).decrypt(nonce, sealed[_HEADER_BYTES:], header + aad)
    except (InvalidTag, ValueError):
        raise SealingError(
            "sealed value is corrupt, tampered with or bound to other data"
        ) from None
