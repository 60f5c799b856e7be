"""Assembling auth from its settings and running it as a gRPC server."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from tollgate.v1 import auth_pb2, auth_pb2_grpc
from tollgate_common.grpc_server import GrpcServer, wait_for_stop_signal
from tollgate_common.tenants.registry import DirectorySource, TenantRegistry

from tollgate_auth.config import Settings
from tollgate_auth.dev_keys import DevKey, load_dev_keys
from tollgate_auth.servicer import AuthServicer
from tollgate_auth.verifier import TokenVerifier

logger = logging.getLogger(__name__)

SERVICE_NAME = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name


def create_registry(settings: Settings) -> TenantRegistry:
    return TenantRegistry(
        DirectorySource(settings.tenants_dir), poll_interval=settings.tenant_poll_interval
    )


def create_server(
    settings: Settings, registry: TenantRegistry, dev_keys: Mapping[bytes, DevKey]
) -> GrpcServer:
    servicer = AuthServicer(TokenVerifier(registry, dev_keys, cache_ttl=settings.cache_ttl))
    return GrpcServer.from_settings(
        settings,
        lambda server: auth_pb2_grpc.add_AuthServiceServicer_to_server(servicer, server),
        service_names=[SERVICE_NAME],
    )


def read_dev_keys(settings: Settings) -> dict[bytes, DevKey]:
    """The configured dev keys; raises `DevKeysError` for a bad file."""
    if settings.dev_keys_file is None:
        logger.warning("no dev keys file configured: every token will be refused")
        return {}
    return load_dev_keys(settings.dev_keys_file)


async def serve(settings: Settings, dev_keys: Mapping[bytes, DevKey]) -> None:
    registry = create_registry(settings)
    await registry.start()
    server = create_server(settings, registry, dev_keys)
    try:
        await server.start()
        logger.info(
            "auth ready",
            extra={
                "address": server.address,
                "tenants": registry.names(),
                "dev_keys": len(dev_keys),
            },
        )
        sig = await wait_for_stop_signal()
        logger.info("stopping on signal", extra={"signal": sig.name})
        await server.stop(settings.shutdown_grace)
    finally:
        await registry.stop()
