"""Tollgate's metric instruments: one list, bounded labels, Prometheus names derived from it.

Every instrument the services emit is declared here once (`INSTRUMENTS`), with the only labels it
may carry. Label values come from closed sets (tenant names from the compiled tenant config, tool
names from the catalog, outcome and decision words from the code), never from record ids or user
input, so a series count stays bounded. The dashboards and alert rules are checked against
`prometheus_series` (tests/observability).

Instruments are created on the API's global meter: before `configure_telemetry` installs a
provider they are no-ops, afterwards they record. Values recorded inside a sampled span carry it
as an exemplar (the SDK's default ``trace_based`` exemplar filter), which links a latency bucket
to a trace in Grafana.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, Literal

from opentelemetry import metrics
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


class _Meters:
    """The instruments, created on first use on the global meter provider."""

    def __init__(self, provider: metrics.MeterProvider | None = None) -> None:
        meter = metrics.get_meter(METER_NAME, meter_provider=provider)
        self.tool_calls = meter.create_counter(
            TOOL_CALLS.name, TOOL_CALLS.unit, TOOL_CALLS.description
        )
        self.tool_duration = meter.create_histogram(
            TOOL_DURATION.name,
            TOOL_DURATION.unit,
            TOOL_DURATION.description,
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.decisions = meter.create_counter(
            POLICY_DECISIONS.name, POLICY_DECISIONS.unit, POLICY_DECISIONS.description
        )
        self.rate_limited = meter.create_counter(
            RATE_LIMITED.name, RATE_LIMITED.unit, RATE_LIMITED.description
        )
        self.approvals_pending = meter.create_up_down_counter(
            APPROVALS_PENDING.name, APPROVALS_PENDING.unit, APPROVALS_PENDING.description
        )
        self.approvals_decided = meter.create_counter(
            APPROVALS_DECIDED.name, APPROVALS_DECIDED.unit, APPROVALS_DECIDED.description
        )
        self.audit_records = meter.create_counter(
            AUDIT_RECORDS.name, AUDIT_RECORDS.unit, AUDIT_RECORDS.description
        )
        self.audit_dropped = meter.create_counter(
            AUDIT_DROPPED.name, AUDIT_DROPPED.unit, AUDIT_DROPPED.description
        )
        self.odoo_duration = meter.create_histogram(
            ODOO_DURATION.name,
            ODOO_DURATION.unit,
            ODOO_DURATION.description,
            explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
        )
        self.odoo_errors = meter.create_counter(
            ODOO_ERRORS.name, ODOO_ERRORS.unit, ODOO_ERRORS.description
        )
        self.verifications = meter.create_counter(
            TOKEN_VERIFICATIONS.name, TOKEN_VERIFICATIONS.unit, TOKEN_VERIFICATIONS.description
        )
        self._breakers: dict[str, Callable[[], str]] = {}
        meter.create_observable_gauge(
            BREAKER_STATE.name,
            [self._observe_breakers],
            BREAKER_STATE.unit,
            BREAKER_STATE.description,
        )

    def watch_breaker(self, tenant: str, state: Callable[[], str]) -> None:
        self._breakers[tenant] = state

    def _observe_breakers(self, _options: CallbackOptions) -> Iterable[Observation]:
        for tenant, state in list(self._breakers.items()):
            yield Observation(BREAKER_VALUES.get(state(), 2), {"tenant": tenant})


_meters: _Meters | None = None


def meters() -> _Meters:
    global _meters
    if _meters is None:
        _meters = _Meters()
    return _meters


def use_meter_provider(provider: metrics.MeterProvider | None) -> None:
    """Record into ``provider`` from now on (tests and benchmarks; None: the global one)."""
    global _meters
    _meters = _Meters(provider)


__all__ = [
    "INSTRUMENTS",
    "Instrument",
    "meters",
    "prometheus_labels",
    "prometheus_series",
    "use_meter_provider",
]
