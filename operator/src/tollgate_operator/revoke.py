"""A deleted tenant's tokens end at auth (RevokeTenant) before the tenant is deregistered.

Revocation must succeed before the finalizer comes off: when auth cannot be reached (or fails)
the delete handler raises a `kopf.TemporaryError`, so kopf keeps the finalizer and retries.
"""

from __future__ import annotations

import grpc
import kopf
from tollgate.v1 import auth_pb2, auth_pb2_grpc
from tollgate_common.grpc_channel import create_channel


async def revoke_tenant(
    address: str, tenant: str, *, deadline: float, retry: float
) -> auth_pb2.RevokeTenantResponse:
    """Ask auth at ``address`` to revoke every token and API key of ``tenant``."""
    channel = create_channel(address, default_deadline=deadline)
    try:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        return await stub.RevokeTenant(auth_pb2.RevokeTenantRequest(tenant=tenant))
    except grpc.aio.AioRpcError as error:
        raise kopf.TemporaryError(
            f"cannot revoke the tenant's tokens at auth ({address}): {error.code().name} "
            f"{error.details() or ''}".rstrip()
            + "; the tenant stays until that succeeds",
            delay=retry,
        ) from None
    finally:
        await channel.close()
