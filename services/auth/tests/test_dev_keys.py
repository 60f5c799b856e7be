from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from tollgate_auth.dev_keys import DevKeysError, hash_key, load_dev_keys, parse_dev_keys

ENTRY = {"tenant": "acme", "email": "a@acme.example", "odoo_login": "a", "odoo_api_key": "k"}
KEY = "tg_dev_0123456789abcdef"


def test_list_form_keeps_only_hashes():
    keys = parse_dev_keys({"keys": [{**ENTRY, "key": KEY}]})
    ((key_hash, key),) = keys.items()
    assert key_hash == hashlib.sha256(KEY.encode()).digest()
    assert key.subject == "a@acme.example"
    assert KEY not in repr(key)
    assert "k" not in repr(key).replace("key", "")


def test_a_key_may_be_given_as_its_hash():
    keys = parse_dev_keys({"keys": [{**ENTRY, "key_sha256": hash_key(KEY).hex()}]})
    assert hash_key(KEY) in keys


def test_mapping_form(tmp_path: Path):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({KEY: ENTRY}))
    keys = load_dev_keys(path)
    assert keys[hash_key(KEY)].tenant == "acme"


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"keys": [{**ENTRY}]}, "keys[0]: give exactly one of key and key_sha256"),
        ({"keys": [{**ENTRY, "key": KEY, "key_sha256": "ab" * 32}]}, "give exactly one"),
        ({"keys": [{**ENTRY, "key": "short"}]}, "keys[0].key:"),
        ({"keys": [{**ENTRY, "key": KEY, "odoo_login": ""}]}, "keys[0].odoo_login"),
        ({"keys": [{**ENTRY, "key": KEY, "colour": 1}]}, "keys[0].colour: unknown key"),
        ({"keys": [{**ENTRY, "key": KEY}, {**ENTRY, "key": KEY}]}, "keys[1]: the same key"),
        ({"keys": "nope"}, "keys: must be a list"),
        ([1, 2], "must be a mapping"),
    ],
)
def test_invalid_files_say_what_is_wrong_without_showing_keys(document, expected):
    with pytest.raises(DevKeysError) as raised:
        parse_dev_keys(document)
    assert expected in str(raised.value)
    assert KEY not in str(raised.value)


def test_unparsable_file(tmp_path: Path):
    path = tmp_path / "keys.yaml"
    path.write_text("keys: [unclosed")
    with pytest.raises(DevKeysError, match=r"keys\.yaml is not valid YAML"):
        load_dev_keys(path)
