"""What the services emit, as the queries must name it: metric series, labels, span attributes."""

from __future__ import annotations

import re
from typing import Final

from tollgate_common.metrics import INSTRUMENTS, prometheus_labels, prometheus_series
from tollgate_common.observe import ATTRIBUTES

# The collector's spanmetrics connector (templates/otel-collector.yaml): namespace
# traces.span.metrics, dimensions tollgate.tenant and tollgate.outcome.
SPAN_METRICS: Final = {
    "traces_span_metrics_calls_total": {"tollgate_tenant", "tollgate_outcome"},
    "traces_span_metrics_duration_milliseconds_bucket": {"tollgate_tenant", "tollgate_outcome"},
    "traces_span_metrics_duration_milliseconds_sum": {"tollgate_tenant", "tollgate_outcome"},
    "traces_span_metrics_duration_milliseconds_count": {"tollgate_tenant", "tollgate_outcome"},
}
SPAN_METRIC_LABELS: Final = {"service_name", "span_name", "span_kind", "status_code"}
# Labels Prometheus adds to every series, and histograms' bucket bound.
TARGET_LABELS: Final = {"job", "instance", "le"}

# Span attributes the services set: ours, the MCP SDK's and OpenTelemetry's HTTP/gRPC ones.
SPAN_ATTRIBUTES: Final = {
    *ATTRIBUTES,
    "mcp.method.name",
    "mcp.protocol.version",
    "gen_ai.tool.name",
    "gen_ai.operation.name",
    "http.request.method",
    "http.response.status_code",
    "http.route",
    "url.path",
    "server.address",
    "error.type",
    "rpc.grpc.status_code",
    "rpc.service",
    "rpc.method",
}
RESOURCE_ATTRIBUTES: Final = {"service.name", "service.namespace", "deployment.environment.name"}


def series_labels() -> dict[str, set[str]]:
    """Every series name Prometheus holds for Tollgate -> the labels it may carry."""
    known: dict[str, set[str]] = {}
    for instrument in INSTRUMENTS:
        for series in prometheus_series(instrument):
            known[series] = set(prometheus_labels(instrument)) | TARGET_LABELS
    for series, labels in SPAN_METRICS.items():
        known[series] = labels | SPAN_METRIC_LABELS | TARGET_LABELS
    return known


_SERIES = re.compile(r"\b((?:tollgate|traces_span_metrics)_[a-z0-9_]+)\b")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)\s*\"")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)")


def promql_names(expr: str) -> tuple[set[str], set[str]]:
    """The Tollgate series an expression reads and the label names it uses."""
    series = set(_SERIES.findall(expr))
    labels = set(_MATCHER.findall(expr))
    for group in _GROUPING.findall(expr):
        labels |= {name.strip() for name in group.split(",") if name.strip()}
    return series, labels


_TRACEQL_ATTRIBUTE = re.compile(r"\b(span|resource)\.([a-zA-Z_][a-zA-Z0-9_.]*)")


def traceql_attributes(query: str) -> set[tuple[str, str]]:
    return set(_TRACEQL_ATTRIBUTE.findall(query))


def check_promql(expr: str) -> list[str]:
    """Problems with ``expr``: unknown series, or a label none of its series carries."""
    known = series_labels()
    series, labels = promql_names(expr)
    problems = [f"unknown series {name}" for name in sorted(series - set(known))]
    if not series:
        problems.append(f"names no Tollgate series: {expr}")
    allowed = set().union(*(known.get(name, set()) for name in series)) if series else set()
    problems += [
        f"label {label!r} is not on {sorted(series)}" for label in sorted(labels - allowed)
    ]
    return problems


def check_traceql(query: str) -> list[str]:
    problems = []
    for scope, name in sorted(traceql_attributes(query)):
        wanted = SPAN_ATTRIBUTES if scope == "span" else RESOURCE_ATTRIBUTES
        if name not in wanted:
            problems.append(f"{scope}.{name} is not an attribute the services set")
    return problems
