"""Access-token verification on the front's hot path: local (signature, claims, revocation view,
allowlist) against asking auth over gRPC on loopback (``VerifyToken``, the baseline).

Runs a real auth (in-memory store) in this process, mints an OAuth access token for a tenant that
keeps the sealed credential in the token, and verifies it N times each way. Prints mean and p99
in microseconds and the remote/local ratio. Bounded: a fixed number of calls, no thresholds.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc
from tollgate.v1 import auth_pb2, auth_pb2_grpc
from tollgate_auth.config import Settings
from tollgate_auth.server import build_parts, create_registry
from tollgate_auth.servicer import AuthServicer
from tollgate_auth.store import Identity, SealedValue
from tollgate_common.sealing import SealingPrivateKey
from tollgate_common.tenants.config import TenantConfig, compile_tenant
from tollgate_common.tenants.registry import StaticSource, TenantRegistry
from tollgate_common.tenants.resource import parse_tenant_spec
from tollgate_common.testing import running_grpc_server
from tollgate_front.token_verifier import AuthTokenVerifier, PrincipalCache

CALLS = 2000
FRONT = "http://127.0.0.1:8000"


async def timed(calls: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1e6)
    return samples


def report(name: str, samples: list[float]) -> float:
    mean = statistics.fmean(samples)
    p99 = statistics.quantiles(samples, n=100)[98]
    print(f"{name:<28} mean {mean:8.1f} us   p99 {p99:8.1f} us")
    return mean


def write_tenant(directory: Path) -> TenantConfig:
    spec = parse_tenant_spec(
        {
            "odoo": {"url": "http://o", "database": "odoo", "allowInsecureHttp": True},
            "access": {"allowedEmails": ["*@acme.example"]},
        }
    )
    config = compile_tenant(
        "acme",
        spec,
        endpoint_base=FRONT,
        worker_address="127.0.0.1:1",
        worker_public_key=SealingPrivateKey.generate().public_key.to_base64(),
    )
    (directory / "acme.json").write_text(config.to_json())
    return config


async def main(calls: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        config = write_tenant(Path(directory))
        settings = Settings(tenants_dir=Path(directory), issuer_base="http://auth.bench")
        registry = create_registry(settings)
        await registry.start()
        parts = build_parts(settings, registry, {})
        servicer = AuthServicer(parts.verifier, parts.tokens, parts.api_keys, registry)
        async with running_grpc_server(
            lambda s: auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, s),
            service_names=["tollgate.v1.AuthService"],
        ) as server:
            channel = grpc.aio.insecure_channel(server.address)
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            pair = await parts.tokens.start_grant(
                config,
                client_id="bench",
                scope="mcp",
                resource=config.endpoint,
                identity=Identity(
                    subject="a@acme.example",
                    email="a@acme.example",
                    name="A",
                    odoo_login="a",
                    credential=SealedValue(key_id="k", ciphertext="c2VhbGVk"),
                ),
                grant_id="oauth:bench",
            )
            front_registry = TenantRegistry(StaticSource(config))
            await front_registry.refresh()
            verifier = AuthTokenVerifier(
                stub,
                timeout=5,
                cache=PrincipalCache(max_ttl=0, max_size=1),  # no cache: every call is measured
                registry=front_registry,
                sync_interval=3600,
            )
            await verifier.start()
            token = pair.access_token
            request = auth_pb2.VerifyTokenRequest(
                token=token, tenant="acme", resource=config.endpoint
            )

            async def local() -> object:
                return await verifier.verify(token, tenant="acme", resource=config.endpoint)

            async def remote() -> object:
                return await stub.VerifyToken(request, timeout=5)

            await timed(100, local)  # warm-up
            await timed(100, remote)
            print(f"{calls} verifications each, one token, loopback gRPC")
            local_mean = report("local (front)", await timed(calls, local))
            remote_mean = report("VerifyToken (auth, gRPC)", await timed(calls, remote))
            print(f"ratio remote/local: {remote_mean / local_mean:.1f}x")
            await verifier.stop()
            await channel.close()
        await parts.close()
        await registry.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else CALLS))
