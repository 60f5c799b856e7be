"""Assembling auth from its settings and running it: gRPC for the other services, HTTP for the
OAuth endpoints and browser pages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass

import httpx
import uvicorn
from tollgate.v1 import auth_pb2, auth_pb2_grpc
from tollgate_common.grpc_server import GrpcServer, wait_for_stop_signal
from tollgate_common.stores import open_store
from tollgate_common.tenants import TenantRegistry, tenant_source

from tollgate_auth.api_keys import ApiKeys
from tollgate_auth.approvals import mount_approval_pages
from tollgate_auth.cimd import MetadataDocumentFetcher
from tollgate_auth.clients import ClientDirectory
from tollgate_auth.config import Settings
from tollgate_auth.dev_keys import DevKey, load_dev_keys
from tollgate_auth.odoo_login import OdooLoginChecker, WorkerKeys
from tollgate_auth.servicer import AuthServicer
from tollgate_auth.sso import SsoClient, load_sso_file
from tollgate_auth.store import AuthStore
from tollgate_auth.tokens import TokenService
from tollgate_auth.verifier import TokenVerifier
from tollgate_auth.web.app import create_web_app
from tollgate_auth.web.context import Limits, WebContext

logger = logging.getLogger(__name__)

SERVICE_NAME = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name


def create_registry(settings: Settings) -> TenantRegistry:
    return TenantRegistry(tenant_source(settings), poll_interval=settings.tenant_poll_interval)


@dataclass
class AuthParts:
    """Everything auth runs with; `close` releases connections."""

    registry: TenantRegistry
    store: AuthStore
    tokens: TokenService
    api_keys: ApiKeys
    verifier: TokenVerifier
    checker: OdooLoginChecker
    fetcher: MetadataDocumentFetcher
    web: WebContext
    http: httpx.AsyncClient

    async def close(self) -> None:
        await self.checker.close()
        await self.fetcher.close()
        await self.http.aclose()
        await self.store.raw.close()


def build_parts(
    settings: Settings, registry: TenantRegistry, dev_keys: Mapping[bytes, DevKey]
) -> AuthParts:
    """Call inside the event loop that serves (gRPC channels, HTTP clients)."""
    store = AuthStore(
        open_store(settings.store_url, namespace="auth"), refresh_ttl=settings.refresh_token_ttl
    )
    worker_keys = WorkerKeys()
    checker = OdooLoginChecker(worker_keys, timeout=settings.worker_timeout)
    tokens = TokenService(
        store,
        settings.token_signing_keys(),
        issuer_base=settings.public_issuer_base(),
        access_ttl=settings.access_token_ttl,
    )
    api_keys = ApiKeys(store, registry, checker)
    verifier = TokenVerifier(
        registry,
        dev_keys,
        cache_ttl=settings.cache_ttl,
        worker_keys=worker_keys,
        tokens=tokens,
        api_keys=api_keys,
    )
    fetcher = MetadataDocumentFetcher(
        timeout=settings.cimd_timeout,
        max_bytes=settings.cimd_max_bytes,
        cache_ttl=settings.cimd_cache_ttl,
        allow_loopback=settings.cimd_allow_loopback,
        ca_file=str(settings.cimd_ca_file) if settings.cimd_ca_file else None,
    )
    http = httpx.AsyncClient(timeout=10.0, follow_redirects=False)
    providers = load_sso_file(settings.sso_file) if settings.sso_file else {}
    web = WebContext(
        registry=registry,
        store=store,
        clients=ClientDirectory(store, fetcher),
        tokens=tokens,
        checker=checker,
        limits=Limits(
            code_ttl=settings.code_ttl,
            login_per_minute=settings.login_attempts_per_minute,
            login_per_ip_per_minute=settings.login_attempts_per_ip_per_minute,
            registrations_per_ip_per_hour=settings.registrations_per_ip_per_hour,
        ),
        secure_cookies=settings.public_issuer_base().startswith("https://"),
        sso={tenant: SsoClient(config, http) for tenant, config in providers.items()},
    )
    return AuthParts(registry, store, tokens, api_keys, verifier, checker, fetcher, web, http)


def create_server(settings: Settings, parts: AuthParts) -> GrpcServer:
    servicer = AuthServicer(parts.verifier, parts.tokens, parts.api_keys, parts.registry)
    return GrpcServer.from_settings(
        settings,
        lambda server: auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, server),
        service_names=[SERVICE_NAME],
    )


def read_dev_keys(settings: Settings) -> dict[bytes, DevKey]:
    """The configured dev keys; raises `DevKeysError` for a bad file."""
    if settings.dev_keys_file is None:
        return {}
    return load_dev_keys(settings.dev_keys_file)


class _QuietServer(uvicorn.Server):
    """Leaves signals alone: the process's own handler stops gRPC and HTTP together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@contextlib.asynccontextmanager
async def running_http(settings: Settings, parts: AuthParts) -> AsyncIterator[uvicorn.Server]:
    app = create_web_app(parts.web)
    approvals = (
        mount_approval_pages(
            app,
            registry=parts.registry,
            store=parts.store.raw,
            verifier=parts.verifier,
            policy_address=settings.policy_address,
            secure_cookies=parts.web.secure_cookies,
            audit_timeout=settings.policy_audit_timeout,
        )
        if settings.policy_address
        else None
    )
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=int(settings.shutdown_grace),
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise OSError(f"cannot serve HTTP on {settings.http_host}:{settings.http_port}")
        await asyncio.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        await task
        if approvals is not None:
            await approvals.close()


async def serve(settings: Settings, dev_keys: Mapping[bytes, DevKey]) -> None:
    if settings.signing_keys is None:
        logger.warning(
            "no TOLLGATE_AUTH_SIGNING_KEYS: a signing key was generated for this process; "
            "tokens die with it and other replicas cannot verify them"
        )
    registry = create_registry(settings)
    await registry.start()
    parts = build_parts(settings, registry, dev_keys)
    server = create_server(settings, parts)
    try:
        await server.start()
        async with running_http(settings, parts) as http:
            logger.info(
                "auth ready",
                extra={
                    "address": server.address,
                    "http": f"{settings.http_host}:{_port(http)}",
                    "issuer_base": settings.public_issuer_base(),
                    "tenants": registry.names(),
                    "dev_keys": len(dev_keys),
                },
            )
            sig = await wait_for_stop_signal()
            logger.info("stopping on signal", extra={"signal": sig.name})
            await server.stop(settings.shutdown_grace)
    finally:
        await parts.close()
        await registry.stop()


def _port(server: uvicorn.Server) -> int:
    for listener in server.servers:
        for sock in listener.sockets:
            return int(sock.getsockname()[1])
    return 0
