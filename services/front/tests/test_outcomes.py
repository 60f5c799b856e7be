"""The front's outcome batching against a real gRPC policy server (a scripted one)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from tollgate.v1 import common_pb2, policy_pb2, policy_pb2_grpc
from tollgate_common import metrics as tollgate_metrics
from tollgate_common.grpc_channel import create_channel
from tollgate_common.grpc_server import GrpcServer
from tollgate_common.testing import free_port, running_grpc_server
from tollgate_front.outcomes import OutcomeRecorder


class ScriptedPolicy(policy_pb2_grpc.PolicyServiceServicer):
    """Keeps every batch; ``reject`` may answer a record with a rejection code."""

    def __init__(self, reject: Callable[[policy_pb2.RecordOutcomeRequest], str] | None = None):
        self.batches: list[list[str]] = []
        self.reject = reject

    async def RecordOutcomes(
        self, request: policy_pb2.RecordOutcomesRequest, context: Any
    ) -> policy_pb2.RecordOutcomesResponse:
        self.batches.append([r.decision_id for r in request.records])
        rejected = []
        for index, record in enumerate(request.records):
            code = self.reject(record) if self.reject else ""
            if code:
                rejected.append(policy_pb2.OutcomeRejection(index=index, code=code, message="no"))
        return policy_pb2.RecordOutcomesResponse(rejected=rejected)

    @property
    def recorded(self) -> list[str]:
        return [decision for batch in self.batches for decision in batch]


def record(n: int) -> policy_pb2.RecordOutcomeRequest:
    return policy_pb2.RecordOutcomeRequest(
        decision_id=f"dec_{n}",
        principal=common_pb2.Principal(tenant="acme", subject="demo@acme.example"),
        call=common_pb2.ToolCall(tool="search_records", model="res.partner", operation="read"),
        outcome=policy_pb2.OUTCOME_SUCCESS,
    )


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def register(servicer: ScriptedPolicy) -> Callable[[grpc.aio.Server], None]:
    return lambda server: policy_pb2_grpc.add_PolicyServiceServicer_to_server(servicer, server)


@pytest.fixture
async def policy() -> AsyncIterator[tuple[ScriptedPolicy, policy_pb2_grpc.PolicyServiceStub]]:
    servicer = ScriptedPolicy()
    async with (
        running_grpc_server(register(servicer)) as server,
        grpc.aio.insecure_channel(server.address) as channel,
    ):
        yield servicer, policy_pb2_grpc.PolicyServiceStub(channel)


async def test_a_full_batch_goes_at_once_in_one_rpc_in_order(policy):
    servicer, stub = policy
    recorder = OutcomeRecorder(stub, timeout=5, batch_size=3, delay=3600)
    for n in range(3):
        recorder.add(record(n))
    await until(lambda: len(servicer.recorded) == 3)
    await recorder.drain(5)
    assert servicer.batches == [["dec_0", "dec_1", "dec_2"]]


async def test_a_lone_record_goes_after_the_delay(policy):
    servicer, stub = policy
    recorder = OutcomeRecorder(stub, timeout=5, batch_size=100, delay=0.01)
    recorder.add(record(1))
    await until(lambda: servicer.batches == [["dec_1"]])
    await recorder.drain(5)


async def test_records_arriving_during_a_send_go_together_in_the_next_batch(policy):
    servicer, stub = policy
    recorder = OutcomeRecorder(stub, timeout=5, batch_size=2, delay=3600)
    for n in range(7):
        recorder.add(record(n))
    await recorder.drain(5)
    assert servicer.recorded == [f"dec_{n}" for n in range(7)]
    assert [len(b) for b in servicer.batches] == [2, 2, 2, 1]


async def test_drain_sends_what_waits_without_waiting_for_the_delay(policy):
    servicer, stub = policy
    recorder = OutcomeRecorder(stub, timeout=5, batch_size=100, delay=3600)
    recorder.add(record(1))
    recorder.add(record(2))
    await recorder.drain(5)
    assert servicer.batches == [["dec_1", "dec_2"]]
    assert recorder.dropped_total == 0


async def test_records_the_store_could_not_take_are_sent_again(policy):
    servicer, stub = policy
    attempts: dict[str, int] = {}

    def unavailable_once(outcome: policy_pb2.RecordOutcomeRequest) -> str:
        attempts[outcome.decision_id] = attempts.get(outcome.decision_id, 0) + 1
        return "UNAVAILABLE" if outcome.decision_id == "dec_1" and attempts["dec_1"] == 1 else ""

    servicer.reject = unavailable_once
    recorder = OutcomeRecorder(stub, timeout=5, batch_size=100, delay=0.001)
    recorder.add(record(0))
    recorder.add(record(1))
    await until(lambda: attempts.get("dec_1") == 2)
    await recorder.drain(5)
    assert servicer.batches == [["dec_0", "dec_1"], ["dec_1"]]


async def test_invalid_records_are_logged_and_not_sent_again(policy, caplog):
    servicer, stub = policy
    servicer.reject = lambda outcome: "INVALID_ARGUMENT" if outcome.decision_id == "dec_1" else ""
    recorder = OutcomeRecorder(stub, timeout=5, batch_size=2, delay=3600)
    with caplog.at_level(logging.ERROR, logger="tollgate_front.outcomes"):
        recorder.add(record(0))
        recorder.add(record(1))
        await recorder.drain(5)
    assert servicer.batches == [["dec_0", "dec_1"]]
    (logged,) = [r for r in caplog.records if r.getMessage().startswith("could not record")]
    assert logged.decision_id == "dec_1"


@pytest.fixture
def metric_reader() -> Iterator[InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    tollgate_metrics.use_meter_provider(MeterProvider(metric_readers=[reader]))
    try:
        yield reader
    finally:
        tollgate_metrics.use_meter_provider(None)


def dropped(reader: InMemoryMetricReader) -> dict[str, int]:
    """tollgate.audit.dropped by reason."""
    counts: dict[str, int] = {}
    data = reader.get_metrics_data()
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == tollgate_metrics.AUDIT_DROPPED.name:
                    for point in metric.data.data_points:
                        counts[str(point.attributes["reason"])] = int(point.value)
    return counts


async def test_while_policy_is_down_records_wait_bounded_then_go_when_it_is_back(
    caplog, metric_reader
):
    port = free_port()
    servicer = ScriptedPolicy()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        recorder = OutcomeRecorder(
            policy_pb2_grpc.PolicyServiceStub(channel),
            timeout=5,
            batch_size=2,
            delay=0.001,
            max_pending=4,
        )
        with caplog.at_level(logging.ERROR, logger="tollgate_front.outcomes"):
            for n in range(6):
                recorder.add(record(n))
        # Nothing listens: the two newest records found the buffer full and were dropped.
        assert recorder.dropped_total == 2
        assert dropped(metric_reader) == {"backlog_full": 2}
        assert [r.getMessage() for r in caplog.records] == [
            "too many outcome records wait for the policy service"
        ]
        server = GrpcServer(register(servicer), service_names=(), host="127.0.0.1", port=port)
        await server.start()
        try:
            await until(lambda: len(servicer.recorded) == 4, within=30)
            await recorder.drain(5)
        finally:
            await server.stop(grace=None)
    assert servicer.recorded == ["dec_0", "dec_1", "dec_2", "dec_3"]
    assert any(r.getMessage().startswith("outcome records were lost") for r in caplog.records)


async def test_drain_gives_up_after_its_grace_when_policy_is_down(caplog, metric_reader):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{free_port()}") as channel:
        recorder = OutcomeRecorder(
            policy_pb2_grpc.PolicyServiceStub(channel),
            timeout=5,
            batch_size=10,
            delay=3600,
            max_pending=2,
        )
        with caplog.at_level(logging.ERROR, logger="tollgate_front.outcomes"):
            for n in range(3):
                recorder.add(record(n))
            await recorder.drain(0.2)
    assert recorder.dropped_total == 3
    # The shutdown loss is reported even though a streak of losses had begun before it.
    assert [(r.getMessage(), r.dropped) for r in caplog.records] == [
        ("too many outcome records wait for the policy service", 1),
        ("outcome records not sent before shutdown", 2),
    ]
    assert dropped(metric_reader) == {"backlog_full": 1, "shutdown": 2}


async def test_a_batch_larger_than_policy_takes_is_refused_at_start():
    async with grpc.aio.insecure_channel(f"127.0.0.1:{free_port()}") as channel:
        stub = policy_pb2_grpc.PolicyServiceStub(channel)
        with pytest.raises(ValueError, match=r"batch_size must be 1\.\.1000, not 1001"):
            OutcomeRecorder(stub, timeout=1, batch_size=1001)


class MetadataPolicy(ScriptedPolicy):
    def __init__(self) -> None:
        super().__init__()
        self.traceparents: list[str | None] = []

    async def RecordOutcomes(
        self, request: policy_pb2.RecordOutcomesRequest, context: Any
    ) -> policy_pb2.RecordOutcomesResponse:
        metadata = dict(context.invocation_metadata() or ())
        self.traceparents.append(metadata.get("traceparent"))
        return await super().RecordOutcomes(request, context)


async def test_a_batch_runs_outside_the_trace_of_the_call_that_started_it():
    """Batches mix many calls: none of their traces may claim the RPC (each record carries its
    own trace id), so the channel's tracing sends no traceparent for it."""
    servicer = MetadataPolicy()
    call_trace = SpanContext(
        trace_id=0x0AF7651916CD43DD8448EB211C80319C,
        span_id=0xB7AD6B7169203331,
        is_remote=False,
        trace_flags=TraceFlags(TraceFlags.SAMPLED),
    )
    async with running_grpc_server(register(servicer)) as server:
        channel = create_channel(server.address)
        try:
            recorder = OutcomeRecorder(
                policy_pb2_grpc.PolicyServiceStub(channel), timeout=5, batch_size=2, delay=0.01
            )
            with trace.use_span(NonRecordingSpan(call_trace)):
                recorder.add(record(0))  # starts the delay timer inside the call's context
            await until(lambda: len(servicer.recorded) == 1)
            with trace.use_span(NonRecordingSpan(call_trace)):
                recorder.add(record(1))
                recorder.add(record(2))  # a full batch, sent from inside the call's context
            await until(lambda: len(servicer.recorded) == 3)
            await recorder.drain(5)
        finally:
            await channel.close()
    assert servicer.traceparents == [None, None]
