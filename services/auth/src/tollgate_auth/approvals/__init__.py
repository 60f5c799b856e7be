"""The approver web pages, served by auth and backed by policy over gRPC (see `router`)."""

from __future__ import annotations

from fastapi import FastAPI
from tollgate.v1 import common_pb2, policy_pb2_grpc
from tollgate_common.grpc_channel import create_channel
from tollgate_common.stores import Store
from tollgate_common.tenants.registry import TenantRegistry

from tollgate_auth.approvals.router import ApprovalPages, VerifyKey
from tollgate_auth.verifier import TokenVerifier


def mount_approval_pages(
    app: FastAPI,
    *,
    registry: TenantRegistry,
    store: Store,
    verifier: TokenVerifier,
    policy_address: str,
    secure_cookies: bool,
    policy_timeout: float = 5.0,
    audit_timeout: float = 30.0,
) -> ApprovalPages:
    """Add ``/t/<tenant>/approvals`` to ``app``; call inside the serving event loop and `close`
    the result when the server stops."""
    channel = create_channel(policy_address, default_deadline=policy_timeout)

    async def verify_key(token: str, tenant: str) -> common_pb2.Principal:
        return (await verifier.verify(token, tenant)).principal

    pages = ApprovalPages(
        registry=registry,
        store=store,
        verify_key=verify_key,
        policy=policy_pb2_grpc.PolicyServiceStub(channel),
        secure_cookies=secure_cookies,
        policy_timeout=policy_timeout,
        audit_timeout=audit_timeout,
        close=channel.close,
    )
    app.include_router(pages.router)
    return pages


__all__ = ["ApprovalPages", "VerifyKey", "mount_approval_pages"]
