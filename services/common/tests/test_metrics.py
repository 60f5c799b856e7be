"""`DeferredHistogram`: values reach the SDK in batches, each with its own labels and context."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry import metrics, trace
from opentelemetry.context import Context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from tollgate_common import metrics as tollgate_metrics
from tollgate_common.metrics import ODOO_DURATION, TOOL_DURATION, DeferredHistogram


class _Recorder:
    """Stands in for the SDK histogram: what was recorded, with which labels and context."""

    def __init__(self) -> None:
        self.records: list[tuple[float, dict[str, str], Context | None]] = []

    def record(
        self, amount: float, attributes: dict[str, str], context: Context | None = None
    ) -> None:
        self.records.append((amount, attributes, context))


class _Meter:
    def __init__(self) -> None:
        self.histogram = _Recorder()

    def create_histogram(self, *_args: Any, **_kwargs: Any) -> _Recorder:
        return self.histogram


class _DisabledMeter(metrics.NoOpMeter):
    """The SDK disabled, with the histogram it hands out still watched."""

    def __init__(self) -> None:
        super().__init__("disabled")
        self.histogram = _Recorder()

    def create_histogram(self, *_args: Any, **_kwargs: Any) -> Any:
        return self.histogram


async def test_with_the_sdk_disabled_nothing_is_queued() -> None:
    meter = _DisabledMeter()
    histogram = DeferredHistogram(meter, ODOO_DURATION)
    histogram.record(0.25, "acme", "ok")
    histogram.flush()
    assert meter.histogram.records == []


def test_without_an_event_loop_a_value_is_recorded_at_once() -> None:
    meter = _Meter()
    histogram = DeferredHistogram(meter, ODOO_DURATION)  # type: ignore[arg-type]
    histogram.record(0.25, "acme", "ok")
    assert [(v, a) for v, a, _ in meter.histogram.records] == [
        (0.25, {"tenant": "acme", "outcome": "ok"})
    ]


async def test_values_wait_for_the_event_loop_and_then_arrive_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tollgate_metrics, "HISTOGRAM_FLUSH_DELAY", 0.05)
    meter = _Meter()
    histogram = DeferredHistogram(meter, ODOO_DURATION)  # type: ignore[arg-type]
    tracer = TracerProvider().get_tracer("test")
    contexts = []
    for i in range(3):
        with tracer.start_as_current_span(f"call {i}"):
            contexts.append(trace.get_current_span().get_span_context())
            histogram.record(i / 10, "acme", "ok" if i else "error")
    assert meter.histogram.records == []
    await asyncio.sleep(0.2)
    records = meter.histogram.records
    assert [(v, a["outcome"]) for v, a, _ in records] == [(0.0, "error"), (0.1, "ok"), (0.2, "ok")]
    # Each value keeps the context it was measured in: its span becomes the exemplar.
    assert [trace.get_current_span(c).get_span_context() for _, _, c in records] == contexts
    histogram.record(0.3, "acme", "ok")  # a new batch gets a new timer
    await asyncio.sleep(0.2)
    assert len(meter.histogram.records) == 4


async def test_a_full_batch_is_handed_over_without_waiting() -> None:
    meter = _Meter()
    histogram = DeferredHistogram(meter, ODOO_DURATION)  # type: ignore[arg-type]
    for _ in range(999):
        histogram.record(0.01, "acme", "ok")
    assert meter.histogram.records == []
    histogram.record(0.01, "acme", "ok")
    assert len(meter.histogram.records) == 1000


async def test_a_collection_takes_the_queued_values_with_their_exemplars() -> None:
    reader = InMemoryMetricReader()
    tollgate_metrics.use_meter_provider(MeterProvider(metric_readers=[reader]))
    try:
        tracer = TracerProvider().get_tracer("test")
        with tracer.start_as_current_span("tool call") as span:
            tollgate_metrics.meters().tool_duration.record(
                0.02, "acme", "search_records", "success"
            )
        data = reader.get_metrics_data()  # long before the event loop's flush
    finally:
        tollgate_metrics.use_meter_provider(None)
    assert data is not None
    [point] = [
        p
        for r in data.resource_metrics
        for s in r.scope_metrics
        for m in s.metrics
        if m.name == TOOL_DURATION.name
        for p in m.data.data_points
    ]
    assert isinstance(point, HistogramDataPoint)
    assert (point.count, point.sum) == (1, 0.02)
    assert dict(point.attributes or {}) == {
        "tenant": "acme",
        "tool": "search_records",
        "outcome": "success",
    }
    assert [e.trace_id for e in point.exemplars] == [span.get_span_context().trace_id]
