"""Planning the local stack: tenants, ports, processes and files, without starting anything."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml
from tollgate_cli.devstack.plan import DevStackError, Ports, build_plan, load_tenants
from tollgate_cli.devstack.secrets import load_or_create

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "tenants"


def test_the_examples_load_with_their_simulators() -> None:
    tenants = load_tenants(EXAMPLES)
    assert [(t.name, t.simulator) for t in tenants] == [("acme", "18.0"), ("globex", "19.0")]


def test_plan_wires_every_process_to_the_others(tmp_path: Path) -> None:
    tenants = load_tenants(EXAMPLES)
    secrets = load_or_create(tmp_path, [t.name for t in tenants])
    plan = build_plan(tenants, ports=Ports.fixed(len(tenants)), secrets=secrets, state_dir=tmp_path)
    by_name = {p.name: p for p in plan.processes}
    assert list(by_name) == [
        "odoo-acme",
        "worker-acme",
        "odoo-globex",
        "worker-globex",
        "auth",
        "policy",
        "front",
    ]
    assert "--odoo-version" in by_name["odoo-globex"].argv
    assert (
        by_name["odoo-globex"].argv[by_name["odoo-globex"].argv.index("--odoo-version") + 1]
        == "19.0"
    )

    acme = json.loads(plan.files["tenants/acme.json"])
    # The simulator replaces the URL of the spec; the worker is told the same URL.
    assert acme["odoo"]["url"] == "http://127.0.0.1:8069"
    assert by_name["worker-acme"].env["TOLLGATE_WORKER_ODOO_URL"] == "http://127.0.0.1:8069"
    assert acme["worker"]["address"] == "127.0.0.1:50061"
    assert by_name["worker-acme"].env["TOLLGATE_WORKER_PORT"] == "50061"
    assert acme["worker"]["publicKey"] == secrets.worker_keys["acme"].public_key.to_base64()
    assert acme["endpoint"] == "http://127.0.0.1:8000/t/acme/mcp"
    assert by_name["front"].env["TOLLGATE_FRONT_AUTH_ADDRESS"] == "127.0.0.1:50051"
    assert by_name["front"].env["TOLLGATE_FRONT_POLICY_ADDRESS"] == "127.0.0.1:50052"
    assert by_name["front"].ready.http_path == "/health"

    # Auth gets only hashes of the dev API keys; the clear keys are for the developer.
    keys = yaml.safe_load(plan.files["dev-keys.yaml"])["keys"]
    api_key = plan.info.tenants["acme"].api_key
    assert api_key.startswith("tg_dev_")
    assert api_key not in plan.files["dev-keys.yaml"]
    assert {k["key_sha256"] for k in keys} >= {hashlib.sha256(api_key.encode()).hexdigest()}


def test_free_ports_are_all_different() -> None:
    ports = Ports.free(3)
    every = [ports.front, ports.auth, ports.policy, *ports.workers, *ports.simulators]
    assert len(set(every)) == len(every) == 9


def test_secrets_survive_a_restart(tmp_path: Path) -> None:
    first = load_or_create(tmp_path, ["acme"])
    second = load_or_create(tmp_path, ["acme", "globex"])
    assert second.api_keys["acme"] == first.api_keys["acme"]
    assert second.worker_keys["acme"].key_id == first.worker_keys["acme"].key_id
    assert "globex" in second.api_keys
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def test_a_bad_tenant_file_is_named_with_its_problem(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: tollgate.dev/v1alpha1\nkind: OdooTenant\nmetadata: {name: bad}\n"
        "spec: {odoo: {url: 'https://odoo.example.com', databse: x}}\n"
    )
    with pytest.raises(DevStackError) as raised:
        load_tenants(tmp_path)
    assert "bad.yaml" in str(raised.value)
    assert "databse" in str(raised.value)


def test_an_unknown_simulator_series_is_refused(tmp_path: Path) -> None:
    (tmp_path / "old.yaml").write_text(
        "apiVersion: tollgate.dev/v1alpha1\nkind: OdooTenant\n"
        "metadata: {name: old, annotations: {tollgate.dev/simulator: '12.0'}}\n"
        "spec: {odoo: {url: 'https://odoo.example.com', database: x}}\n"
    )
    with pytest.raises(DevStackError, match=r"'12\.0' is not one of"):
        load_tenants(tmp_path)


def test_a_tenant_defined_twice_names_both_files(tmp_path: Path) -> None:
    document = (
        "apiVersion: tollgate.dev/v1alpha1\nkind: OdooTenant\nmetadata: {name: acme}\n"
        "spec: {odoo: {url: 'https://odoo.example.com', database: x}}\n"
    )
    (tmp_path / "a.yaml").write_text(document)
    (tmp_path / "b.yaml").write_text(document)
    with pytest.raises(DevStackError) as raised:
        load_tenants(tmp_path)
    assert str(raised.value) == "b.yaml: tenant 'acme' is already defined in a.yaml"


def test_no_tenant_files_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DevStackError, match="no tenant files"):
        load_tenants(tmp_path)


def test_a_taken_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    import socket

    from tollgate_cli.devstack.run import prepare_stack

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        ports = Ports.free(2)
        with pytest.raises(DevStackError) as raised:
            prepare_stack(
                tenants_dir=EXAMPLES,
                state_dir=tmp_path,
                ports=lambda _n: Ports(
                    port, ports.auth, ports.policy, ports.workers, ports.simulators
                ),
                log_level="INFO",
            )
    assert f"front (127.0.0.1:{port})" in str(raised.value)
    assert "--free-ports" in str(raised.value)
