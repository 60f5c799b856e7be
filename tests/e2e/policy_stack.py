"""A local stack for the governance tests: the dev stack's own plan (simulator, worker, auth,
policy, front as processes), with policy on a private redis-server, the approver pages on, and a
second dev key for the approver.

Processes are started from `prepare_stack`'s plan so they run exactly as `tollgate dev` runs
them; only what these tests need is added to their environment.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import mcp_types
import yaml
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from tollgate_cli.devstack.plan import Ports, ProcessSpec, ReadyCheck
from tollgate_cli.devstack.run import prepare_stack
from tollgate_cli.remote import auth_headers, connect
from tollgate_common.testing import free_port
from tollgate_odoo_sim.addons.demo import DEMO_USERS

TENANT = "gov"
APPROVER_EMAIL = f"admin@{TENANT}.example"
TENANT_YAML = f"""
apiVersion: tollgate.dev/v1alpha1
kind: OdooTenant
metadata:
  name: {TENANT}
  annotations: {{tollgate.dev/simulator: "18.0"}}
spec:
  odoo: {{url: "http://127.0.0.1:8069", database: odoo, allowInsecureHttp: true}}
  access: {{mode: readWrite, allowedEmails: ["*@{TENANT}.example"]}}
  policy:
    defaultModelAccess: deny
    models:
      - {{model: res.partner, allow: [read, create, write, unlink], denyFields: [vat]}}
    tools: {{deny: [export_records], confirm: [create_records]}}
    approvals:
      tools: [update_records, delete_records]
      approvers: ["{APPROVER_EMAIL}"]
