from __future__ import annotations

import asyncio
import copy
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.tenants import (
    CompileOptions,
    DirectorySource,
    StaticSource,
    TenantConfig,
    TenantRegistry,
    TenantSpecError,
    compile_tenant,
    load_tenant_resources,
    parse_tenant_resource,
    write_tenant_config,
)

ACME: dict[str, Any] = {
    "apiVersion": "tollgate.dev/v1alpha1",
    "kind": "OdooTenant",
    "metadata": {"name": "acme", "namespace": "tollgate-tenants"},
    "spec": {
        "odoo": {"url": "https://acme.odoo.com/", "database": "acme-prod"},
        "access": {
            "mode": "readWrite",
            "credentialStorage": "token",
            "allowedEmails": ["*@ACME.com", "*@acme.com"],
        },
        "policy": {
            "models": [
                {"model": "res.partner", "allow": ["read", "create", "write"]},
                {"model": "account.move", "allow": ["read"], "denyFields": ["amount_total"]},
                {"model": "sale.*", "allow": ["read"]},
            ],
            "methods": ["sale.order.action_confirm"],
            "approvals": {"tools": ["delete_records"], "approvers": ["cfo@acme.com"]},
            "rateLimits": {"perUserPerMinute": 60, "perTenantPerDay": 20000},
        },
        "vocabulary": {"Customers": "res.partner", "invoices": "account.move"},
        "worker": {"replicas": 2},
    },
    "status": {"conditions": [{"type": "Ready", "status": "True"}]},
}


def with_change(path: str, value: Any) -> dict[str, Any]:
    """ACME with the value at a dotted path (numbers index lists) replaced or added."""
    document = copy.deepcopy(ACME)
    node: Any = document
    keys: list[Any] = [int(p) if p.isdigit() else p for p in path.split(".")]
    for key in keys[:-1]:
        node = node[key]
    node[keys[-1]] = value
    return document


