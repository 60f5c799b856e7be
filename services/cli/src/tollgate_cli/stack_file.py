"""``stack.json``: what `tollgate dev` started, for `tollgate call`, tests and benchmarks.

Written with mode 0600 in the dev state directory: it holds the dev API keys in clear.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict

STACK_FILE = "stack.json"


class TenantEndpoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    mcp_url: str
    api_key: str
    odoo_url: str
    odoo_login: str
    # The simulator's demo key of odoo_login: what a person types on the OAuth sign-in page.
    odoo_api_key: str = ""
    simulator_version: str | None = None


class StackInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    front_url: str
    tenants: dict[str, TenantEndpoint]
    # auth's OAuth and sign-in pages, and its gRPC address (`tollgate keys`).
    auth_url: str = ""
    auth_address: str = ""
    pids: dict[str, int]

    def write(self, state_dir: Path) -> Path:
        path = state_dir / STACK_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(self.model_dump_json(indent=2))
        return path

    @classmethod
    def read(cls, state_dir: Path) -> StackInfo:
        return cls.model_validate(json.loads((state_dir / STACK_FILE).read_text(encoding="utf-8")))
