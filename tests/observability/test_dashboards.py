"""The Grafana dashboards: built by scripts/dashboards.py, well-formed, and every query reads
metrics, labels and span attributes the services actually emit."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from .names import check_promql, check_traceql

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "charts" / "tollgate" / "dashboards"
EXPECTED = {"tool-calls", "tenant-health", "governance", "traces"}
PANEL_TYPES = {"row", "timeseries", "stat", "table", "barchart", "state-timeline"}


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("dashboards", ROOT / "scripts" / "dashboards.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _boards() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted(DASHBOARDS.glob("*.json"))}


def _targets(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for panel in board["panels"] for t in panel.get("targets", [])]


def test_the_committed_files_are_what_the_generator_writes() -> None:
    rendered = _generator().render()
    assert set(rendered) == {f"{name}.json" for name in EXPECTED}
    for name, text in rendered.items():
        assert (DASHBOARDS / name).read_text() == text, f"{name}: run scripts/dashboards.py"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dashboard_is_well_formed(name: str) -> None:
    board = _boards()[name]
    assert board["uid"] == f"tollgate-{name}"
    assert board["schemaVersion"] >= 36
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["prometheus"]["type"] == "datasource"
    assert variables["tempo"]["type"] == "datasource"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert panel["type"] in PANEL_TYPES
        grid = panel["gridPos"]
        assert 0 <= grid["x"] < 24
        assert grid["x"] + grid["w"] <= 24
        for target in panel.get("targets", []):
            assert target["datasource"]["uid"] in ("${prometheus}", "${tempo}")
    assert _targets(board), "a dashboard without a query"


def test_every_query_names_what_the_services_emit() -> None:
    problems: list[str] = []
    for name, board in _boards().items():
        for target in _targets(board):
            if "expr" in target:
                problems += [f"{name}: {p}" for p in check_promql(target["expr"])]
            else:
                problems += [f"{name}: {p}" for p in check_traceql(target["query"])]
        for variable in board["templating"]["list"]:
            if variable["type"] == "query":
                problems += [f"{name}: {p}" for p in check_promql(variable["query"])]
    assert not problems, problems


def test_the_cross_check_catches_a_wrong_name() -> None:
    assert check_promql('sum by (tenant) (rate(tollgate_tool_call_total{tenant="a"}[5m]))')
    assert check_promql("sum by (user) (rate(tollgate_tool_calls_total[5m]))")
    assert check_traceql('{ span.tollgate.customer = "x" }')
    assert not check_promql("sum by (tenant) (rate(tollgate_tool_calls_total[5m]))")


def test_the_traces_dashboard_finds_slow_failed_and_denied_calls() -> None:
    queries = [t["query"] for t in _targets(_boards()["traces"]) if "query" in t]
    assert any("duration >" in q for q in queries)
    assert any('span.tollgate.outcome = "error"' in q for q in queries)
    assert any("span.tollgate.decision" in q for q in queries)
    for panel in _boards()["traces"]["panels"]:
        for target in panel.get("targets", []):
            if "query" in target:
                assert target["queryType"] == "traceql"
                assert target["tableType"] == "traces"  # rows link to the trace view


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dashboard_reads_back_through_the_grafana_sdk_models(name: str) -> None:
    """The committed JSON decodes into grafana-foundation-sdk's Grafana 11 dashboard model and
    encodes back to the same panels and queries (nothing the model does not know is lost)."""
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models.dashboard import Dashboard

    data = _boards()[name]
    again = json.loads(json.dumps(Dashboard.from_json(data), cls=JSONEncoder))
    assert again["uid"] == data["uid"]
    assert [p["type"] for p in again["panels"]] == [p["type"] for p in data["panels"]]
    assert _targets(again) == _targets(data)
    assert again["templating"] == data["templating"]
