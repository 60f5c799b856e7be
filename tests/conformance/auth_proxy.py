"""A reverse proxy that adds ``Authorization: Bearer <key>`` to every request, nothing else.

The conformance suite's client cannot send a bearer token, and the front rightly refuses requests
without one; this proxy stands where an MCP client's own auth would. It passes every other header
through untouched (Host and Origin too, so the suite's DNS-rebinding checks reach the front) and
streams responses (SSE) back as they come.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "content-length"}


def create_proxy(upstream: str, api_key: str) -> Starlette:
    clients: list[httpx.AsyncClient] = []

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(
            base_url=upstream, timeout=httpx.Timeout(30.0, read=300.0)
        ) as client:
            clients.append(client)
            yield

    async def forward(request: Request) -> StreamingResponse:
        client = clients[0]
        headers = [
            (name, value)
            for name, value in request.headers.items()
            if name.lower() not in _HOP_BY_HOP and name.lower() != "authorization"
        ]
        headers.append(("authorization", f"Bearer {api_key}"))
        upstream_request = client.build_request(
            request.method,
            request.url.path,
            params=request.query_params,
            headers=headers,
            content=await request.body(),
        )
        response = await client.send(upstream_request, stream=True)

        async def body() -> AsyncIterator[bytes]:
            async for chunk in response.aiter_raw():
                yield chunk

        return StreamingResponse(
            body(),
            status_code=response.status_code,
            headers={k: v for k, v in response.headers.items() if k.lower() not in _HOP_BY_HOP},
            background=BackgroundTask(response.aclose),
        )

    methods = ["GET", "POST", "DELETE"]
    return Starlette(routes=[Route("/{path:path}", forward, methods=methods)], lifespan=lifespan)


@contextlib.contextmanager
def running_proxy(upstream: str, api_key: str) -> Iterator[str]:
    """Serve the proxy on 127.0.0.1 and a free port in a thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_proxy(upstream, api_key), log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the auth proxy did not start")
            threading.Event().wait(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
