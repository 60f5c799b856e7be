"""Assembling policy from its settings and running it as a gRPC server."""

from __future__ import annotations

import logging

from tollgate.v1 import policy_pb2, policy_pb2_grpc
from tollgate_common.grpc_server import GrpcServer, wait_for_stop_signal
from tollgate_common.stores import Store, open_store
from tollgate_common.tenants import TenantRegistry, tenant_source

from tollgate_policy.audit import AuditTrail
from tollgate_policy.config import Settings
from tollgate_policy.decisions import Decider
from tollgate_policy.record_names import RecordNames
from tollgate_policy.servicer import PolicyServicer

logger = logging.getLogger(__name__)

SERVICE_NAME = policy_pb2.DESCRIPTOR.services_by_name["PolicyService"].full_name


def create_registry(settings: Settings) -> TenantRegistry:
    return TenantRegistry(tenant_source(settings), poll_interval=settings.tenant_poll_interval)


def create_server(
    settings: Settings,
    registry: TenantRegistry,
    store: Store,
    record_names: RecordNames | None = None,
) -> GrpcServer:
    servicer = PolicyServicer(
        Decider(registry, store, approvals_url=settings.approvals_url, record_names=record_names),
        AuditTrail(store, max_length=settings.audit_max_length),
    )
    return GrpcServer.from_settings(
        settings,
        lambda server: policy_pb2_grpc.add_PolicyServiceServicer_to_server(servicer, server),
        service_names=[SERVICE_NAME],
    )


async def serve(settings: Settings) -> None:
    store = open_store(settings.store_url, namespace="policy")
    registry = create_registry(settings)
    await registry.start()
    record_names = RecordNames()
    server = create_server(settings, registry, store, record_names)
    try:
        await server.start()
        logger.info(
            "policy ready",
            extra={
                "address": server.address,
                "tenants": registry.names(),
                "store": settings.store_url.partition("://")[0],
            },
        )
        sig = await wait_for_stop_signal()
        logger.info("stopping on signal", extra={"signal": sig.name})
        await server.stop(settings.shutdown_grace)
    finally:
        await registry.stop()
        await record_names.close()
        await store.close()
