"""The chart's Prometheus alert rules (checked and unit-tested with promtool) and its
OpenTelemetry Collector configuration, rendered by the real helm with observability on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from tollgate_common.metrics import TOOL_OUTCOMES

from .names import check_promql

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "tollgate"
HELM = ROOT / ".tools" / "bin" / "helm"
ON = [
    "--set",
    "observability.alerts.enabled=true",
    "--set",
    "observability.collector.enabled=true",
    "--set",
    "observability.dashboards.enabled=true",
]


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    if not HELM.exists():
        pytest.skip("helm is not installed: run scripts/install-k8s-tools.sh (make test does)")
    result = subprocess.run(
        [str(HELM), "template", "t", str(CHART), "--namespace", "tollgate", *ON],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip(
            "promtool is missing: Debian's prometheus package provides it (make system-deps)"
        )
    return found


def _rules(rendered: list[dict[str, Any]]) -> dict[str, Any]:
    (rule,) = [d for d in rendered if d["kind"] == "PrometheusRule"]
    return {"groups": rule["spec"]["groups"]}


def test_dashboards_ship_as_configmaps_for_the_grafana_sidecar(
    rendered: list[dict[str, Any]],
) -> None:
    maps = [
        d for d in rendered if d["kind"] == "ConfigMap" and "-dashboard-" in d["metadata"]["name"]
    ]
    assert {next(iter(m["data"])) for m in maps} == {
        "tool-calls.json",
        "tenant-health.json",
        "governance.json",
        "traces.json",
    }
    for config_map in maps:
        assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
        (text,) = config_map["data"].values()
        assert text == (CHART / "dashboards" / next(iter(config_map["data"]))).read_text().rstrip(
            "\n"
        )


def test_alert_rules_name_only_emitted_metrics(rendered: list[dict[str, Any]]) -> None:
    rules = [r for g in _rules(rendered)["groups"] for r in g["rules"]]
    assert {r["alert"] for r in rules} >= {
        "TollgateToolErrorRateHigh",
        "TollgateToolLatencyHigh",
        "TollgateOdooBreakerOpen",
    }
    problems = [p for r in rules for p in check_promql(r["expr"])]
    assert not problems, problems


def test_promtool_checks_the_rules(rendered: list[dict[str, Any]], tmp_path: Path) -> None:
    promtool = _promtool()
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(_rules(rendered)))
    result = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


UNIT_TESTS = Path(__file__).with_name("alerts_test.yaml")


def test_alerts_fire_for_the_failing_tenant_only(
    rendered: list[dict[str, Any]], tmp_path: Path
) -> None:
    promtool = _promtool()
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(_rules(rendered)))
    (tmp_path / "tests.yaml").write_text(UNIT_TESTS.read_text())
    result = subprocess.run(
        [promtool, "test", "rules", "tests.yaml"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _collector_config(rendered: list[dict[str, Any]]) -> dict[str, Any]:
    (config_map,) = [
        d
        for d in rendered
        if d["kind"] == "ConfigMap" and d["metadata"]["name"].endswith("otel-collector")
    ]
    config: dict[str, Any] = yaml.safe_load(config_map["data"]["config.yaml"])
    return config


def test_collector_pipelines_use_only_defined_components(rendered: list[dict[str, Any]]) -> None:
    config = _collector_config(rendered)
    pipelines = config["service"]["pipelines"]
    assert set(pipelines) == {"traces/spanmetrics", "traces", "metrics", "logs"}
    for pipeline in pipelines.values():
        for receiver in pipeline["receivers"]:
            assert receiver in config["receivers"] or receiver in config["connectors"]
        for processor in pipeline.get("processors", []):
            assert processor in config["processors"]
        for exporter in pipeline["exporters"]:
            assert exporter in config["exporters"] or exporter in config["connectors"]
    assert "otlp/tempo" in pipelines["traces"]["exporters"]
    assert "prometheus" in pipelines["metrics"]["exporters"]
    assert "spanmetrics" in pipelines["metrics"]["receivers"]
    assert config["exporters"]["prometheus"]["enable_open_metrics"] is True  # exemplars


def test_tail_sampling_keeps_every_error_and_denial(rendered: list[dict[str, Any]]) -> None:
    config = _collector_config(rendered)
    policies = {p["name"]: p for p in config["processors"]["tail_sampling"]["policies"]}
    assert policies["errors"]["status_code"]["status_codes"] == ["ERROR"]
    kept = policies["refused-or-failed-calls"]["string_attribute"]
    assert kept["key"] == "tollgate.outcome"
    assert set(kept["values"]) == set(TOOL_OUTCOMES) - {"success"}
    assert policies["denials"]["string_attribute"]["key"] == "tollgate.decision"
    # span metrics are computed before sampling, so the RED numbers count every span
    assert "tail_sampling" not in config["service"]["pipelines"]["traces/spanmetrics"]["processors"]
    dimensions = {d["name"] for d in config["connectors"]["spanmetrics"]["dimensions"]}
    assert dimensions == {"tollgate.tenant", "tollgate.outcome"}
    assert config["connectors"]["spanmetrics"]["namespace"] == "traces.span.metrics"


def test_observability_objects_are_valid_kubernetes_and_hardened(
    rendered: list[dict[str, Any]],
) -> None:
    import kubernetes_validate

    ours = [
        d
        for d in rendered
        if d["metadata"]["labels"].get("app.kubernetes.io/component")
        in ("otel-collector", "dashboards")
    ]
    assert {d["kind"] for d in ours} == {"ConfigMap", "Service", "Deployment"}
    for doc in ours:
        kubernetes_validate.validate(doc, "1.33.0", strict=True)
    (deployment,) = [d for d in ours if d["kind"] == "Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
