"""Tollgate's metric instruments: one list, bounded labels, Prometheus names derived from it.

Every instrument the services emit is declared here once (`INSTRUMENTS`), with the only labels it
may carry. Label values come from closed sets (tenant names from the compiled tenant config, tool
names from the catalog, outcome and decision words from the code), never from record ids or user
input, so a series count stays bounded. The dashboards and alert rules are checked against
`prometheus_series` (tests/observability).

Instruments are created on the API's global meter: before `configure_telemetry` installs a
provider they are no-ops, afterwards they record. With the SDK disabled it puts them on a no-op
meter, where a counter or histogram drops each value at once. Histogram values recorded inside
a sampled span carry it as an exemplar (the SDK's default ``trace_based`` exemplar filter),
which links a latency bucket to a trace in Grafana.

Counters are `Tally` objects: counted in a dict in process and read by an observable counter at
each collection. The SDK's synchronous ``Counter.add`` (attribute copy and hashing, lock, exemplar
offer) cost a tool call about as much as a span, four times per call, for a number that needs no
exemplar: the duration histograms of the same calls carry those. The exported series are the same.

Histograms are `DeferredHistogram` objects: a value is queued with the context it was measured in
and handed to the SDK's histogram in a batch, from the event loop at most `HISTOGRAM_FLUSH_DELAY`
later and at every collection. Each value still counts in the interval it belongs to (or, near an
interval's end, the next one) and keeps its span as an exemplar; only the exemplar's timestamp is
the batch's. Recorded one at a time between requests, the SDK's record path ran cold and cost a
call several times what it costs in a batch.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from opentelemetry import context as otel_context
from opentelemetry import metrics
from opentelemetry.context import Context
from opentelemetry.metrics import CallbackOptions, Observation

Kind = Literal["counter", "histogram", "updown", "gauge"]

METER_NAME: Final = "tollgate"

# Latency buckets in seconds: tool calls and Odoo requests are 5 ms .. 30 s affairs.
DURATION_BUCKETS: Final = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)


@dataclass(frozen=True)
class Instrument:
    name: str
    kind: Kind
    unit: str
    description: str
    labels: tuple[str, ...]


TOOL_CALLS = Instrument(
    "tollgate.tool.calls",
    "counter",
    "{call}",
    "Tool calls handled by the front, by how they ended.",
    ("tenant", "tool", "outcome"),
)
TOOL_DURATION = Instrument(
    "tollgate.tool.duration",
    "histogram",
    "s",
    "Time from the front receiving a tool call to its answer.",
    ("tenant", "tool", "outcome"),
)
POLICY_DECISIONS = Instrument(
    "tollgate.policy.decisions",
    "counter",
    "{decision}",
    "Policy decisions on tool calls, by result and reason code.",
    ("tenant", "decision", "reason"),
)
RATE_LIMITED = Instrument(
    "tollgate.policy.rate_limited",
    "counter",
    "{call}",
    "Tool calls refused because a rate limit was reached.",
    ("tenant",),
)
APPROVALS_PENDING = Instrument(
    "tollgate.approvals.pending",
    "updown",
    "{approval}",
    "Approval requests opened and not yet decided (as seen by this policy process).",
    ("tenant",),
)
APPROVALS_DECIDED = Instrument(
    "tollgate.approvals.decided",
    "counter",
    "{approval}",
    "Approval requests decided, by result.",
    ("tenant", "result"),
)
AUDIT_RECORDS = Instrument(
    "tollgate.audit.records",
    "counter",
    "{record}",
    "Audit records written.",
    ("tenant", "outcome"),
)
AUDIT_DROPPED = Instrument(
    "tollgate.audit.dropped",
    "counter",
    "{record}",
    "Tool-call outcome records the front gave up on before policy wrote them (the audit trail "
    "misses these calls), by why.",
    ("reason",),
)
ODOO_DURATION = Instrument(
    "tollgate.odoo.request.duration",
    "histogram",
    "s",
    "HTTP requests from a worker to its tenant's Odoo.",
    ("tenant", "outcome"),
)
ODOO_ERRORS = Instrument(
    "tollgate.odoo.request.errors",
    "counter",
    "{request}",
    "HTTP requests to Odoo that failed to get a usable answer, by kind.",
    ("tenant", "error"),
)
BREAKER_STATE = Instrument(
    "tollgate.odoo.breaker.state",
    "gauge",
    "{state}",
    "The worker's circuit breaker towards Odoo: 0 closed, 1 half open, 2 open.",
    ("tenant",),
)
TOKEN_VERIFICATIONS = Instrument(
    "tollgate.token.verifications",
    "counter",
    "{verification}",
    "Bearer tokens checked by the front, by result and where the answer came from.",
    ("tenant", "result", "source"),
)

INSTRUMENTS: Final = (
    TOOL_CALLS,
    TOOL_DURATION,
    POLICY_DECISIONS,
    RATE_LIMITED,
    APPROVALS_PENDING,
    APPROVALS_DECIDED,
    AUDIT_RECORDS,
    AUDIT_DROPPED,
    ODOO_DURATION,
    ODOO_ERRORS,
    BREAKER_STATE,
    TOKEN_VERIFICATIONS,
)

# Closed vocabularies of the label values the code produces (documented in docs/telemetry.md).
TOOL_OUTCOMES: Final = ("success", "denied", "approval_required", "error")
BREAKER_VALUES: Final = {"closed": 0, "half_open": 1, "open": 2}
AUDIT_DROP_REASONS: Final = ("backlog_full", "not_taken", "shutdown")


def _unit_suffix(unit: str) -> str:
    # The OpenTelemetry -> Prometheus translation: annotations in braces are dropped.
    return {"s": "_seconds", "ms": "_milliseconds", "By": "_bytes"}.get(unit, "")


def prometheus_base(instrument: Instrument) -> str:
    return instrument.name.replace(".", "_") + _unit_suffix(instrument.unit)


def prometheus_series(instrument: Instrument) -> tuple[str, ...]:
    """The series names Prometheus stores for ``instrument`` (collector's prometheus exporter)."""
    base = prometheus_base(instrument)
    if instrument.kind == "counter":
        return (f"{base}_total",)
    if instrument.kind == "histogram":
        return (f"{base}_bucket", f"{base}_sum", f"{base}_count")
    return (base,)


def prometheus_labels(instrument: Instrument) -> tuple[str, ...]:
    return instrument.labels


def _collected(meter: metrics.Meter) -> bool:
    """False for the API's no-op meter (the SDK disabled): nothing will ever read a value."""
    return not isinstance(meter, metrics.NoOpMeter)


class Tally:
    """A monotonic counter kept in process: ``add`` is a dict increment under a lock, and the
    observable counter registered for it reports every label set's running total when the
    metric reader collects (cumulative, as a synchronous counter's sum would be)."""

    def __init__(self, meter: metrics.Meter, instrument: Instrument) -> None:
        self._labels = instrument.labels
        self._counting = _collected(meter)
        self._counts: dict[tuple[str, ...], int] = {}
        # The reader collects on its own thread while calls count on the event loop's.
        self._lock = threading.Lock()
        meter.create_observable_counter(
            instrument.name, [self._observe], instrument.unit, instrument.description
        )

    def add(self, amount: int, *values: str) -> None:
        """Count ``amount`` for the label values, given in the instrument's label order."""
        if not self._counting:
            return
        with self._lock:
            self._counts[values] = self._counts.get(values, 0) + amount

    def _observe(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            counts = list(self._counts.items())
        for values, count in counts:
            yield Observation(count, dict(zip(self._labels, values, strict=True)))


# Seconds a histogram value may wait for its batch; far below any scrape or export interval.
HISTOGRAM_FLUSH_DELAY: Final = 1.0
# A batch this long is handed over at once, whatever the delay (bounds the memory held).
_HISTOGRAM_BATCH_LIMIT: Final = 1000


class DeferredHistogram:
    """A histogram whose values reach the SDK in batches (see the module docstring)."""

    def __init__(self, meter: metrics.Meter, instrument: Instrument) -> None:
        self._labels = instrument.labels
        self._histogram = meter.create_histogram(
            instrument.name,
            instrument.unit,
            instrument.description,
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self._queueing = _collected(meter)
        self._pending: list[tuple[float, tuple[str, ...], Context]] = []
        # The reader flushes on its own thread while calls queue on the event loop's.
        self._lock = threading.Lock()
        self._flush_scheduled = False

    def record(self, value: float, *values: str) -> None:
        """Queue ``value`` for the label values (in the instrument's label order), in the current
        context, so a sampled span there becomes its exemplar."""
        if not self._queueing:
            return
        entry = (value, values, otel_context.get_current())
        with self._lock:
            self._pending.append(entry)
            schedule = not self._flush_scheduled
            self._flush_scheduled = True
            full = len(self._pending) >= _HISTOGRAM_BATCH_LIMIT
        if full:
            self.flush()
        elif schedule:
            try:
                asyncio.get_running_loop().call_later(HISTOGRAM_FLUSH_DELAY, self.flush)
            except RuntimeError:  # no event loop here to flush later: now, then
                self.flush()

    def flush(self) -> None:
        """Hand every queued value to the SDK (the event loop's timer and each collection)."""
        with self._lock:
            pending, self._pending = self._pending, []
            self._flush_scheduled = False
        labels, record = self._labels, self._histogram.record
        for value, values, context in pending:
            record(value, dict(zip(labels, values, strict=True)), context=context)


class _Meters:
    """The instruments, created on first use on the global meter provider."""

    def __init__(self, provider: metrics.MeterProvider | None = None) -> None:
        meter = metrics.get_meter(METER_NAME, meter_provider=provider)
        self.tool_calls = Tally(meter, TOOL_CALLS)
        self.tool_duration = DeferredHistogram(meter, TOOL_DURATION)
        self.decisions = Tally(meter, POLICY_DECISIONS)
        self.rate_limited = Tally(meter, RATE_LIMITED)
        self.approvals_pending = meter.create_up_down_counter(
            APPROVALS_PENDING.name, APPROVALS_PENDING.unit, APPROVALS_PENDING.description
        )
        self.approvals_decided = Tally(meter, APPROVALS_DECIDED)
        self.audit_records = Tally(meter, AUDIT_RECORDS)
        self.audit_dropped = Tally(meter, AUDIT_DROPPED)
        self.odoo_duration = DeferredHistogram(meter, ODOO_DURATION)
        self.odoo_errors = Tally(meter, ODOO_ERRORS)
        self.verifications = Tally(meter, TOKEN_VERIFICATIONS)
        self._breakers: dict[str, Callable[[], str]] = {}
        # Also the collection's hook for the histograms: the SDK runs every observable callback
        # before it reads the synchronous instruments, so queued values are in this collection.
        meter.create_observable_gauge(
            BREAKER_STATE.name,
            [self._flush_histograms, self._observe_breakers],
            BREAKER_STATE.unit,
            BREAKER_STATE.description,
        )

    def watch_breaker(self, tenant: str, state: Callable[[], str]) -> None:
        self._breakers[tenant] = state

    def _flush_histograms(self, _options: CallbackOptions) -> Iterable[Observation]:
        self.tool_duration.flush()
        self.odoo_duration.flush()
        return ()

    def _observe_breakers(self, _options: CallbackOptions) -> Iterable[Observation]:
        for tenant, state in list(self._breakers.items()):
            yield Observation(BREAKER_VALUES.get(state(), 2), {"tenant": tenant})


_meters: _Meters | None = None
_global_meters: _Meters | None = None


def _on_global_provider() -> _Meters:
    # Once per process: a meter keeps the first callback registered under a name, so a second
    # set of tallies on the same provider would count without ever being reported.
    global _global_meters
    if _global_meters is None:
        _global_meters = _Meters()
    return _global_meters


def meters() -> _Meters:
    global _meters
    if _meters is None:
        _meters = _on_global_provider()
    return _meters


def use_meter_provider(provider: metrics.MeterProvider | None) -> None:
    """Record into ``provider`` from now on (tests and benchmarks; None: the global one)."""
    global _meters
    _meters = _Meters(provider) if provider is not None else _on_global_provider()


__all__ = [
    "INSTRUMENTS",
    "DeferredHistogram",
    "Instrument",
    "Tally",
    "meters",
    "prometheus_labels",
    "prometheus_series",
    "use_meter_provider",
]
