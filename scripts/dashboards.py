"""Build Tollgate's Grafana dashboards as code: ``uv run python scripts/dashboards.py``.

Built with grafana-foundation-sdk (the Grafana 11 build, pinned in the root pyproject) and written
to charts/tollgate/dashboards/*.json, which the chart ships as ConfigMaps labelled
``grafana_dashboard: "1"`` for Grafana's sidecar. Every query names metrics
from `tollgate_common.metrics` (Prometheus names) or span attributes from
`tollgate_common.observe`; tests/observability checks both, and that these files are what this
script writes (``--check``).

Datasources are template variables (``$prometheus``, ``$tempo``), so the dashboards work with
whatever the Grafana at hand calls its Prometheus and Tempo.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from grafana_foundation_sdk.builders import (
    barchart,
    dashboard,
    prometheus,
    stat,
    statetimeline,
    table,
    tempo,
    timeseries,
)
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import (
    DashboardCursorSync,
    DashboardLinkType,
    DataSourceRef,
    ValueMap,
    ValueMappingResult,
    VariableRefresh,
)
from grafana_foundation_sdk.models.tempo import SearchTableType

OUT = Path(__file__).resolve().parents[1] / "charts" / "tollgate" / "dashboards"
PROM = DataSourceRef(type_val="prometheus", uid="${prometheus}")
TEMPO = DataSourceRef(type_val="tempo", uid="${tempo}")
TENANT = 'tenant=~"$tenant"'
RATE = "$__rate_interval"
PanelBuilder = timeseries.Panel | stat.Panel | statetimeline.Panel | barchart.Panel | table.Panel
PANELS: dict[str, type[PanelBuilder]] = {
    "timeseries": timeseries.Panel,
    "stat": stat.Panel,
    "state-timeline": statetimeline.Panel,
    "barchart": barchart.Panel,
}


def _label_variable(name: str, label: str) -> dashboard.QueryVariable:
    query = f"label_values(tollgate_tool_calls_total, {name})"
    return (
        dashboard.QueryVariable(name)
        .label(label)
        .datasource(PROM)
        .query(query)
        .include_all(True)
        .multi(True)
        .all_value(".*")
        .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
    )


class Board:
    """A dashboard being built with grafana-foundation-sdk; panels flow in 24-column rows."""

    def __init__(self, uid: str, title: str, description: str, *, with_tool: bool = False):
        self._board = (
            dashboard.Dashboard(title)
            .uid(uid)
            .description(description)
            .tags(["tollgate"])
            .timezone("browser")
            .editable()
            .tooltip(DashboardCursorSync.CROSSHAIR)
            .refresh("30s")
            .time("now-6h", "now")
            .link(
                dashboard.DashboardLink("Tollgate")
                .type(DashboardLinkType.DASHBOARDS)
                .tags(["tollgate"])
                .as_dropdown(True)
            )
            .with_variable(
                dashboard.DatasourceVariable("prometheus").label("Prometheus").type("prometheus")
            )
            .with_variable(dashboard.DatasourceVariable("tempo").label("Tempo").type("tempo"))
            .with_variable(_label_variable("tenant", "Tenant"))
        )
        if with_tool:
            self._board.with_variable(_label_variable("tool", "Tool"))
        self._next_id = 1

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def row(self, title: str) -> None:
        self._board.with_row(dashboard.Row(title).id(self._id()))

    def prom(
        self,
        title: str,
        targets: list[tuple[str, str]],
        *,
        unit: str = "short",
        kind: str = "timeseries",
        width: int = 12,
        height: int = 8,
        description: str = "",
        exemplars: bool = False,
        mappings: dict[str, tuple[str, str]] | None = None,
    ) -> None:
        panel = (
            PANELS[kind]()
            .id(self._id())
            .title(title)
            .description(description)
            .datasource(PROM)
            .span(width)
            .height(height)
            .unit(unit)
        )
        for index, (expr, legend) in enumerate(targets):
            query = (
                prometheus.Dataquery()
                .ref_id(chr(ord("A") + index))
                .datasource(PROM)
                .expr(expr)
                .legend_format(legend)
                .exemplar(exemplars)
            )
            panel.with_target(query.instant() if kind == "stat" else query.range())
        if mappings:
            panel.mappings(
                [
                    ValueMap(
                        options={
                            value: ValueMappingResult(text=text, color=color)
                            for value, (text, color) in mappings.items()
                        },
                    )
                ]
            )
        self._board.with_panel(panel)

    def traceql(self, title: str, query: str, *, description: str = "", width: int = 24) -> None:
        search = (
            tempo.TempoQuery()
            .ref_id("A")
            .datasource(TEMPO)
            .query_type("traceql")
            .query(query)
            .limit(50)
            .table_type(SearchTableType.TRACES)
        )
        panel = (
            table.Panel()
            .id(self._id())
            .title(title)
            .description(description)
            .datasource(TEMPO)
            .span(width)
            .height(10)
            .with_target(search)
        )
        self._board.with_panel(panel)

    def build(self) -> dict[str, Any]:
        encoded: dict[str, Any] = json.loads(json.dumps(self._board.build(), cls=JSONEncoder))
        return encoded


def _sum(by: str, metric: str, selector: str, fn: str = "rate", window: str = RATE) -> str:
    return f"sum by ({by}) ({fn}({metric}{{{selector}}}[{window}]))"


def _quantile(q: float, metric: str, by: str, selector: str) -> str:
    return (
        f"histogram_quantile({q}, sum by (le, {by}) (rate({metric}_bucket{{{selector}}}[{RATE}])))"
    )


def tool_calls() -> dict[str, Any]:
    b = Board(
        "tollgate-tool-calls",
        "Tollgate / Tool calls",
        "Rate, errors and latency of MCP tool calls by tenant and tool.",
        with_tool=True,
    )
    sel = f'{TENANT}, tool=~"$tool"'
    b.row("Traffic")
    b.prom(
        "Tool calls per second",
        [
            (
                _sum("tenant, tool", "tollgate_tool_calls_total", sel),
                "{{tenant}} {{tool}}",
            )
        ],
        unit="reqps",
    )
    b.prom(
        "Outcomes",
        [(_sum("outcome", "tollgate_tool_calls_total", sel), "{{outcome}}")],
        unit="reqps",
        description="success, denied (policy), approval_required, error (Odoo, worker, deadline).",
    )
    b.row("Errors")
    b.prom(
        "Error ratio",
        [
            (
                _sum("tenant", "tollgate_tool_calls_total", f'{sel}, outcome="error"')
                + " / "
                + _sum("tenant", "tollgate_tool_calls_total", sel),
                "{{tenant}}",
            )
        ],
        unit="percentunit",
    )
    b.prom(
        "Errors per second by tool",
        [
            (
                _sum("tenant, tool", "tollgate_tool_calls_total", f'{sel}, outcome="error"'),
                "{{tenant}} {{tool}}",
            )
        ],
        unit="reqps",
    )
    b.row("Latency")
    for q in (0.5, 0.95, 0.99):
        b.prom(
            f"p{round(q * 100)} latency",
            [
                (
                    _quantile(q, "tollgate_tool_duration_seconds", "tenant, tool", sel),
                    "{{tenant}} {{tool}}",
                )
            ],
            unit="s",
            width=8,
            exemplars=True,
            description="Exemplars link a point to the trace of a call in that bucket.",
        )
    return b.build()


def tenant_health() -> dict[str, Any]:
    b = Board(
        "tollgate-tenant-health",
        "Tollgate / Tenant health",
        "Each tenant's Odoo: latency, errors, circuit breaker; rate limits and token checks.",
    )
    b.row("Odoo")
    b.prom(
        "Odoo request p95",
        [
            (
                _quantile(0.95, "tollgate_odoo_request_duration_seconds", "tenant", TENANT),
                "{{tenant}}",
            )
        ],
        unit="s",
        exemplars=True,
    )
    b.prom(
        "Odoo errors per second",
        [
            (
                _sum("tenant, error", "tollgate_odoo_request_errors_total", TENANT),
                "{{tenant}} {{error}}",
            )
        ],
        unit="reqps",
    )
    b.prom(
        "Circuit breaker",
        [(f"max by (tenant) (tollgate_odoo_breaker_state{{{TENANT}}})", "{{tenant}}")],
        kind="state-timeline",
        width=24,
        height=6,
        mappings={"0": ("closed", "green"), "1": ("half open", "yellow"), "2": ("open", "red")},
    )
    b.row("Limits and tokens")
    b.prom(
        "Rate-limit refusals per second",
        [
            (
                _sum("tenant", "tollgate_policy_rate_limited_total", TENANT),
                "{{tenant}}",
            )
        ],
        unit="reqps",
    )
    b.prom(
        "Token cache hit ratio",
        [
            (
                _sum("tenant", "tollgate_token_verifications_total", f'{TENANT}, source!="auth"')
                + " / "
                + _sum("tenant", "tollgate_token_verifications_total", TENANT),
                "{{tenant}}",
            )
        ],
        unit="percentunit",
        description="Answered from the front's cache or verified locally, without asking auth.",
    )
    b.prom(
        "Token verifications by result",
        [
            (
                _sum("result, source", "tollgate_token_verifications_total", TENANT),
                "{{result}} ({{source}})",
            )
        ],
        unit="reqps",
        width=24,
    )
    return b.build()


def governance() -> dict[str, Any]:
    b = Board(
        "tollgate-governance",
        "Tollgate / Governance",
        "Policy decisions, denials by reason, approvals and audit volume.",
    )
    b.row("Decisions")
    b.prom(
        "Decisions per second",
        [
            (
                _sum("decision", "tollgate_policy_decisions_total", TENANT),
                "{{decision}}",
            )
        ],
        unit="reqps",
    )
    b.prom(
        "Denials by reason",
        [
            (
                _sum(
                    "tenant, reason",
                    "tollgate_policy_decisions_total",
                    f'{TENANT}, decision="deny"',
                    "increase",
                    "$__range",
                ),
                "{{tenant}} {{reason}}",
            )
        ],
        kind="barchart",
    )
    b.row("Approvals and audit")
    b.prom(
        "Approvals pending",
        [(f"sum by (tenant) (tollgate_approvals_pending{{{TENANT}}})", "{{tenant}}")],
        kind="stat",
        width=8,
    )
    b.prom(
        "Approvals decided",
        [
            (
                _sum("result", "tollgate_approvals_decided_total", TENANT, "increase", "$__range"),
                "{{result}}",
            )
        ],
        kind="stat",
        width=8,
    )
    b.prom(
        "Audit records per second",
        [
            (
                _sum("tenant", "tollgate_audit_records_total", TENANT),
                "{{tenant}}",
            )
        ],
        unit="reqps",
        width=8,
    )
    return b.build()


def traces() -> dict[str, Any]:
    b = Board(
        "tollgate-traces",
        "Tollgate / Traces",
        "Slow, failed and denied tool calls from Tempo; click a trace id for its waterfall.",
    )
    tenant = 'span.tollgate.tenant =~ "$tenant"'
    call = 'span.mcp.method.name = "tools/call"'
    b.row("Tool calls")
    b.traceql(
        "Slowest tool calls (over 1 s)",
        f"{{ {call} && {tenant} && duration > 1s }}",
    )
    b.traceql(
        "Failed tool calls",
        f'{{ {call} && {tenant} && span.tollgate.outcome = "error" }}',
        description="tollgate.error.code on the span says why.",
    )
    b.traceql(
        "Denied tool calls",
        f'{{ {call} && {tenant} && span.tollgate.decision != "allow" }}',
        description="tollgate.reason says which rule refused the call.",
    )
    b.traceql(
        "Slow Odoo requests (over 500 ms)",
        '{ resource.service.name = "worker" && span.http.request.method = "POST" && '
        f"{tenant} && duration > 500ms }}",
    )
    b.row("From span metrics")
    b.prom(
        "Span rate by service",
        [
            (
                f"sum by (service_name) (rate(traces_span_metrics_calls_total[{RATE}]))",
                "{{service_name}}",
            )
        ],
        unit="reqps",
    )
    b.prom(
        "Error spans by service",
        [
            (
                _sum(
                    "service_name",
                    "traces_span_metrics_calls_total",
                    'status_code="STATUS_CODE_ERROR"',
                ),
                "{{service_name}}",
            )
        ],
        unit="reqps",
    )
    return b.build()


DASHBOARDS = {
    "tool-calls": tool_calls,
    "tenant-health": tenant_health,
    "governance": governance,
    "traces": traces,
}


def render() -> dict[str, str]:
    return {
        f"{name}.json": json.dumps(build(), indent=2, sort_keys=True) + "\n"
        for name, build in DASHBOARDS.items()
    }


def main(argv: list[str]) -> int:
    files = render()
    if "--check" in argv:
        stale = [
            n
            for n, text in files.items()
            if not (OUT / n).exists() or (OUT / n).read_text() != text
        ]
        if stale:
            print(f"out of date: {', '.join(stale)}; run scripts/dashboards.py", file=sys.stderr)
            return 1
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT / name).write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
