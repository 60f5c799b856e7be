"""Build Tollgate's Grafana dashboards as code: ``uv run python scripts/dashboards.py``.

Writes charts/tollgate/dashboards/*.json (schemaVersion 39, Grafana 11), which the chart ships as
ConfigMaps labelled ``grafana_dashboard: "1"`` for Grafana's sidecar. Every query names metrics
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

OUT = Path(__file__).resolve().parents[1] / "charts" / "tollgate" / "dashboards"
PROM = {"type": "prometheus", "uid": "${prometheus}"}
TEMPO = {"type": "tempo", "uid": "${tempo}"}
TENANT = 'tenant=~"$tenant"'
RATE = "$__rate_interval"


def _variables(with_tool: bool) -> list[dict[str, Any]]:
    variables: list[dict[str, Any]] = [
        {"name": "prometheus", "type": "datasource", "query": "prometheus", "label": "Prometheus"},
        {"name": "tempo", "type": "datasource", "query": "tempo", "label": "Tempo"},
        {
            "name": "tenant",
            "type": "query",
            "label": "Tenant",
            "datasource": PROM,
            "query": {"query": "label_values(tollgate_tool_calls_total, tenant)", "refId": "t"},
            "definition": "label_values(tollgate_tool_calls_total, tenant)",
            "includeAll": True,
            "multi": True,
            "allValue": ".*",
            "current": {"text": "All", "value": "$__all"},
            "refresh": 2,
        },
    ]
    if with_tool:
        variables.append(
            {
                "name": "tool",
                "type": "query",
                "label": "Tool",
                "datasource": PROM,
                "query": {
                    "query": "label_values(tollgate_tool_calls_total, tool)",
                    "refId": "u",
                },
                "definition": "label_values(tollgate_tool_calls_total, tool)",
                "includeAll": True,
                "multi": True,
                "allValue": ".*",
                "current": {"text": "All", "value": "$__all"},
                "refresh": 2,
            }
        )
    return variables


class Board:
    """A dashboard being laid out: panels flow left to right, 24 columns wide."""

    def __init__(self, uid: str, title: str, description: str, *, with_tool: bool = False):
        self.uid, self.title, self.description = uid, title, description
        self.with_tool = with_tool
        self.panels: list[dict[str, Any]] = []
        self._x = self._y = self._row_height = 0

    def _place(self, width: int, height: int) -> dict[str, int]:
        if self._x + width > 24:
            self._x, self._y = 0, self._y + self._row_height
            self._row_height = 0
        position = {"x": self._x, "y": self._y, "w": width, "h": height}
        self._x += width
        self._row_height = max(self._row_height, height)
        return position

    def row(self, title: str) -> None:
        if self._x:
            self._x, self._y = 0, self._y + self._row_height
        self.panels.append(
            {
                "id": len(self.panels) + 1,
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"x": 0, "y": self._y, "w": 24, "h": 1},
                "panels": [],
            }
        )
        self._y += 1
        self._row_height = 0

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
        mappings: list[dict[str, Any]] | None = None,
    ) -> None:
        panel: dict[str, Any] = {
            "id": len(self.panels) + 1,
            "type": kind,
            "title": title,
            "description": description,
            "datasource": PROM,
            "gridPos": self._place(width, height),
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {},
            "targets": [
                {
                    "refId": chr(ord("A") + i),
                    "datasource": PROM,
                    "expr": expr,
                    "legendFormat": legend,
                    "exemplar": exemplars,
                    "range": kind != "stat",
                    "instant": kind == "stat",
                }
                for i, (expr, legend) in enumerate(targets)
            ],
        }
        if mappings:
            panel["fieldConfig"]["defaults"]["mappings"] = mappings
        self.panels.append(panel)

    def traceql(self, title: str, query: str, *, description: str = "", width: int = 24) -> None:
        self.panels.append(
            {
                "id": len(self.panels) + 1,
                "type": "table",
                "title": title,
                "description": description,
                "datasource": TEMPO,
                "gridPos": self._place(width, 10),
                "fieldConfig": {"defaults": {}, "overrides": []},
                "options": {"showHeader": True},
                "targets": [
                    {
                        "refId": "A",
                        "datasource": TEMPO,
                        "queryType": "traceql",
                        "query": query,
                        "limit": 50,
                        "tableType": "traces",
                    }
                ],
            }
        )

    def build(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "title": self.title,
            "description": self.description,
            "tags": ["tollgate"],
            "timezone": "browser",
            "editable": True,
            "graphTooltip": 1,
            "schemaVersion": 39,
            "version": 1,
            "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": _variables(self.with_tool)},
            "annotations": {"list": []},
            "links": [
                {
                    "type": "dashboards",
                    "tags": ["tollgate"],
                    "asDropdown": True,
                    "title": "Tollgate",
                }
            ],
            "panels": self.panels,
        }


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
        mappings=[
            {
                "type": "value",
                "options": {
                    "0": {"text": "closed", "color": "green"},
                    "1": {"text": "half open", "color": "yellow"},
                    "2": {"text": "open", "color": "red"},
                },
            }
        ],
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
