"""The CPU cost of telemetry: summed CPU time of every Tollgate process per tool call with
telemetry on (every span sampled and exported over OTLP, metrics and audit logs exported too)
against telemetry off (``OTEL_SDK_DISABLED=true``), measured in the same run.

Starts one local stack (`tollgate dev --free-ports`) per mode, side by side, each "on" stack with
its own OTLP/gRPC receiver inside this process standing in for the collector (the receiver's CPU
is the collector's, not Tollgate's). After a warm-up, the stacks take turns for ``--rounds``
rounds, each round starting with the next mode in turn (so a busy machine slows them alike and no
mode always runs right after the same other one): each round sends ``--calls`` sequential
``tools/call search_records`` requests (each carrying its own ``traceparent``, as an instrumented
client does) and reads the CPU time of every thread of front, auth, policy and the worker from
/proc/<pid>/task/*/schedstat (nanoseconds, not 10 ms clock ticks) before and after. The Odoo
simulator's CPU is shown apart: it is the stand-in for Odoo, not Tollgate.

Modes:
  off   OTEL_SDK_DISABLED=true: no SDK, API no-ops (trace context still crosses the hops).
  on    production: parent-based 100 % sampling, OTLP export of spans (BatchSpanProcessor),
        metrics and audit logs; OTEL_TRACES_EXPORTER=otlp, so no dev trace file.
  file  what ``tollgate dev`` does: "on" plus every span appended to the local traces file.
  untraced  "on" with no span sampled or exported (OTEL_TRACES_SAMPLER=always_off): metrics,
        audit logs and trace context on every hop stay, so on/untraced is tracing's own share.

Prints per mode the median CPU ms/call with the rounds' range, each process's median share, the
ratio of each mode to off (over all rounds, and the median and range of the paired rounds'
ratios), on/untraced when both ran, and spans per call received.
Target (issue 8): on/off <= 1.15. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tollgate_cli.stack_file import TenantEndpoint
from tollgate_cli.testing import DevStack, mcp_headers, mcp_request, running_dev_stack

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.observability.otlp_receiver import Received, otlp_receiver

TENANT = "bench"
TENANT_YAML = """
apiVersion: tollgate.dev/v1alpha1
kind: OdooTenant
metadata:
  name: bench
  annotations: {tollgate.dev/simulator: "18.0"}
spec:
  odoo: {url: "http://127.0.0.1:8069", database: odoo, allowInsecureHttp: true}
  access: {mode: readOnly, allowedEmails: ["*"]}
  policy:
    models: [{model: res.partner, allow: [read]}]
