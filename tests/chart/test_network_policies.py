"""Who may talk to whom: the rendered chart's pods against its NetworkPolicies and the worker's.

The worker's NetworkPolicy comes from the operator's builder, with the settings the chart gives
the operator; the pods are the chart's own workloads, labelled as rendered. Peers are matched
with the NetworkPolicy rules of the Kubernetes API (a peer's selectors, a rule without ports or
peers matching everything).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml
from tollgate_common.settings import build_settings
from tollgate_common.tenants import parse_tenant_resource
from tollgate_operator import build
from tollgate_operator.config import Settings

from .conftest import NAMESPACE, RELEASE, ROOT, VALUES, documents, render

TENANTS = "tollgate-tenants"
Obj = dict[str, Any]


def _selects(selector: Obj, labels: dict[str, str]) -> bool:
    """A label selector: matchLabels and matchExpressions, all of them (empty selects all)."""
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        present = key in labels
        ok = {
            "In": present and labels.get(key) in (values or []),
            "NotIn": not present or labels.get(key) not in (values or []),
            "Exists": present,
            "DoesNotExist": not present,
        }[operator]
        if not ok:
            return False
    return True


def _peer_matches(peer: Obj, policy_namespace: str, pod: Obj) -> bool:
    """One ``from``/``to`` entry against a pod ({namespace, labels}) or an address ({ip})."""
    if "ipBlock" in peer:
        if "ip" not in pod:
            return False
        block = peer["ipBlock"]
        address = ipaddress.ip_address(pod["ip"])
        network = ipaddress.ip_network(block["cidr"])
        if address.version != network.version or address not in network:
            return False
        return not any(address in ipaddress.ip_network(cidr) for cidr in block.get("except", []))
    if "ip" in pod:
        return False  # selectors pick pods, not outside addresses
    namespace_labels = {"kubernetes.io/metadata.name": pod["namespace"]}
    if "namespaceSelector" in peer:
        if not _selects(peer["namespaceSelector"], namespace_labels):
            return False
    elif pod["namespace"] != policy_namespace:
        return False  # a podSelector alone means the policy's own namespace
    return _selects(peer.get("podSelector") or {}, pod.get("labels") or {})


def _rules_allow(rules: list[Obj], key: str, policy_namespace: str, pod: Obj, port: int) -> bool:
    for rule in rules:
        ports = rule.get("ports")
        if ports and not any(p.get("port") == port for p in ports):
            continue
        peers = rule.get(key)
        if not peers or any(_peer_matches(peer, policy_namespace, pod) for peer in peers):
            return True
    return False


def admits(policy: Obj, source: Obj, port: int) -> bool:
    """The policy's ingress lets ``source`` reach its pods on ``port``."""
    namespace = policy["metadata"].get("namespace", NAMESPACE)
    return _rules_allow(policy["spec"].get("ingress") or [], "from", namespace, source, port)


def lets_out(policy: Obj, destination: Obj, port: int) -> bool:
    """The policy's egress lets its pods reach ``destination`` on ``port``."""
    namespace = policy["metadata"].get("namespace", NAMESPACE)
    return _rules_allow(policy["spec"].get("egress") or [], "to", namespace, destination, port)


def _pods(docs: list[Obj]) -> dict[str, Obj]:
    """Each workload of the release, as a pod in the release namespace: component -> pod."""
    pods = {}
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet"):
            labels = doc["spec"]["template"]["metadata"]["labels"]
            pods[labels["app.kubernetes.io/component"]] = {"namespace": NAMESPACE, "labels": labels}
    return pods


def _policy(docs: list[Obj], component: str) -> Obj:
    return next(
        d
        for d in docs
        if d["kind"] == "NetworkPolicy"
        and d["spec"]["podSelector"]["matchLabels"].get("app.kubernetes.io/component") == component
    )


