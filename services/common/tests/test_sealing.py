from __future__ import annotations

import pytest
from tollgate_common.sealing import (
    KeyFormatError,
    SealingError,
    SealingPrivateKey,
    SealingPublicKey,
    open_sealed,
    seal,
    sealed_key_id,
)

SECRET = b"odoo-api-key-0123456789abcdef"


@pytest.fixture(scope="module")
def key() -> SealingPrivateKey:
    return SealingPrivateKey.generate()


def test_round_trip(key: SealingPrivateKey) -> None:
    sealed = seal(key.public_key, SECRET, b"acme")

    assert SECRET not in sealed
    assert sealed_key_id(sealed) == key.key_id
    assert open_sealed([key], sealed, b"acme") == SECRET


def test_each_seal_is_different(key: SealingPrivateKey) -> None:
    assert seal(key.public_key, SECRET, b"acme") != seal(key.public_key, SECRET, b"acme")


def test_other_associated_data_is_refused(key: SealingPrivateKey) -> None:
    sealed = seal(key.public_key, SECRET, b"acme")

    with pytest.raises(SealingError):
        open_sealed([key], sealed, b"globex")


@pytest.mark.parametrize("position", [0, 5, 20, 45, 60, -1])
def test_any_tampered_byte_is_refused(key: SealingPrivateKey, position: int) -> None:
    sealed = bytearray(seal(key.public_key, SECRET, b"acme"))
    sealed[position] ^= 0x01

    with pytest.raises(SealingError):
        open_sealed([key], bytes(sealed), b"acme")


def test_truncated_or_garbage_input_is_refused(key: SealingPrivateKey) -> None:
    sealed = seal(key.public_key, SECRET, b"acme")
    for bad in (b"", b"\x01", sealed[:40], sealed[:-1], b"\x02" + sealed[1:]):
        with pytest.raises(SealingError):
            open_sealed([key], bad, b"acme")


def test_wrong_key_is_refused(key: SealingPrivateKey) -> None:
    sealed = seal(key.public_key, SECRET, b"acme")

    with pytest.raises(SealingError, match="does not hold"):
        open_sealed([SealingPrivateKey.generate()], sealed, b"acme")


def test_rotation_opens_with_current_or_previous_key(key: SealingPrivateKey) -> None:
    previous, current = key, SealingPrivateKey.generate()
    old = seal(previous.public_key, SECRET, b"acme")
    new = seal(current.public_key, b"new secret", b"acme")

    keys = [current, previous]
    assert open_sealed(keys, old, b"acme") == SECRET
    assert open_sealed(keys, new, b"acme") == b"new secret"
    with pytest.raises(SealingError):
        open_sealed([current], old, b"acme")


def test_keys_survive_serialisation(key: SealingPrivateKey) -> None:
    from_pem = SealingPrivateKey.from_pem(key.to_pem())
    from_b64 = SealingPrivateKey.from_base64(key.to_base64())
    public = SealingPublicKey.from_base64(key.public_key.to_base64())

    assert from_pem.key_id == from_b64.key_id == public.key_id == key.key_id
    assert public == key.public_key
    assert open_sealed([from_pem], seal(public, SECRET, b""), b"") == SECRET
    assert key.to_base64() not in repr(key)
    assert "PRIVATE" not in repr(key)


@pytest.mark.parametrize(
    ("loader", "text"),
    [
        (SealingPublicKey.from_base64, "not base64!"),
        (SealingPublicKey.from_base64, "AAAA"),
        (SealingPrivateKey.from_base64, "AAAA"),
        (
            SealingPrivateKey.from_pem,
            "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----",
        ),
    ],
)
def test_malformed_keys_are_clear_errors(loader: object, text: str) -> None:
    assert callable(loader)
    with pytest.raises(KeyFormatError):
        loader(text)
