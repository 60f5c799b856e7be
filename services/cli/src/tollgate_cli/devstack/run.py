"""`tollgate dev`: plan the stack, write its files, start it, print how to connect, watch it."""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tollgate_cli.devstack.banner import render_banner
from tollgate_cli.devstack.plan import (
    DevStackError,
    Ports,
    ProcessSpec,
    StackPlan,
    build_plan,
    load_tenants,
)
from tollgate_cli.devstack.secrets import load_or_create
from tollgate_cli.devstack.supervisor import Supervisor
from tollgate_cli.stack_file import STACK_FILE

# Everything must be up within this time; `make dev` promises 30 seconds.
STARTUP_SECONDS = 30.0
INTERRUPTED = 130


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def prepare_stack(
    *, tenants_dir: Path, state_dir: Path, ports: Callable[[int], Ports], log_level: str
) -> StackPlan:
    """Load the tenants, keep or create the secrets, and write the files the services read."""
    tenants = load_tenants(tenants_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / STACK_FILE).unlink(missing_ok=True)  # written again once the stack is up
    secrets = load_or_create(state_dir, [t.name for t in tenants])
    plan = build_plan(
        tenants,
        ports=ports(len(tenants)),
        secrets=secrets,
        state_dir=state_dir,
        log_level=log_level,
    )
    check_ports(plan)
    tenants_out = state_dir / "tenants"
    if tenants_out.exists():
        shutil.rmtree(tenants_out)  # a tenant removed from the examples must not linger
    tenants_out.mkdir(parents=True)
    for relative, text in plan.files.items():
        (state_dir / relative).write_text(text, encoding="utf-8")
    return plan


def check_ports(plan: StackPlan) -> None:
    """Refuse to start when a port the stack needs is taken, naming the process and the port."""
    taken = []
    for spec in plan.processes:
        host, port = spec.ready.address
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As the servers do: a port in TIME_WAIT from the last run is free, a listener is not.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                taken.append(f"{spec.name} ({host}:{port})")
    if taken:
        raise DevStackError(
            "ports in use: " + ", ".join(taken) + ". Is another stack running? Stop it, or "
            "choose ports with --front-port/--grpc-port/--odoo-port, or use --free-ports."
        )


def _phases(plan: StackPlan) -> list[list[ProcessSpec]]:
    """Simulators first (workers look at Odoo's version), then the gRPC services, then the front."""
    simulators = [p for p in plan.processes if p.name.startswith("odoo-")]
    front = [p for p in plan.processes if p.name == "front"]
    middle = [p for p in plan.processes if p not in simulators and p not in front]
    return [phase for phase in (simulators, middle, front) if phase]


async def _start_all(supervisor: Supervisor, plan: StackPlan, stop: asyncio.Event) -> bool:
    """Start phase by phase within `STARTUP_SECONDS`; False when interrupted meanwhile."""
    deadline = time.monotonic() + STARTUP_SECONDS
    for phase in _phases(plan):
        remaining = max(1.0, deadline - time.monotonic())
        starting = {asyncio.create_task(supervisor.start(spec, remaining)) for spec in phase}
        interrupted = asyncio.create_task(stop.wait())
        try:
            while starting:
                done, _ = await asyncio.wait(
                    [*starting, interrupted], return_when=asyncio.FIRST_COMPLETED
                )
                if interrupted in done:
                    return False
                for task in done:
                    starting.discard(task)
                    task.result()  # re-raises a start-up failure
        finally:
            interrupted.cancel()
            for task in starting:
                task.cancel()
    return True


async def run_stack(plan: StackPlan, state_dir: Path) -> int:
    """Run ``plan`` until SIGINT/SIGTERM; reports processes that die meanwhile."""
    started = time.monotonic()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with Supervisor(state_dir / "logs", report=_say) as supervisor:
        if not await _start_all(supervisor, plan, stop):
            _say("interrupted while starting; stopping")
            return INTERRUPTED
        info = plan.info.model_copy(
            update={"pids": {r.spec.name: r.process.pid for r in supervisor.running}}
        )
        info.write(state_dir)
        print(render_banner(info, started_in=time.monotonic() - started, state_dir=state_dir))
        sys.stdout.flush()
        await supervisor.watch(stop)
        _say("stopping the stack")
    return 0