def _operator_settings(docs: list[Obj], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The operator's settings exactly as the chart's env gives them."""
    operator = next(
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "t-operator"
    )
    for item in operator["spec"]["template"]["spec"]["containers"][0]["env"]:
        if item["name"].startswith("TOLLGATE_OPERATOR_") and "value" in item:
            monkeypatch.setenv(item["name"], item["value"])
    return build_settings(Settings)


def _worker_policy(settings: Settings) -> Obj:
    body = yaml.safe_load((ROOT / "examples" / "tenants" / "acme.yaml").read_text())
    body["metadata"]["uid"] = "uid-acme"
    _, spec = parse_tenant_resource(body)
    return build.build_network_policy(settings, body, spec)


@pytest.mark.parametrize("values", ["default", "demo-values", "production-values"])
def test_the_worker_admits_exactly_front_and_auth(
    values: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = documents(render(VALUES[values]))
    settings = _operator_settings(docs, monkeypatch)
    policy = _worker_policy(settings)
    pods = _pods(docs)
    assert {"front", "auth", "policy", "operator"} <= set(pods)  # the check has others to refuse
    port = settings.worker_port
    admitted = {name for name, pod in pods.items() if admits(policy, pod, port)}
    assert admitted == {"front", "auth"}
    # Not the same components elsewhere: another namespace, or another release's.
    front = pods["front"]
    assert not admits(policy, {**front, "namespace": TENANTS}, port)
    other = {**front["labels"], "app.kubernetes.io/instance": "other"}
    assert not admits(policy, {**front, "labels": other}, port)
    assert not admits(policy, front, port + 1)


def test_the_worker_reaches_dns_and_its_odoo_only(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = documents(render(VALUES["default"]))
    policy = _worker_policy(_operator_settings(docs, monkeypatch))
    pods = _pods(docs)
    # acme.yaml's Odoo is http://127.0.0.1:8069: exactly that address and port.
    assert lets_out(policy, {"ip": "127.0.0.1"}, 8069)
    assert not lets_out(policy, {"ip": "127.0.0.2"}, 8069)
    assert not lets_out(policy, {"ip": "127.0.0.1"}, 443)
    assert lets_out(policy, {"namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}}, 53)
    assert not any(lets_out(policy, pod, port) for pod in pods.values() for port in (6379, 50061))


@pytest.mark.parametrize("values", ["default", "demo-values", "production-values"])
def test_the_operator_reaches_the_tenants_odoo_not_the_workers(values: str) -> None:
    docs = documents(render(VALUES[values]))
    policy = _policy(docs, "operator")
    worker = {"namespace": TENANTS, "labels": {"app.kubernetes.io/instance": RELEASE}}
    worker["labels"]["app.kubernetes.io/component"] = "worker"
    assert not lets_out(policy, worker, 50051)
    in_cluster_odoo = {"namespace": "odoo", "labels": {"app": "odoo"}}
    if values == "production-values":  # odooEgress: 443 and 8069, 203.0.113.0/24, in-cluster
        assert lets_out(policy, {"ip": "203.0.113.7"}, 8069)
        assert not lets_out(policy, {"ip": "198.51.100.7"}, 8069)
        assert lets_out(policy, in_cluster_odoo, 8069)
    else:  # the default: 443 anywhere, outside the cluster and in it
        assert lets_out(policy, {"ip": "198.51.100.7"}, 443)
        assert lets_out(policy, {"ip": "2001:db8::7"}, 443)
        assert lets_out(policy, in_cluster_odoo, 443)
        assert not lets_out(policy, in_cluster_odoo, 8069)
    if values == "demo-values":
        simulator = _pods(docs)["odoo-sim"]
        assert lets_out(policy, simulator, 8069)
        assert admits(_policy(docs, "odoo-sim"), _pods(docs)["operator"], 8069)


def test_no_odoo_ports_means_no_odoo_egress(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump({"operator": {"odooEgress": {"ports": []}}}))
    policy = _policy(documents(render(path)), "operator")
    assert not lets_out(policy, {"namespace": "odoo", "labels": {}}, 8069)
    # Only the API server's ports remain open to the outside (they are open to any address).
    outside = {p for p in (80, 443, 6443, 8069) if lets_out(policy, {"ip": "198.51.100.7"}, p)}
    assert outside == {443, 6443}


def test_the_matcher_follows_the_api_rules() -> None:
    """The helpers above, on the cases that decide the tests: they can say no."""
    pod = {"namespace": "a", "labels": {"app": "x"}}
    only_pods = {
        "metadata": {"namespace": "a"},
        "spec": {"ingress": [{"from": [{"podSelector": {}}]}]},
    }
    assert admits(only_pods, pod, 1)
    assert not admits(only_pods, {**pod, "namespace": "b"}, 1)
    nobody = {"metadata": {"namespace": "a"}, "spec": {"ingress": []}}
    assert not admits(nobody, pod, 1)
    everybody = {"metadata": {"namespace": "a"}, "spec": {"ingress": [{}]}}
    assert admits(everybody, {**pod, "namespace": "b"}, 1)
    block = {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}
    out = {"metadata": {"namespace": "a"}, "spec": {"egress": [{"to": [block]}]}}
    assert lets_out(out, {"ip": "10.2.0.1"}, 1)
    assert not lets_out(out, {"ip": "10.1.0.1"}, 1)
    assert not lets_out(out, pod, 1)
