"""Assembling a worker from its settings, and running it as a gRPC server.

Everything costly (the HTTP pool, parsed keys, caches, the tool registry) is built once here, so a
call does no set-up work of its own. Nothing talks to Odoo at start-up: a worker whose Odoo is down
still starts, reports healthy, and answers calls with a clear UNAVAILABLE error.
"""

from __future__ import annotations

import logging

import httpx
from tollgate.v1 import worker_pb2, worker_pb2_grpc
from tollgate_common.grpc_server import GrpcServer, wait_for_stop_signal
from tollgate_common.http_tracing import instrument_odoo_client

from tollgate_worker.config import Settings
from tollgate_worker.credentials import CredentialOpener
from tollgate_worker.models import ModelCatalog
from tollgate_worker.odoo.client import OdooClient
from tollgate_worker.odoo.transport import OdooTransport, PoolLimits
from tollgate_worker.schema import SchemaCache
from tollgate_worker.servicer import WorkerParts, WorkerServicer
from tollgate_worker.tools import ToolLimits, build_registry
from tollgate_worker.users import UserDirectory

logger = logging.getLogger(__name__)

SERVICE_NAME = worker_pb2.DESCRIPTOR.services_by_name["WorkerService"].full_name
_CACHE_ENTRIES = 4096


def build_parts(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> WorkerParts:
    """The worker's long-lived objects; ``transport`` replaces the network in tests."""
    odoo_transport = OdooTransport(
        settings.odoo_url,
        limits=PoolLimits(
            max_connections=settings.odoo_max_connections,
            max_keepalive=settings.odoo_max_connections,
            connect_timeout=settings.odoo_connect_timeout,
            breaker_threshold=settings.breaker_threshold,
            breaker_cooldown=settings.breaker_cooldown,
        ),
        verify_tls=settings.odoo_verify_tls,
        transport=transport,
    )
    instrument_odoo_client(
        odoo_transport.http_client,
        tenant=settings.tenant,
        breaker_state=lambda: odoo_transport.breaker.state,
    )
    client = OdooClient(odoo_transport, settings.odoo_database, settings.odoo_protocol)
    return WorkerParts(
        tenant=settings.tenant,
        client=client,
        credentials=CredentialOpener(settings.tenant, settings.sealing_keys()),
        users=UserDirectory(client, ttl=settings.uid_cache_ttl, max_entries=_CACHE_ENTRIES),
        schemas=SchemaCache(ttl=settings.schema_cache_ttl, max_entries=_CACHE_ENTRIES),
        models=ModelCatalog(ttl=settings.schema_cache_ttl, max_entries=_CACHE_ENTRIES),
        tools=build_registry(),
        limits=ToolLimits(
            default_limit=settings.default_limit,
            max_limit=settings.max_limit,
            answer_budget=settings.answer_budget,
        ),
        default_timeout=settings.odoo_timeout,
        public_url=settings.odoo_public_url or settings.odoo_url,
    )


def create_server(settings: Settings, servicer: WorkerServicer) -> GrpcServer:
    return GrpcServer.from_settings(
        settings,
        lambda server: worker_pb2_grpc.add_WorkerServiceServicer_to_server(servicer, server),
        service_names=[SERVICE_NAME],
    )


async def serve(settings: Settings) -> None:
    """Serve until SIGTERM/SIGINT, then drain in-flight calls and close the Odoo connections."""
    parts = build_parts(settings)
    server = create_server(settings, WorkerServicer(parts))
    try:
        await server.start()
        logger.info(
            "worker ready",
            extra={
                "tenant": settings.tenant,
                "address": server.address,
                "odoo_url": settings.odoo_url,
                "odoo_protocol": settings.odoo_protocol,
            },
        )
        sig = await wait_for_stop_signal()
        logger.info("stopping on signal", extra={"signal": sig.name})
        await server.stop(settings.shutdown_grace)
    finally:
        await parts.client.aclose()
