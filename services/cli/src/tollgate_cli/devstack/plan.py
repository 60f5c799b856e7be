"""What the local stack is: its tenants, ports, processes and files, computed before anything runs.

Tenants come from ``OdooTenant`` resources (``examples/tenants/*.yaml``). A tenant annotated with
``tollgate.dev/simulator: "<series>"`` gets its own Odoo simulator, and its Odoo URL becomes that
simulator's; any other tenant keeps its real Odoo URL. Each tenant is compiled with the same
`compile_tenant` the operator uses and written to ``<state>/tenants/<name>.json``, which auth,
policy and the front all read.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from tollgate_common.telemetry import TRACES_FILE_VARIABLE
from tollgate_common.tenants import TenantConfig, TenantSpec, compile_tenant, parse_tenant_resource
from tollgate_common.tenants.registry import redefinition
from tollgate_common.tenants.resource import TenantSpecError, load_yaml_documents

from tollgate_cli.devstack.secrets import DevSecrets
from tollgate_cli.stack_file import StackInfo, TenantEndpoint

SIMULATOR_ANNOTATION = "tollgate.dev/simulator"
# The simulator's demo user the dev API keys act as (Odoo login "demo", a salesperson).
DEV_ODOO_LOGIN = "demo"
LOOPBACK = "127.0.0.1"


class DevStackError(Exception):
    """The stack cannot be planned or started; the message says why in one or two lines."""


@dataclass(frozen=True)
class Ports:
    """Where everything listens; ``workers`` and ``simulators`` have one port per tenant."""

    front: int
    auth: int
    policy: int
    workers: tuple[int, ...]
    simulators: tuple[int, ...]
    # auth's HTTP port: OAuth endpoints, sign-in and approver pages.
    auth_http: int = 0

    @classmethod
    def fixed(
        cls, tenants: int, *, front: int = 8000, grpc: int = 50051, odoo: int = 8069
    ) -> Ports:
        """The defaults people paste into clients: auth at ``grpc`` (its HTTP pages at
        ``front + 1``), policy next, workers from ``grpc + 10``, simulators from ``odoo``."""
        return cls(
            front=front,
            auth_http=front + 1,
            auth=grpc,
            policy=grpc + 1,
            workers=tuple(grpc + 10 + i for i in range(tenants)),
            simulators=tuple(odoo + i for i in range(tenants)),
        )

    @classmethod
    def free(cls, tenants: int) -> Ports:
        """Ports nobody listens on now (tests and benchmarks run beside a developer's stack)."""
        front, auth, policy, auth_http, *rest = _distinct_free_ports(4 + 2 * tenants)
        return cls(
            front=front,
            auth_http=auth_http,
            auth=auth,
            policy=policy,
            workers=tuple(rest[:tenants]),
            simulators=tuple(rest[tenants:]),
        )


def _distinct_free_ports(count: int) -> list[int]:
    """``count`` different free ports: the sockets stay bound until all are chosen."""
    with contextlib.ExitStack() as stack:
        sockets = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((LOOPBACK, 0))
            sockets.append(sock)
        return [int(sock.getsockname()[1]) for sock in sockets]


@dataclass(frozen=True)
class DevTenant:
    name: str
    spec: TenantSpec
    simulator: str | None  # Odoo series the simulator mimics, or None for a real Odoo


@dataclass(frozen=True)
class ReadyCheck:
    """How to tell a process is ready: a TCP port that accepts, or an HTTP URL answering 200."""

    address: tuple[str, int]
    http_path: str | None = None


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]
    env: Mapping[str, str]
    ready: ReadyCheck


@dataclass(frozen=True)
class StackPlan:
    processes: tuple[ProcessSpec, ...]
    configs: tuple[TenantConfig, ...]
    info: StackInfo
    files: Mapping[str, str] = field(default_factory=dict)


def load_tenants(directory: Path) -> list[DevTenant]:
    """Every ``OdooTenant`` in ``directory``/*.yaml; a bad file stops with its problems named."""
    paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not paths:
        raise DevStackError(f"no tenant files (*.yaml) in {directory}")
    tenants: dict[str, DevTenant] = {}
    origins: dict[str, str] = {}
    for path in paths:
        try:
            documents = load_yaml_documents(path.read_text(encoding="utf-8"), source=path.name)
            for document in documents:
                name, spec = parse_tenant_resource(document, source=path.name)
                if problem := redefinition(name, origins):
                    raise DevStackError(f"{path.name}: {problem}")
                origins[name] = path.name
                tenants[name] = DevTenant(name, spec, _simulator_series(document, path.name))
        except TenantSpecError as error:
            raise DevStackError(str(error)) from None
    return [tenants[name] for name in sorted(tenants)]


