from __future__ import annotations

from pathlib import Path

import pytest
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send
from tollgate_auth.cimd import MetadataDocumentError, MetadataDocumentFetcher
from tollgate_auth.testing import self_signed_certificate, serving


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope["path"]
    response: Response
    if path == "/ok.json":
        response = JSONResponse({"client_id": "x", "hits": app.hits})  # type: ignore[attr-defined]
        app.hits += 1  # type: ignore[attr-defined]
    elif path == "/big.json":
        response = JSONResponse({"pad": "x" * 10_000})
    elif path == "/text":
        response = PlainTextResponse("not json")
    elif path == "/list.json":
        response = JSONResponse([1, 2])
    elif path == "/moved.json":
        response = RedirectResponse("/ok.json", status_code=302)
    else:
        response = JSONResponse({}, status_code=404)
    await response(scope, receive, send)


app.hits = 0  # type: ignore[attr-defined]


@pytest.fixture
async def served(tmp_path: Path):
    cert, key = self_signed_certificate(tmp_path)
    async with serving(app, certfile=cert, keyfile=key) as base:
        fetcher = MetadataDocumentFetcher(
            timeout=5,
            max_bytes=2048,
            cache_ttl=60,
            allow_loopback=[base.removeprefix("https://")],
            ca_file=str(cert),
        )
        yield base, fetcher
        await fetcher.close()


async def test_documents_are_fetched_and_cached(served):
    base, fetcher = served
    first = await fetcher.fetch(f"{base}/ok.json")
    again = await fetcher.fetch(f"{base}/ok.json")
    assert first == again  # the second came from the cache


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/big.json", "too large"),
        ("/text", "not JSON"),
        ("/list.json", "not a JSON object"),
        ("/moved.json", "HTTP 302"),
        ("/missing.json", "HTTP 404"),
    ],
)
async def test_unusable_documents_are_refused_with_a_reason(served, path, message):
    base, fetcher = served
    with pytest.raises(MetadataDocumentError, match=message):
        await fetcher.fetch(f"{base}{path}")


async def test_without_the_dev_allowance_loopback_is_refused(served, tmp_path: Path):
    base, _ = served
    strict = MetadataDocumentFetcher(timeout=5, max_bytes=2048, cache_ttl=0)
    with pytest.raises(MetadataDocumentError, match="not public"):
        await strict.fetch(f"{base}/ok.json")
    await strict.close()


async def test_an_untrusted_certificate_is_refused(tmp_path: Path):
    cert, key = self_signed_certificate(tmp_path)
    async with serving(app, certfile=cert, keyfile=key) as base:
        fetcher = MetadataDocumentFetcher(
            timeout=5, max_bytes=2048, cache_ttl=0, allow_loopback=[base.removeprefix("https://")]
        )
        with pytest.raises(MetadataDocumentError, match="cannot be fetched"):
            await fetcher.fetch(f"{base}/ok.json")
        await fetcher.close()


async def test_only_https_urls_with_a_path(served):
    _, fetcher = served
    for url in ("http://example.com/c.json", "https://example.com/"):
        with pytest.raises(MetadataDocumentError, match="https with a path"):
            await fetcher.fetch(url)
