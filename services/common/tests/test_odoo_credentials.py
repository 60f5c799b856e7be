from __future__ import annotations

import pytest
from tollgate.v1 import common_pb2
from tollgate_common.odoo_credentials import (
    OdooCredential,
    open_odoo_credential,
    parse_private_keys,
    seal_odoo_credential,
)
from tollgate_common.sealing import KeyFormatError, SealingError, SealingPrivateKey, seal

CURRENT, PREVIOUS = SealingPrivateKey.generate(), SealingPrivateKey.generate()


def test_round_trip_with_the_current_or_previous_key():
    for key in (CURRENT, PREVIOUS):
        sealed = seal_odoo_credential(
            key.public_key, OdooCredential("demo", "s3cret"), tenant="acme"
        )
        assert sealed.key_id == key.key_id
        assert b"s3cret" not in sealed.ciphertext
        opened = open_odoo_credential([CURRENT, PREVIOUS], sealed, tenant="acme")
        assert opened == OdooCredential("demo", "s3cret")
        assert "s3cret" not in repr(opened)


def test_a_credential_is_bound_to_its_tenant():
    sealed = seal_odoo_credential(CURRENT.public_key, OdooCredential("demo", "k"), tenant="acme")
    with pytest.raises(SealingError):
        open_odoo_credential([CURRENT], sealed, tenant="globex")


def test_a_sealed_value_that_is_not_a_credential_is_refused():
    aad = b"tollgate odoo credential for tenant acme"
    for payload in (b"not json", b'{"login": "demo"}', b'{"login": "", "key": "k"}', b"[1]"):
        sealed = common_pb2.SealedCredential(
            key_id=CURRENT.key_id, ciphertext=seal(CURRENT.public_key, payload, aad)
        )
        with pytest.raises(SealingError):
            open_odoo_credential([CURRENT], sealed, tenant="acme")


def test_parse_private_keys_keeps_the_order():
    keys = parse_private_keys(f" {CURRENT.to_base64()} ,{PREVIOUS.to_base64()},")
    assert [key.key_id for key in keys] == [CURRENT.key_id, PREVIOUS.key_id]


@pytest.mark.parametrize("text", ["", " , ", "not-base64!", "c2hvcnQ="])
def test_parse_private_keys_refuses_bad_settings(text):
    with pytest.raises((KeyFormatError, ValueError)):
        parse_private_keys(text)
