"""The names of the records an approval request is about, for the approver to read.

Read once, when the request is created, from the tenant's worker with the requester's own
credential (so it shows only what the requester may see) and only when the tenant's policy lets
the requester read that model; only ``display_name`` is asked for. Any failure leaves the names
out: the summary then lists ids, and the decision itself never waits on it for long.
"""

from __future__ import annotations

import json
import logging
from typing import Final

import grpc
from tollgate.v1 import common_pb2, worker_pb2, worker_pb2_grpc
from tollgate_common.grpc_channel import create_channel
from tollgate_common.tenants.config import TenantConfig

from tollgate_policy.rules import CallFacts, CompiledPolicy

logger = logging.getLogger(__name__)

LOOKUP_TOOL: Final = "get_records"
MAX_NAMES: Final = 20


def _unavailable(config: TenantConfig, call: common_pb2.ToolCall, error: str) -> list[str]:
    # The error's kind only: its text or the answer could hold record contents.
    logger.info(
        "record names unavailable for an approval request",
        extra={"tenant": config.name, "model": call.model, "error": error},
    )
    return []


class RecordNames:
    def __init__(self, *, timeout: float = 2.0) -> None:
        self._timeout = timeout
        self._channels: dict[
            str, tuple[grpc.aio.Channel, worker_pb2_grpc.WorkerServiceAsyncStub]
        ] = {}

    def _stub(self, address: str) -> worker_pb2_grpc.WorkerServiceAsyncStub:
        entry = self._channels.get(address)
        if entry is None:
            channel = create_channel(address, default_deadline=self._timeout)
            entry = self._channels[address] = (channel, worker_pb2_grpc.WorkerServiceStub(channel))
        return entry[1]

    async def lookup(
        self,
        config: TenantConfig,
        policy: CompiledPolicy,
        principal: common_pb2.Principal,
        call: common_pb2.ToolCall,
        client_ip: str,
    ) -> list[str]:
        ids = list(call.record_ids)[:MAX_NAMES]
        if not call.model or not ids:
            return []
        read = common_pb2.ToolCall(
            tool=LOOKUP_TOOL,
            model=call.model,
            operation="read",
            record_ids=ids,
            arguments_json=json.dumps(
                {"model": call.model, "ids": ids, "fields": ["display_name"]}
            ).encode(),
        )
        if policy.decide(CallFacts.of(principal, read, client_ip)).outcome != "allow":
            return []
        request = worker_pb2.ExecuteToolRequest(principal=principal, call=read)
        try:
            response = await self._stub(config.worker.address).ExecuteTool(
                request, timeout=self._timeout
            )
            answer = json.loads(response.result_json)
        except (grpc.aio.AioRpcError, ValueError) as error:
            return _unavailable(config, call, type(error).__name__)
        records = answer.get("records") if isinstance(answer, dict) else None
        if not isinstance(records, list):
            return _unavailable(config, call, "no list of records in the answer")
        names = {
            record.get("id"): str(record.get("display_name") or record.get("name") or "")
            for record in records
            if isinstance(record, dict)
        }
        return [f"{names.get(i) or '?'} (id {i})" for i in ids]

    async def close(self) -> None:
        for channel, _stub in self._channels.values():
            await channel.close()
        self._channels.clear()
