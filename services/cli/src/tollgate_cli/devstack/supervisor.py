"""Run the stack's processes: start them in order, wait until each is ready, watch, stop them all.

Each process writes to its own log file (``<state>/logs/<name>.log``) and runs in its own session,
so Ctrl-C reaches only `tollgate dev`, which then stops the processes itself, front first. A
process that exits while the stack runs is reported with the end of its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from tollgate_cli.devstack.plan import DevStackError, ProcessSpec, ReadyCheck

LOG_TAIL_LINES = 12
# Longer than the front's own graceful shutdown (5 s of draining connections) plus its final
# span flush: with the two equal, a slow stop was killed before the last spans were written.
STOP_GRACE_SECONDS = 10.0


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def describe_exit(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with status {returncode}"


@dataclass
class Running:
    spec: ProcessSpec
    process: asyncio.subprocess.Process
    log_path: Path


class Supervisor:
    """Owns the processes of one stack; use ``async with`` so they are always stopped."""

    def __init__(self, log_dir: Path, *, report: Callable[[str], None]) -> None:
        self.log_dir = log_dir
        self.report = report
        self.running: list[Running] = []

    async def start(self, spec: ProcessSpec, ready_within: float) -> Running:
        """Start ``spec`` and wait (at most ``ready_within`` seconds) until it is ready; a process
        that exits first is an error."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{spec.name}.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                *spec.argv,
                env={**os.environ, **spec.env},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        running = Running(spec, process, log_path)
        self.running.append(running)
        await self._wait_ready(running, ready_within)
        return running

    async def _wait_ready(self, running: Running, ready_within: float) -> None:
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if running.process.returncode is not None:
                raise DevStackError(
                    f"{running.spec.name} {describe_exit(running.process.returncode)} "
                    f"while starting:\n{log_tail(running.log_path)}"
                )
            if await _is_ready(running.spec.ready):
                return
            await asyncio.sleep(0.05)
        raise DevStackError(
            f"{running.spec.name} was not ready after {ready_within:.0f} s "
            f"(log: {running.log_path}):\n{log_tail(running.log_path)}"
        )

    async def watch(self, stop: asyncio.Event) -> None:
        """Until ``stop`` is set: report every process that exits (once)."""
        reported: set[str] = set()
        waiters = {asyncio.create_task(r.process.wait()): r for r in self.running if r.spec.name}
        stop_waiter = asyncio.create_task(stop.wait())
        try:
            while not stop.is_set():
                done, _ = await asyncio.wait(
                    [stop_waiter, *waiters], return_when=asyncio.FIRST_COMPLETED
                )
                for task in done:
                    running = waiters.pop(task, None)
                    if running is None or running.spec.name in reported:
                        continue
                    reported.add(running.spec.name)
                    self.report(
                        f"!! {running.spec.name} {describe_exit(running.process.returncode)}; "
                        "the rest of the stack keeps running. Last lines of "
                        f"{running.log_path}:\n{log_tail(running.log_path)}"
                    )
        finally:
            stop_waiter.cancel()
            for task in waiters:
                task.cancel()

    async def stop_all(self) -> None:
        """SIGTERM in reverse start order (front first), then SIGKILL after a grace period."""
        for running in reversed(self.running):
            if running.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    running.process.send_signal(signal.SIGTERM)
        for running in reversed(self.running):
            try:
                await asyncio.wait_for(running.process.wait(), STOP_GRACE_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    running.process.kill()
                await running.process.wait()
        self.running.clear()

    async def __aenter__(self) -> Supervisor:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.shield(self.stop_all())


async def _is_ready(check: ReadyCheck) -> bool:
    host, port = check.address
    if check.http_path is None:
        try:
            _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
        except (OSError, TimeoutError):
            return False
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True
    try:
        async with httpx.AsyncClient(timeout=1.0) as client:
            response = await client.get(f"http://{host}:{port}{check.http_path}")
    except httpx.HTTPError:
        return False
    return response.status_code == 200
