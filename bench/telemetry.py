"""The CPU cost of tracing: summed CPU time of every Tollgate process per tool call, with tracing
on (every span sampled and exported over OTLP) against tracing off, measured in the same run.

Starts two local stacks (`tollgate dev --free-ports`) side by side, one per mode, with an
OTLP/gRPC receiver inside this process standing in for the collector. After a warm-up, the stacks
take turns for ``ROUNDS`` rounds (so a busy machine slows both alike): each round sends ``CALLS``
sequential ``tools/call search_records`` requests (each carrying its own ``traceparent``, as an
instrumented client does) and reads the user+system CPU of front, auth, policy and the worker
from /proc before and after. The Odoo simulator's CPU is shown
apart: it is the stand-in for Odoo, not Tollgate.

"on":  OTEL_TRACES_SAMPLER=parentbased_always_on, OTLP export (BatchSpanProcessor) to the
       receiver; the dev stack also appends each span to its local traces file.
"off": OTEL_TRACES_SAMPLER=always_off (spans are not recorded, nothing is exported).
Metrics stay on in both modes (exported every 60 s, i.e. not within a round). Target: on/off
<= 1.15. Prints figures, asserts nothing.
"""

from __future__ import annotations

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
from tests.observability.otlp_receiver import otlp_receiver

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
ROUNDS = 10
CALLS = 100
WARMUP = 40
TICKS = os.sysconf("SC_CLK_TCK")

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
    """User + system CPU of ``pid`` so far (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_by_group(stack: DevStack) -> dict[str, float]:
    groups = {"tollgate": 0.0, "odoo-sim": 0.0}
    for name, pid in stack.info.pids.items():
        group = "odoo-sim" if name.startswith("odoo-") else "tollgate"
        groups[group] += cpu_seconds(pid)
    return groups


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


@contextmanager
def start_stack(stack_mode: str, endpoint: str, work: Path) -> Iterator[DevStack]:
    """The local stack for ``stack_mode`` (its processes inherit this environment at start)."""
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_TRACES_SAMPLER": "parentbased_always_on" if stack_mode == "on" else "always_off",
        "OTEL_LOGS_EXPORTER": "none",
        "TOLLGATE_AUTH_HTTP_PORT": "0",
    }
    tenants = work / "tenants"
    tenants.mkdir(exist_ok=True)
    (tenants / "bench.yaml").write_text(TENANT_YAML)
    state = Path(tempfile.mkdtemp(dir=work, prefix=f"{stack_mode}-"))
    with contextlib.ExitStack() as scope:
        with environment(env):
            stack = scope.enter_context(running_dev_stack(state, tenants_dir=tenants))
        yield stack


def main() -> None:
    modes = ("off", "on")
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    sim: dict[str, list[float]] = {m: [] for m in modes}
    wall: dict[str, list[float]] = {m: [] for m in modes}
    with (
        otlp_receiver() as (endpoint, received),
        tempfile.TemporaryDirectory() as tmp,
        contextlib.ExitStack() as stacks,
    ):
        # Both stacks run side by side and take turns, so a busy machine slows both alike.
        running = {m: stacks.enter_context(start_stack(m, endpoint, Path(tmp))) for m in modes}
        for mode in modes:
            asyncio.run(run_calls(running[mode].info.tenants[TENANT], WARMUP))
        for _ in range(ROUNDS):
            for mode in modes:
                stack = running[mode]
                before = cpu_by_group(stack)
                elapsed = asyncio.run(run_calls(stack.info.tenants[TENANT], CALLS))
                after = cpu_by_group(stack)
                cpu[mode].append((after["tollgate"] - before["tollgate"]) / CALLS * 1000)
                sim[mode].append((after["odoo-sim"] - before["odoo-sim"]) / CALLS * 1000)
                wall[mode].append(elapsed / CALLS * 1000)
        spans = len(received.spans())
    for mode in modes:
        print(
            f"tracing {mode:>3}: Tollgate CPU {statistics.median(cpu[mode]):6.2f} ms/call "
            f"(rounds: {', '.join(f'{v:.2f}' for v in cpu[mode])})  "
            f"simulator CPU {statistics.median(sim[mode]):5.2f} ms/call  "
            f"wall {statistics.median(wall[mode]):6.2f} ms/call"
        )
    per_call = spans / (ROUNDS * CALLS + WARMUP)
    print(f"spans received over OTLP (tracing on): {spans} ({per_call:.1f} per call)")
    total = sum(cpu["on"]) / sum(cpu["off"])
    paired = statistics.median(on / off for on, off in zip(cpu["on"], cpu["off"], strict=True))
    print(
        f"tracing on / off: {total:.3f} over all rounds (+{(total - 1) * 100:.1f}%), "
        f"median of paired rounds {paired:.3f}; target <= 1.15"
    )


if __name__ == "__main__":
    main()