def _simulator_series(document: Mapping[str, Any], source: str) -> str | None:
    metadata = document.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    value = annotations.get(SIMULATOR_ANNOTATION) if isinstance(annotations, Mapping) else None
    if value is None:
        return None
    from tollgate_odoo_sim.versions import SUPPORTED

    series = str(value)
    if series not in SUPPORTED:
        raise DevStackError(
            f"{source}: metadata.annotations.{SIMULATOR_ANNOTATION}: {series!r} is not one of "
            f"{', '.join(sorted(SUPPORTED))}"
        )
    return series


def _demo_api_key(login: str) -> str:
    from tollgate_odoo_sim.addons.demo import DEMO_USERS

    for user in DEMO_USERS:
        if user.login == login:
            return user.api_key
    raise DevStackError(f"the simulator has no demo user {login!r}")


def _python_module(module: str) -> list[str]:
    return [sys.executable, "-m", module]


def build_plan(
    tenants: Sequence[DevTenant],
    *,
    ports: Ports,
    secrets: DevSecrets,
    state_dir: Path,
    log_level: str = "INFO",
) -> StackPlan:
    """The processes, compiled tenants and files of the stack (pure: nothing is written)."""
    front_url = f"http://{LOOPBACK}:{ports.front}"
    tenants_dir = state_dir / "tenants"
    dev_keys_file = state_dir / "dev-keys.yaml"
    processes: list[ProcessSpec] = []
    configs: list[TenantConfig] = []
    key_entries: list[dict[str, str]] = []
    endpoints: dict[str, TenantEndpoint] = {}
    # Every service appends its finished spans here; `tollgate trace` reads them.
    common_env = {
        "PYTHONUNBUFFERED": "1",
        TRACES_FILE_VARIABLE: str(state_dir.absolute() / "traces.jsonl"),
    }

    for index, tenant in enumerate(tenants):
        worker_port = ports.workers[index]
        spec = tenant.spec
        odoo_api_key = ""
        if tenant.simulator is not None:
            odoo_port = ports.simulators[index]
            odoo_url = f"http://{LOOPBACK}:{odoo_port}"
            spec = spec.model_copy(
                update={
                    "odoo": spec.odoo.model_copy(
                        update={"url": odoo_url, "allow_insecure_http": True}
                    )
                }
            )
            odoo_api_key = _demo_api_key(DEV_ODOO_LOGIN)
            processes.append(
                ProcessSpec(
                    name=f"odoo-{tenant.name}",
                    argv=[
                        *_python_module("tollgate_odoo_sim"),
                        "--host",
                        LOOPBACK,
                        "--port",
                        str(odoo_port),
                        "--odoo-version",
                        tenant.simulator,
                        "--database",
                        spec.odoo.database,
                        "--log-level",
                        "warning",
                    ],
                    env=common_env,
                    ready=ReadyCheck((LOOPBACK, odoo_port), "/web/health"),
                )
            )
        worker_key = secrets.worker_keys[tenant.name]
        config = compile_tenant(
            tenant.name,
            spec,
            endpoint_base=front_url,
            worker_address=f"{LOOPBACK}:{worker_port}",
            worker_public_key=worker_key.public_key.to_base64(),
        )
        configs.append(config)
        processes.append(
            ProcessSpec(
                name=f"worker-{tenant.name}",
                argv=_python_module("tollgate_worker"),
                env={
                    **common_env,
                    "TOLLGATE_WORKER_HOST": LOOPBACK,
                    "TOLLGATE_WORKER_PORT": str(worker_port),
                    "TOLLGATE_WORKER_TENANT": tenant.name,
                    "TOLLGATE_WORKER_ODOO_URL": config.odoo.url,
                    "TOLLGATE_WORKER_ODOO_DATABASE": config.odoo.database,
                    "TOLLGATE_WORKER_ODOO_PROTOCOL": config.odoo.protocol,
                    "TOLLGATE_WORKER_ODOO_VERIFY_TLS": str(config.odoo.verify_tls).lower(),
                    "TOLLGATE_WORKER_ODOO_TIMEOUT": str(config.odoo.timeout_seconds),
                    "TOLLGATE_WORKER_PRIVATE_KEYS": worker_key.to_base64(),
                    "TOLLGATE_WORKER_LOG_LEVEL": log_level,
                },
                ready=ReadyCheck((LOOPBACK, worker_port)),
            )
        )
        api_key = secrets.api_keys[tenant.name]
        if odoo_api_key:
            key_entries.append(
                {
                    "key_sha256": hashlib.sha256(api_key.encode()).hexdigest(),
                    "tenant": tenant.name,
                    "email": f"{DEV_ODOO_LOGIN}@{tenant.name}.example",
                    "name": f"Dev user of {tenant.name}",
                    "odoo_login": DEV_ODOO_LOGIN,
                    "odoo_api_key": odoo_api_key,
                }
            )
        endpoints[tenant.name] = TenantEndpoint(
            name=tenant.name,
            mcp_url=config.endpoint,
            api_key=api_key if odoo_api_key else "",
            odoo_url=config.odoo.url,
            odoo_login=DEV_ODOO_LOGIN if odoo_api_key else "",
            odoo_api_key=odoo_api_key,
            simulator_version=tenant.simulator,
        )

    shared = {"TENANTS_DIR": str(tenants_dir), "LOG_LEVEL": log_level, "HOST": LOOPBACK}
    auth_http = f"http://{LOOPBACK}:{ports.auth_http}"
    processes.append(
        ProcessSpec(
            name="auth",
            argv=_python_module("tollgate_auth"),
            env={
                **common_env,
                **{f"TOLLGATE_AUTH_{k}": v for k, v in shared.items()},
                "TOLLGATE_AUTH_PORT": str(ports.auth),
                "TOLLGATE_AUTH_DEV_KEYS_FILE": str(dev_keys_file),
                "TOLLGATE_AUTH_HTTP_HOST": LOOPBACK,
                "TOLLGATE_AUTH_HTTP_PORT": str(ports.auth_http),
                "TOLLGATE_AUTH_ISSUER_BASE": auth_http,
                # The approver pages (/t/<tenant>/approvals) ask policy.
                "TOLLGATE_AUTH_POLICY_ADDRESS": f"{LOOPBACK}:{ports.policy}",
            },
            ready=ReadyCheck((LOOPBACK, ports.auth)),
        )
    )
    processes.append(
        ProcessSpec(
            name="policy",
            argv=_python_module("tollgate_policy"),
            env={
                **common_env,
                **{f"TOLLGATE_POLICY_{k}": v for k, v in shared.items()},
                "TOLLGATE_POLICY_PORT": str(ports.policy),
                "TOLLGATE_POLICY_STORE_URL": "memory://",
                "TOLLGATE_POLICY_APPROVALS_URL": f"{auth_http}/t/{{tenant}}/approvals",
            },
            ready=ReadyCheck((LOOPBACK, ports.policy)),
        )
    )
    processes.append(
        ProcessSpec(
            name="front",
            argv=_python_module("tollgate_front"),
            env={
                **common_env,
                **{f"TOLLGATE_FRONT_{k}": v for k, v in shared.items()},
                "TOLLGATE_FRONT_PORT": str(ports.front),
                "TOLLGATE_FRONT_AUTH_ADDRESS": f"{LOOPBACK}:{ports.auth}",
                "TOLLGATE_FRONT_POLICY_ADDRESS": f"{LOOPBACK}:{ports.policy}",
            },
            ready=ReadyCheck((LOOPBACK, ports.front), "/health"),
        )
    )
    files = {f"tenants/{config.name}.json": config.to_json() for config in configs}
    files[dev_keys_file.name] = yaml.safe_dump({"keys": key_entries}, sort_keys=False)
    return StackPlan(
        processes=tuple(processes),
        configs=tuple(configs),
        info=StackInfo(
            front_url=front_url,
            auth_url=auth_http,
            auth_address=f"{LOOPBACK}:{ports.auth}",
            tenants=endpoints,
            pids={},
        ),
        files=files,
    )
