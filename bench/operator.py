"""Reconcile benchmark: 200 OdooTenants on KMock, time until all are Ready, operator memory.

The operator runs as its own process (``python -m tollgate_operator``), exactly as in a pod, so
its RSS is its own. This process serves the KMock API and plays the Deployment controller
(a worker Deployment reports its replicas available once it exists). The baseline, measured in
the same run against the same API, is this process writing the same number of objects directly:
the floor of the API work; the ratio says what the operator adds on top.

Run: ``uv run python bench/operator.py [--tenants 200]``.
"""

from __future__ import annotations

import sys

# This file shares its name with the standard library's `operator`: run as a script, its own
# folder comes first on the import path and would shadow it. Only `sys` is imported before this.
if sys.path and sys.path[0].rstrip("/").endswith("bench"):
    sys.path.pop(0)

import argparse
import asyncio
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from tollgate_operator import build
from tollgate_operator.status import condition
from tollgate_operator.testing import Api, StampingEmulator, running_cluster, write_kubeconfig

NAMESPACE = "bench"
CHILDREN_PER_TENANT = 6  # Secret, Service, NetworkPolicy, Deployment, PDB, config entry


def tenant(index: int) -> dict[str, Any]:
    return {
        "apiVersion": "tollgate.dev/v1alpha1",
        "kind": "OdooTenant",
        "metadata": {"name": f"t{index:04d}", "namespace": NAMESPACE},
        "spec": {
            "odoo": {"url": f"https://t{index}.odoo.example", "database": "prod"},
            "access": {"allowedEmails": [f"*@t{index}.example"]},
            "policy": {"models": [{"model": "res.partner", "allow": ["read", "write"]}]},
            "worker": {"replicas": 2},
        },
    }


async def play_deployment_controller(
    cluster: StampingEmulator, api: Api, stop: asyncio.Event
) -> None:
    """Mark every worker Deployment available at its current generation."""
    while not stop.is_set():
        for (resource, namespace, name), obj in list(cluster.objects.items()):
            if resource.plural != "deployments" or obj.deleted:
                continue
            raw = obj.raw
            generation = raw["metadata"].get("generation")
            status = raw.get("status") or {}
            if status.get("observedGeneration") == generation:
                continue
            replicas = raw["spec"]["replicas"]
            await api.patch(
                "Deployment",
                str(namespace),
                name,
                {
                    "status": {
                        "observedGeneration": generation,
                        "replicas": replicas,
                        "updatedReplicas": replicas,
                        "availableReplicas": replicas,
                    }
                },
                sub="status",
            )
        await asyncio.sleep(0.2)


def ready_count(cluster: StampingEmulator) -> int:
    count = 0
    for (resource, _, _), obj in list(cluster.objects.items()):
        if resource.plural != "odootenants" or obj.deleted:
            continue
        ready = condition((obj.raw.get("status") or {}).get("conditions") or [], "Ready")
        count += ready is not None and ready.get("status") == "True"
    return count


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def baseline(api: Api, tenants: int) -> float:
    """The same number of object writes, done directly by this process."""
    started = time.perf_counter()
    for index in range(tenants * CHILDREN_PER_TENANT):
        await api.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": f"baseline-{index}", "namespace": "baseline"},
                "data": {"key": "value"},
            }
        )
    return time.perf_counter() - started


async def measure_baseline(tenants: int) -> float:
    """On a KMock of its own, so its objects do not slow the operator's API (KMock scans)."""
    async with (
        running_cluster() as cluster,
        aiohttp.ClientSession(base_url=str(cluster.url).rstrip("/")) as session,
    ):
        return await baseline(Api(session), tenants)


async def main(tenants: int, limit: float) -> None:
    base = await measure_baseline(tenants)
    with (
        tempfile.TemporaryDirectory() as tmp,
        tempfile.NamedTemporaryFile(
            "w", prefix="bench-operator-", suffix=".log", delete=False
        ) as log,
    ):
        async with running_cluster() as cluster:
            server = str(cluster.url).rstrip("/")
            env = {
                **os.environ,
                "KUBECONFIG": str(write_kubeconfig(Path(tmp) / "kubeconfig", server)),
                "TOLLGATE_OPERATOR_ENDPOINT_BASE": "https://mcp.example.com",
                "TOLLGATE_OPERATOR_RELEASE_NAMESPACE": "tollgate",
                "TOLLGATE_OPERATOR_WORKER_IMAGE": "example.test/worker:1",
                "TOLLGATE_OPERATOR_LIVENESS_PORT": "0",
                "TOLLGATE_OPERATOR_LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            }
            async with aiohttp.ClientSession(base_url=server) as session:
                api = Api(session)
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "tollgate_operator",
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
                stop = asyncio.Event()
                controller = asyncio.create_task(play_deployment_controller(cluster, api, stop))
                try:
                    await asyncio.sleep(1.0)  # let the operator start and list (empty)
                    idle_rss = rss_mib(process.pid)
                    started = time.perf_counter()
                    requests_before = cluster.served
                    for index in range(tenants):
                        await api.create(tenant(index))
                    peak = idle_rss
                    while (ready := ready_count(cluster)) < tenants:
                        if process.returncode is not None:
                            raise SystemExit(f"operator exited; its log: {log.name}")
                        if time.perf_counter() - started > limit:
                            raise SystemExit(f"only {ready}/{tenants} Ready after {limit:.0f}s")
                        peak = max(peak, rss_mib(process.pid))
                        await asyncio.sleep(0.25)
                    elapsed = time.perf_counter() - started
                    settled_rss = rss_mib(process.pid)
                    # Every API request in that time, less the bench's own (creates, statuses).
                    requests = cluster.served - requests_before
                finally:
                    stop.set()
                    await controller
                    process.terminate()
                    await asyncio.wait_for(process.wait(), timeout=30)
    worker = build.child_name("t0000")
    print(
        json.dumps(
            {
                "tenants": tenants,
                "all_ready_seconds": round(elapsed, 2),
                "per_tenant_ms": round(1000 * elapsed / tenants, 1),
                "api_requests_per_tenant": round(requests / tenants, 1),
                "baseline_direct_writes_seconds": round(base, 2),
                "ratio_to_baseline": round(elapsed / base, 2),
                "operator_rss_mib": {
                    "idle": round(idle_rss, 1),
                    "peak": round(peak, 1),
                    "settled": round(settled_rss, 1),
                },
                "example_worker": worker,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--limit", type=float, default=600.0, help="give up after this many s")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.tenants, arguments.limit))
