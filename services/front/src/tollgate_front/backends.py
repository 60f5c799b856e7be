"""The gRPC channels the front holds: one to auth, one to policy, one per worker address.

Channels are created once (inside the event loop that uses them) and reused by every request;
a worker channel appears the first time its tenant is called and goes when no tenant uses it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import grpc
from tollgate.v1 import auth_pb2_grpc, policy_pb2_grpc, worker_pb2_grpc
from tollgate_common.grpc_channel import create_channel

logger = logging.getLogger(__name__)


class WorkerChannels:
    """A `WorkerServiceStub` per worker address, created on first use."""

    def __init__(self, *, default_deadline: float) -> None:
        self._default_deadline = default_deadline
        self._closing: set[asyncio.Task[None]] = set()
        self._channels: dict[
            str, tuple[grpc.aio.Channel, worker_pb2_grpc.WorkerServiceAsyncStub]
        ] = {}

    def stub(self, address: str) -> worker_pb2_grpc.WorkerServiceAsyncStub:
        entry = self._channels.get(address)
        if entry is None:
            channel = create_channel(address, default_deadline=self._default_deadline)
            entry = (channel, worker_pb2_grpc.WorkerServiceStub(channel))
            self._channels[address] = entry
        return entry[1]

    async def retain(self, addresses: Iterable[str]) -> None:
        """Close the channels of workers no tenant points at any more."""
        keep = set(addresses)
        for address in [a for a in self._channels if a not in keep]:
            channel, _stub = self._channels.pop(address)
            logger.info("closing worker channel", extra={"worker_address": address})
            await channel.close()

    def retain_soon(self, addresses: Iterable[str]) -> None:
        """`retain` from synchronous code (the tenant registry's change listener)."""
        task = asyncio.get_running_loop().create_task(self.retain(list(addresses)))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        await self.retain(())


class Backends:
    """Stubs for auth and policy plus the worker channels; `close` releases them all."""

    def __init__(
        self,
        *,
        auth_address: str,
        policy_address: str,
        auth_timeout: float,
        policy_timeout: float,
        tool_timeout: float,
    ) -> None:
        self._auth_channel = create_channel(auth_address, default_deadline=auth_timeout)
        self._policy_channel = create_channel(policy_address, default_deadline=policy_timeout)
        self.auth: auth_pb2_grpc.AuthServiceAsyncStub = auth_pb2_grpc.AuthServiceStub(
            self._auth_channel
        )
        self.policy: policy_pb2_grpc.PolicyServiceAsyncStub = policy_pb2_grpc.PolicyServiceStub(
            self._policy_channel
        )
        self.workers = WorkerChannels(default_deadline=tool_timeout)

    async def close(self) -> None:
        await self.workers.close()
        await self._auth_channel.close()
        await self._policy_channel.close()
