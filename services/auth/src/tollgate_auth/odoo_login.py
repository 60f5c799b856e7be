"""Checking a person's Odoo login and API key, through the tenant's worker (only the worker talks
to Odoo), and sealing the credential to that worker's key.

The clear API key lives only in the request that carries it: it is sealed before it leaves this
module and auth never stores or logs it.
"""

from __future__ import annotations

import logging

import grpc
from tollgate.v1 import common_pb2, worker_pb2, worker_pb2_grpc
from tollgate_common.errors import ErrorCode, TollgateError, rpc_errors
from tollgate_common.grpc_channel import create_channel
from tollgate_common.odoo_credentials import OdooCredential, seal_odoo_credential
from tollgate_common.sealing import KeyFormatError, SealingPublicKey
from tollgate_common.tenants.config import TenantConfig

from tollgate_auth.store import Identity, SealedValue

logger = logging.getLogger(__name__)

# What the worker answers for a login Odoo refuses.
_REFUSED_CODES = (ErrorCode.UNAUTHENTICATED, ErrorCode.PERMISSION_DENIED)


class CredentialRefused(Exception):
    """Odoo refused the login and key (the message is safe to show)."""


class WorkerKeys:
    """Tenant workers' sealing public keys, parsed once per key."""

    def __init__(self) -> None:
        self._keys: dict[str, SealingPublicKey] = {}

    def for_tenant(self, config: TenantConfig) -> SealingPublicKey:
        encoded = config.worker.public_key
        key = self._keys.get(encoded)
        if key is None:
            try:
                key = SealingPublicKey.from_base64(encoded)
            except KeyFormatError:
                # Fail closed: without the worker's key no credential can be handed out.
                logger.error("tenant has no valid worker public key", extra={"tenant": config.name})
                raise TollgateError(
                    ErrorCode.UNAVAILABLE,
                    f"Tenant {config.name!r} is not ready: its worker key is not configured.",
                    hint="Ask an administrator to check the tenant's worker.",
                ) from None
            self._keys[encoded] = key
        return key

    def seal(self, config: TenantConfig, login: str, api_key: str) -> common_pb2.SealedCredential:
        return seal_odoo_credential(
            self.for_tenant(config),
            OdooCredential(login=login, api_key=api_key),
            tenant=config.name,
        )


class OdooLoginChecker:
    """Asks the tenant's worker whether an Odoo login and API key are good."""

    def __init__(self, keys: WorkerKeys, *, timeout: float) -> None:
        self.keys = keys
        self._timeout = timeout
        self._channels: dict[str, tuple[grpc.aio.Channel, worker_pb2_grpc.WorkerServiceAsyncStub]]
        self._channels = {}

    def _stub(self, address: str) -> worker_pb2_grpc.WorkerServiceAsyncStub:
        entry = self._channels.get(address)
        if entry is None:
            channel = create_channel(address, default_deadline=self._timeout)
            entry = (channel, worker_pb2_grpc.WorkerServiceStub(channel))
            self._channels[address] = entry
        return entry[1]

    async def check(self, config: TenantConfig, login: str, api_key: str) -> Identity:
        """The person behind ``login``; `CredentialRefused` when Odoo says no, `TollgateError`
        (UNAVAILABLE…) when the worker or Odoo cannot answer."""
        login = login.strip()
        if not login or not api_key:
            raise CredentialRefused("Enter your Odoo login and API key.")
        sealed = self.keys.seal(config, login, api_key)
        request = worker_pb2.VerifyCredentialRequest(odoo_login=login, credential=sealed)
        try:
            with rpc_errors("The tenant's Odoo worker"):
                answer = await self._stub(config.worker.address).VerifyCredential(
                    request, timeout=self._timeout
                )
        except TollgateError as error:
            if error.code in _REFUSED_CODES:
                raise CredentialRefused("Odoo did not accept this login and API key.") from None
            raise
        email = (answer.email or (login if "@" in login else "")).strip().lower()
        return Identity(
            subject=email or f"odoo:{login}",
            email=email,
            name=answer.name or login,
            odoo_login=login,
            credential=SealedValue.of(sealed),
        )

    async def close(self) -> None:
        for channel, _stub in self._channels.values():
            await channel.close()
        self._channels.clear()