"""


@dataclass
class GovStack:
    mcp_url: str
    api_key: str
    approver_key: str
    auth_url: str
    policy_address: str
    odoo_url: str
    redis_port: int
    redis_binary: str
    redis_dir: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)
    redis: subprocess.Popen[bytes] | None = None

    @property
    def approvals_url(self) -> str:
        return f"{self.auth_url}/t/{TENANT}/approvals"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    def odoo_requests(self) -> int:
        with urllib.request.urlopen(f"{self.odoo_url}/_sim/stats", timeout=5) as answer:
            return int(json.load(answer)["requests"])

    def call(self, tool: str, arguments: dict[str, Any]) -> tuple[bool, Any, str]:
        """One MCP tool call with the requester's key: (is_error, structured, text)."""

        async def go() -> tuple[bool, Any, str]:
            async with connect(self.mcp_url, self.api_key) as client:
                result = await client.call_tool(tool, arguments)
            text = " ".join(getattr(c, "text", "") for c in result.content)
            return bool(result.is_error), result.structured_content, text

        # In a thread of its own: Playwright's sync API keeps an event loop in this one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, go()).result()

    def call_asking(
        self, tool: str, arguments: dict[str, Any], *, accept: bool
    ) -> tuple[bool, str, list[str]]:
        """A call from a 2026-07-28 client that answers elicitations (accept or decline) in the
        input-required round trip: (is_error, text, the questions it was asked)."""
        asked: list[str] = []

        async def answer(context: Any, params: Any) -> mcp_types.ElicitResult:
            asked.append(params.message)
            if accept:
                return mcp_types.ElicitResult(action="accept", content={"confirm": True})
            return mcp_types.ElicitResult(action="decline")

        async def go() -> tuple[bool, str, list[str]]:
            async with (
                create_mcp_http_client(headers=auth_headers(self.api_key)) as http,
                Client(
                    streamable_http_client(self.mcp_url, http_client=http),
                    elicitation_callback=answer,
                ) as client,
            ):
                result = await client.call_tool(tool, arguments)
            text = " ".join(getattr(c, "text", "") for c in result.content)
            return bool(result.is_error), text, asked

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, go()).result()

    # redis, started and stopped by the tests --------------------------------------------------
    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [
                self.redis_binary,
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.redis_dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_tcp(("127.0.0.1", self.redis_port), 10)

    def stop_redis(self) -> None:
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait(timeout=10)


def _wait_tcp(address: tuple[str, int], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(address, timeout=0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {address[0]}:{address[1]} after {within} s")


def _wait_ready(check: ReadyCheck, process: subprocess.Popen[bytes], within: float) -> None:
    deadline = time.monotonic() + within
    host, port = check.address
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with status {process.returncode}")
        with contextlib.suppress(OSError):
            if check.http_path is None:
                with socket.create_connection((host, port), timeout=0.2):
                    return
            else:
                url = f"http://{host}:{port}{check.http_path}"
                with urllib.request.urlopen(url, timeout=0.5) as answer:
                    if answer.status == 200:
                        return
        time.sleep(0.05)
    raise RuntimeError(f"{process.args} was not ready after {within} s")


def _dev_key(key: str, email: str, login: str) -> dict[str, str]:
    user = next(u for u in DEMO_USERS if u.login == login)
    return {
        "key_sha256": hashlib.sha256(key.encode()).hexdigest(),
        "tenant": TENANT,
        "email": email,
        "name": f"{login} of {TENANT}",
        "odoo_login": login,
        "odoo_api_key": user.api_key,
    }


@contextlib.contextmanager
def running_gov_stack() -> Iterator[GovStack]:
    redis_binary = shutil.which("redis-server")
    if redis_binary is None:
        raise RuntimeError("redis-server is not installed")
    work = Path(tempfile.mkdtemp(prefix="tollgate-gov-"))
    tenants_dir = work / "tenants-in"
    tenants_dir.mkdir()
    (tenants_dir / f"{TENANT}.yaml").write_text(TENANT_YAML)
    state_dir = work / "state"
    plan = prepare_stack(
        tenants_dir=tenants_dir, state_dir=state_dir, ports=Ports.free, log_level="WARNING"
    )
    endpoint = plan.info.tenants[TENANT]
    approver_key = "tg_dev_approver_" + hashlib.sha256(os.urandom(16)).hexdigest()[:24]
    keys_file = state_dir / "dev-keys.yaml"
    keys = yaml.safe_load(keys_file.read_text())
    keys["keys"].append(_dev_key(approver_key, APPROVER_EMAIL, "admin"))
    keys_file.write_text(yaml.safe_dump(keys, sort_keys=False))

    by_name = {spec.name: spec for spec in plan.processes}
    auth_http = free_port()
    policy_port = int(by_name["policy"].env["TOLLGATE_POLICY_PORT"])
    stack = GovStack(
        mcp_url=endpoint.mcp_url,
        api_key=endpoint.api_key,
        approver_key=approver_key,
        auth_url=f"http://127.0.0.1:{auth_http}",
        policy_address=f"127.0.0.1:{policy_port}",
        odoo_url=endpoint.odoo_url,
        redis_port=free_port(),
        redis_binary=redis_binary,
        redis_dir=str(work),
    )
    extra = {
        "auth": {
            "TOLLGATE_AUTH_HTTP_PORT": str(auth_http),
            "TOLLGATE_AUTH_POLICY_ADDRESS": stack.policy_address,
        },
        "policy": {
            "TOLLGATE_POLICY_STORE_URL": stack.redis_url,
            "TOLLGATE_POLICY_APPROVALS_URL": f"{stack.auth_url}/t/{{tenant}}/approvals",
        },
    }
    logs = work / "logs"
    logs.mkdir()
    try:
        stack.start_redis()
        phases: list[list[ProcessSpec]] = [
            [p for p in plan.processes if p.name.startswith("odoo-")],
            [
                p
                for p in plan.processes
                if p.name.startswith("worker-") or p.name in ("auth", "policy")
            ],
            [p for p in plan.processes if p.name == "front"],
        ]
        for phase in phases:
            for spec in phase:
                env = {**os.environ, **spec.env, **extra.get(spec.name, {})}
                log = (logs / f"{spec.name}.log").open("wb")
                stack.logs.append(log)
                stack.processes[spec.name] = subprocess.Popen(
                    list(spec.argv), env=env, stdout=log, stderr=subprocess.STDOUT
                )
            for spec in phase:
                _wait_ready(spec.ready, stack.processes[spec.name], 30)
        _wait_tcp(("127.0.0.1", auth_http), 10)
        yield stack
    finally:
        for process in reversed(list(stack.processes.values())):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in stack.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stack.stop_redis()
        for log in stack.logs:
            log.close()
        if not os.environ.get("TOLLGATE_KEEP_GOV_STACK"):
            shutil.rmtree(work, ignore_errors=True)