"""
# Many short rounds: the machine's speed drifts within a run, and short rounds pair better.
ROUNDS = 90
CALLS = 30
WARMUP = 60

BODY = mcp_request(
    "tools/call",
    {
        "name": "search_records",
        "arguments": {
            "model": "res.partner",
            "domain": [["is_company", "=", True]],
            "fields": ["name", "email", "city"],
            "limit": 10,
        },
    },
)


def cpu_seconds(pid: int) -> float:
    """CPU time of every live thread of ``pid`` so far (first field of each task's schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def cpu_by_process(stack: DevStack) -> dict[str, float]:
    """CPU seconds so far of each process, by the stack's name for it; the Odoo simulator's
    processes (``odoo-*``) are summed as one."""
    seconds: dict[str, float] = {}
    for name, pid in stack.info.pids.items():
        key = "odoo-sim" if name.startswith("odoo-") else name
        seconds[key] = seconds.get(key, 0.0) + cpu_seconds(pid)
    return seconds


async def run_calls(tenant: TenantEndpoint, count: int) -> float:
    headers = mcp_headers(tenant, "tools/call", "search_records")
    started = time.perf_counter()
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(count):
            traceparent = f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01"
            response = await client.post(
                tenant.mcp_url, json=BODY, headers={**headers, "traceparent": traceparent}
            )
            if response.status_code != 200 or response.json().get("result", {}).get("isError"):
                raise RuntimeError(f"call failed: {response.status_code} {response.text[:300]}")
    return time.perf_counter() - started


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    previous = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def mode_environment(mode: str, endpoint: str) -> dict[str, str]:
    if mode == "off":
        return {"OTEL_SDK_DISABLED": "true"}
    env = {
        "OTEL_SDK_DISABLED": "false",
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_TRACES_SAMPLER": "parentbased_always_on",
    }
    if mode == "untraced":
        return {**env, "OTEL_TRACES_EXPORTER": "none", "OTEL_TRACES_SAMPLER": "always_off"}
    # "on" names its exporter, which leaves the dev stack's traces file out.
    return {**env, "OTEL_TRACES_EXPORTER": "otlp"} if mode == "on" else env


@contextmanager
def start_stack(mode: str, endpoint: str, work: Path) -> Iterator[DevStack]:
    """The local stack for ``mode`` (its processes inherit this environment at start)."""
    tenants = work / "tenants"
    tenants.mkdir(exist_ok=True)
    (tenants / "bench.yaml").write_text(TENANT_YAML)
    state = Path(tempfile.mkdtemp(dir=work, prefix=f"{mode}-"))
    env = {**mode_environment(mode, endpoint), "TOLLGATE_AUTH_HTTP_PORT": "0"}
    with contextlib.ExitStack() as scope:
        with environment(env):
            stack = scope.enter_context(running_dev_stack(state, tenants_dir=tenants))
        yield stack


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):6.2f} ({min(values):.2f}..{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--calls", type=int, default=CALLS, help="calls per round and mode")
    parser.add_argument(
        "--modes",
        default="off,on,file",
        help="comma-separated: off (first), on, file, untraced",
    )
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or modes[0] != "off" or not set(modes) <= {"off", "on", "file", "untraced"}:
        parser.error("--modes: off first, then on, file and/or untraced")
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    sim: dict[str, list[float]] = {m: [] for m in modes}
    by_process: dict[str, dict[str, list[float]]] = {m: {} for m in modes}
    wall: dict[str, list[float]] = {m: [] for m in modes}
    received: dict[str, Received] = {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as scope:
        running: dict[str, DevStack] = {}
        for mode in modes:
            endpoint = ""
            if mode != "off":
                endpoint, received[mode] = scope.enter_context(otlp_receiver())
            running[mode] = scope.enter_context(start_stack(mode, endpoint, Path(tmp)))
        for mode in modes:
            asyncio.run(run_calls(running[mode].info.tenants[TENANT], WARMUP))
        for round_number in range(args.rounds):
            # Each round starts with the next mode, so no mode always follows the same other one
            # (a stack that just ran leaves the caches warm for itself, cold for the next).
            shift = round_number % len(modes)
            for mode in modes[shift:] + modes[:shift]:
                stack = running[mode]
                before = cpu_by_process(stack)
                elapsed = asyncio.run(run_calls(stack.info.tenants[TENANT], args.calls))
                after = cpu_by_process(stack)
                per_call = {k: (after[k] - before[k]) / args.calls * 1000 for k in after}
                for name, value in per_call.items():
                    by_process[mode].setdefault(name, []).append(value)
                sim[mode].append(per_call.pop("odoo-sim", 0.0))
                cpu[mode].append(sum(per_call.values()))
                wall[mode].append(elapsed / args.calls * 1000)
    # Counted once the stacks have stopped, which flushes the spans still queued for export.
    spans = {mode: len(r.spans()) for mode, r in received.items()}
    total_calls = args.rounds * args.calls + WARMUP
    print(f"{args.rounds} rounds x {args.calls} calls per mode; CPU ms/call: median (range)")
    for mode in modes:
        extra = f"  spans/call {spans[mode] / total_calls:.1f}" if mode in spans else ""
        print(
            f"{mode:>4}: Tollgate CPU {spread(cpu[mode])}  simulator CPU "
            f"{statistics.median(sim[mode]):5.2f}  wall {statistics.median(wall[mode]):6.2f}"
            f"{extra}"
        )
    names = sorted(name for name in by_process["off"] if name != "odoo-sim")
    print(
        "median CPU ms/call by process: "
        + ", ".join(
            f"{mode} "
            + " ".join(f"{name}={statistics.median(by_process[mode][name]):.2f}" for name in names)
            for mode in modes
        )
    )
    for mode in modes[1:]:
        target = "; target <= 1.15" if mode == "on" else ""
        print(f"{mode}/off: {ratio(cpu[mode], cpu['off'])}{target}")
    if {"on", "untraced"} <= set(modes):
        print(f"on/untraced (tracing's own share): {ratio(cpu['on'], cpu['untraced'])}")


def ratio(numerator: list[float], denominator: list[float]) -> str:
    """The ratio over all rounds, and the median and range of the paired rounds' ratios."""
    total = sum(numerator) / sum(denominator)
    paired = [a / b for a, b in zip(numerator, denominator, strict=True)]
    return (
        f"{total:.3f} over all rounds (+{(total - 1) * 100:.1f}%), paired rounds "
        f"median {statistics.median(paired):.3f} ({min(paired):.3f}..{max(paired):.3f})"
    )


if __name__ == "__main__":
    main()
