from __future__ import annotations

import pytest
from tollgate_auth.cimd import _public, is_metadata_url
from tollgate_auth.clients import (
    ClientMetadataError,
    check_redirect_uri,
    client_from_metadata,
    redirect_uri_matches,
)


@pytest.mark.parametrize(
    ("requested", "registered", "expected"),
    [
        ("https://app.example/cb", "https://app.example/cb", True),
        ("https://app.example/cb/", "https://app.example/cb", False),
        ("https://app.example:8443/cb", "https://app.example/cb", False),
        ("http://127.0.0.1:53682/cb", "http://127.0.0.1/cb", True),
        ("http://127.0.0.1:1/cb", "http://127.0.0.1:2/cb", True),
        ("http://[::1]:9/cb", "http://[::1]/cb", True),
        ("http://127.0.0.1:9/other", "http://127.0.0.1/cb", False),
        ("http://localhost:9/cb", "http://127.0.0.1/cb", False),
        ("http://evil.example:9/cb", "http://evil.example/cb", False),
    ],
)
def test_redirect_matching_is_exact_except_the_loopback_port(requested, registered, expected):
    assert redirect_uri_matches(requested, registered) is expected


@pytest.mark.parametrize(
    "uri",
    [
        "https://claude.ai/api/mcp/auth_callback",
        "http://127.0.0.1/cb",
        "cursor://anysphere.cursor-retrieval/oauth",
        "com.example.app:/cb",
    ],
)
def test_accepted_redirect_uris(uri):
    assert check_redirect_uri(uri) == uri


@pytest.mark.parametrize(
    "uri",
    [
        "http://app.example/cb",
        "https://app.example/cb#frag",
        "javascript:alert(1)",
        "",
        "ftp://x/y",
    ],
)
def test_refused_redirect_uris(uri):
    with pytest.raises(ClientMetadataError) as raised:
        check_redirect_uri(uri)
    assert raised.value.error == "invalid_redirect_uri"


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({}, "redirect_uris is required"),
        ({"redirect_uris": "https://a.example/cb"}, "must be a list"),
        (
            {"redirect_uris": ["https://a.example/cb"], "grant_types": ["client_credentials"]},
            "grant_types",
        ),
        (
            {"redirect_uris": ["https://a.example/cb"], "response_types": ["token"]},
            "response_types",
        ),
        (
            {
                "redirect_uris": ["https://a.example/cb"],
                "token_endpoint_auth_method": "client_secret_post",
            },
            "public clients",
        ),
    ],
)
def test_bad_client_metadata_is_named(metadata, message):
    with pytest.raises(ClientMetadataError, match=message):
        client_from_metadata(metadata, client_id="c", kind="dcr")


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("127.0.0.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("224.0.0.1", False),
    ],
)
def test_only_public_addresses_may_be_fetched(address, public):
    assert _public(address) is public


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://app.example/oauth/client.json", True),
        ("https://app.example/", False),
        ("https://app.example", False),
        ("http://app.example/client.json", False),
        ("tgc_abc", False),
    ],
)
def test_metadata_urls(url, expected):
    assert is_metadata_url(url) is expected
