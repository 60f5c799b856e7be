"""One local stack per test module, started with `tollgate dev` as a developer would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tollgate_cli.testing import DevStack, running_dev_stack

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    with pytest.MonkeyPatch.context() as env:
        # Spans leave each service only when it stops, so stopping the stack shows whether a
        # service loses what it still holds (test_dev_stack's Ctrl-C test reads them).
        env.setenv("OTEL_BSP_SCHEDULE_DELAY", "600000")
        with running_dev_stack(
            tmp_path_factory.mktemp("dev-stack"), tenants_dir=REPO / "examples" / "tenants"
        ) as stack:
            yield stack