def problems(document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(TenantSpecError) as caught:
        parse_tenant_resource(document, source="acme.yaml")
    return caught.value.problems


def compile_acme(document: dict[str, Any] = ACME) -> TenantConfig:
    name, spec = parse_tenant_resource(document)
    return compile_tenant(
        name, spec, endpoint_base="https://mcp.example.com/", worker_address="worker-acme:50051"
    )


def test_the_design_example_parses() -> None:
    name, spec = parse_tenant_resource(ACME)

    assert name == "acme"
    assert spec.policy.models[1].deny_fields == ["amount_total"]
    assert spec.policy.rate_limits.per_user_per_minute == 60
    assert spec.access.allowed_emails == ["*@acme.com", "*@acme.com"]


@pytest.mark.parametrize(
    ("path", "value", "expected_path", "expected_message"),
    [
        (
            "spec.policy.models.0.allow",
            ["read", "destroy"],
            "spec.policy.models[0].allow[1]",
            "Input should be 'read'",
        ),
        (
            "spec.policy.rateLimits.perUserPerMinut",
            5,
            "spec.policy.rateLimits.perUserPerMinut",
            "unknown key",
        ),
        ("spec.odoo.url", "http://acme.odoo.com", "spec.odoo.url", "clear text"),
        ("spec.odoo.url", "acme.odoo.com", "spec.odoo.url", "not an http(s) URL"),
        (
            "spec.policy.models.2.model",
            "Sale Order",
            "spec.policy.models[2].model",
            "not a valid model pattern",
        ),
        (
            "spec.policy.models.0.deny",
            ["write"],
            "spec.policy.models[0].deny",
            "both allowed and denied: write",
        ),
        (
            "spec.access.mode",
            "admin",
            "spec.access.mode",
            "Input should be 'readWrite' or 'readOnly'",
        ),
        (
            "spec.access.allowedEmails",
            ["not-an-email"],
            "spec.access.allowedEmails[0]",
            "not a valid email",
        ),
        (
            "spec.policy.approvals",
            {"tools": ["delete_records"]},
            "spec.policy.approvals.approvers",
            "nobody can approve",
        ),
        ("spec.worker.replicas", 0, "spec.worker.replicas", "greater than or equal to 1"),
        (
            "spec.vocabulary",
            {"customers": "Res Partner"},
            "spec.vocabulary.customers",
            "not a valid Odoo model name",
        ),
        ("spec.policy.methods", ["_private"], "spec.policy.methods[0]", "not a valid method"),
        ("metadata.name", "Acme_Corp", "metadata.name", "lower-case"),
        ("kind", "Tenant", "kind", "must be OdooTenant"),
        ("spek", {}, "spek", "unknown key"),
    ],
)
def test_invalid_specs_name_the_field(
    path: str, value: Any, expected_path: str, expected_message: str
) -> None:
    found = problems(with_change(path, value))

    assert any(p == expected_path and expected_message in m for p, m in found), found


def test_missing_required_keys_and_message_format() -> None:
    document = copy.deepcopy(ACME)
    del document["spec"]["odoo"]["database"]

    with pytest.raises(TenantSpecError) as caught:
        parse_tenant_resource(document, source="acme.yaml")

    assert str(caught.value) == "acme.yaml: spec.odoo.database: required key is missing"


def test_insecure_http_needs_the_explicit_opt_in() -> None:
    document = with_change(
        "spec.odoo", {"url": "http://127.0.0.1:8069", "database": "demo", "allowInsecureHttp": True}
    )

    _, spec = parse_tenant_resource(document)

    assert spec.odoo.url == "http://127.0.0.1:8069"


def test_compile_resolves_endpoint_worker_and_normalises() -> None:
    config = compile_acme()

    assert config.name == "acme"
    assert config.endpoint == "https://mcp.example.com/t/acme/mcp"
    assert config.odoo.url == "https://acme.odoo.com"
    assert config.worker.address == "worker-acme:50051"
    assert config.worker.replicas == 2
    assert config.access.allowed_emails == ("*@acme.com",)
    assert not config.access.read_only
    assert config.vocabulary == {"customers": "res.partner", "invoices": "account.move"}
    assert config.policy.methods == ("sale.order.action_confirm",)
    assert len(config.revision) == 16


def test_compile_is_pure_and_revision_tracks_content() -> None:
    assert compile_acme() == compile_acme()
    changed = compile_acme(with_change("spec.worker.replicas", 3))
    assert changed.revision != compile_acme().revision


def test_read_only_mode_denies_every_write_first() -> None:
    config = compile_acme(with_change("spec.access.mode", "readOnly"))

    assert config.access.read_only
    first = config.policy.models[0]
    assert (first.model, first.deny) == ("*", ["create", "write", "unlink", "execute"])
    assert all(rule.allow in ([], ["read"]) for rule in config.policy.models)
    assert config.policy.methods == ()


def test_compiled_config_json_round_trip() -> None:
    config = compile_acme()
    text = config.to_json()

    assert '"apiVersion": "tollgate.dev/v1alpha1"' in text
    assert '"denyFields"' in text
    assert TenantConfig.from_json(text) == config


def test_compile_refuses_a_bad_endpoint_base() -> None:
    name, spec = parse_tenant_resource(ACME)
    with pytest.raises(TenantSpecError, match="endpointBase"):
        compile_tenant(name, spec, endpoint_base="mcp.example.com", worker_address="w:1")


# --- registry and directory source ----------------------------------------------------------


OPTIONS = CompileOptions(
    endpoint_base="http://127.0.0.1:8000",
    worker_address=lambda name: f"127.0.0.1:{50000 + len(name)}",
)


def write(path: Path, document: Any) -> None:
    path.write_text(yaml.safe_dump(document))
    # Make every write visible to an mtime check even on coarse-grained file systems.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def globex() -> dict[str, Any]:
    document = copy.deepcopy(ACME)
    document["metadata"]["name"] = "globex"
    return document


async def test_directory_source_loads_resources_and_compiled_configs(tmp_path: Path) -> None:
    write(tmp_path / "acme.yaml", ACME)
    (tmp_path / "globex.json").write_text(compile_acme(globex()).to_json())
    (tmp_path / "README.md").write_text("ignored")
    (tmp_path / ".hidden.yaml").write_text("ignored: [")

    registry = TenantRegistry(DirectorySource(tmp_path, OPTIONS))
    await registry.refresh()

    assert registry.names() == ["acme", "globex"]
    acme = registry.require("acme")
    assert acme.endpoint == "http://127.0.0.1:8000/t/acme/mcp"
    assert acme.worker.address == "127.0.0.1:50004"
    assert registry.errors == {}


async def test_unknown_tenant_is_a_not_found_error() -> None:
    registry = TenantRegistry(StaticSource(compile_acme()))
    await registry.refresh()

    with pytest.raises(TollgateError) as caught:
        registry.require("initech")
    assert caught.value.code is ErrorCode.NOT_FOUND
    assert "initech" in caught.value.message
    assert registry.get("acme") is not None


async def test_registry_follows_changes_keeps_last_good_and_drops_removed(tmp_path: Path) -> None:
    write(tmp_path / "acme.yaml", ACME)
    source = DirectorySource(tmp_path, OPTIONS)
    registry = TenantRegistry(source)
    notified: list[list[str]] = []
    registry.on_change(lambda tenants: notified.append(sorted(tenants)))
    assert await registry.refresh()
    assert not await registry.refresh()  # nothing changed: nothing re-parsed or announced

    write(tmp_path / "acme.yaml", with_change("spec.worker.replicas", 5))
    assert await registry.refresh()
    assert registry.require("acme").worker.replicas == 5

    broken = with_change("spec.policy.models.0.allow", ["destroy"])
    write(tmp_path / "acme.yaml", broken)
    assert not await registry.refresh()
    assert registry.require("acme").worker.replicas == 5  # last good config stays
    assert "spec.policy.models[0].allow[0]" in registry.errors["acme.yaml"]

    write(tmp_path / "globex.yaml", globex())
    assert await registry.refresh()
    assert registry.names() == ["acme", "globex"]

    (tmp_path / "acme.yaml").unlink()
    assert await registry.refresh()
    assert registry.names() == ["globex"]
    assert registry.errors == {}
    assert notified == [["acme"], ["acme"], ["acme", "globex"], ["globex"]]


async def test_duplicate_names_and_bad_yaml_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", ACME)
    write(tmp_path / "b.yaml", ACME)
    (tmp_path / "c.yaml").write_text("spec: [unclosed\n")

    snapshot = await DirectorySource(tmp_path, OPTIONS).snapshot()

    assert list(snapshot.tenants) == ["acme"]
    assert snapshot.errors["b.yaml"] == "b.yaml: tenant 'acme' is already defined in a.yaml"
    assert "invalid YAML: line 2" in snapshot.errors["c.yaml"]


async def test_registry_polls_in_the_background(tmp_path: Path) -> None:
    registry = TenantRegistry(DirectorySource(tmp_path, OPTIONS), poll_interval=0.01)
    async with registry:
        assert registry.names() == []
        changed = asyncio.Event()
        registry.on_change(lambda tenants: changed.set())
        write(tmp_path / "acme.yaml", ACME)
        await asyncio.wait_for(changed.wait(), timeout=10)
    assert registry.names() == ["acme"]


async def test_resources_compiled_and_published_the_way_the_local_stack_does(
    tmp_path: Path,
) -> None:
    specs, published = tmp_path / "specs", tmp_path / "published"
    specs.mkdir()
    (specs / "both.yaml").write_text(yaml.safe_dump_all([ACME, globex()]))
    (specs / "notes.txt").write_text("ignored")

    registry = TenantRegistry(DirectorySource(published))
    for name, spec in load_tenant_resources(specs):
        config = compile_tenant(name, spec, endpoint_base="http://h", worker_address="w:1")
        write_tenant_config(published, config)
    await registry.refresh()

    assert registry.names() == ["acme", "globex"]
    assert sorted(p.name for p in published.iterdir()) == ["acme.json", "globex.json"]


def test_loading_resources_reports_every_problem_of_every_file(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", with_change("spec.worker.replicas", 0))
    write(tmp_path / "b.yaml", with_change("spec.access.mode", "admin"))
    write(tmp_path / "c.yaml", ACME)
    write(tmp_path / "d.yaml", ACME)

    with pytest.raises(TenantSpecError) as caught:
        load_tenant_resources(tmp_path)

    paths = [path for path, _ in caught.value.problems]
    assert paths == [
        "a.yaml: spec.worker.replicas",
        "b.yaml: spec.access.mode",
        "d.yaml: metadata.name",
    ]
    assert caught.value.problems[-1][1] == "tenant 'acme' is already defined in c.yaml"


def test_a_tenant_defined_twice_in_one_file_is_that_files_problem(tmp_path: Path) -> None:
    (tmp_path / "both.yaml").write_text(yaml.safe_dump_all([ACME, globex(), ACME]))

    with pytest.raises(TenantSpecError) as caught:
        load_tenant_resources(tmp_path)

    assert caught.value.problems == [
        ("both.yaml: metadata.name", "tenant 'acme' is already defined in both.yaml")
    ]


async def test_resource_loading_and_tenant_sources_share_one_duplicate_rule(
    tmp_path: Path,
) -> None:
    write(tmp_path / "a.yaml", ACME)
    write(tmp_path / "b.yaml", globex())
    write(tmp_path / "c.yaml", ACME)

    with pytest.raises(TenantSpecError) as caught:
        load_tenant_resources(tmp_path)
    snapshot = await DirectorySource(tmp_path, OPTIONS).snapshot()

    # The first definition is the one kept; the later file carries the same message in both.
    ((where, message),) = caught.value.problems
    assert where == "c.yaml: metadata.name"
    assert snapshot.errors == {"c.yaml": f"c.yaml: {message}"}
    assert snapshot.origins == {"acme": "a.yaml", "globex": "b.yaml"}


def test_approval_rules_and_ambiguous_vocabulary() -> None:
    document = with_change(
        "spec.policy.approvals",
        {
            "models": [{"model": "account.*", "operations": ["unlink"]}],
            "approvers": ["cfo@acme.com"],
        },
    )
    _, spec = parse_tenant_resource(document)
    assert spec.policy.approvals.models[0].operations == ["unlink"]

    empty = with_change(
        "spec.policy.approvals.models", [{"model": "account.move", "operations": []}]
    )
    assert problems(empty)[0][0] == "spec.policy.approvals.models[0].operations"

    ambiguous = with_change(
        "spec.vocabulary", {"Customers": "res.partner", "customers": "res.users"}
    )
    assert problems(ambiguous) == [
        (
            "spec.vocabulary",
            "'Customers' and 'customers' are the same word "
            "(words are matched without regard to case)",
        )
    ]


EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "tenants"


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="the repository has no examples/tenants")
def test_the_repository_example_tenants_are_valid() -> None:
    tenants = load_tenant_resources(EXAMPLES)

    assert tenants
    for name, spec in tenants:
        compile_tenant(name, spec, endpoint_base="http://127.0.0.1:8000", worker_address="w:1")
