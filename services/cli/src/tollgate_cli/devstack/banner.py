"""What `tollgate dev` prints once the stack is up: per tenant its URL, key and client snippets."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from tollgate_cli.stack_file import StackInfo, TenantEndpoint


def tollgate_command() -> str:
    """Absolute path of the ``tollgate`` script, for configs that launch it (Claude Desktop)."""
    beside_python = Path(sys.executable).parent / "tollgate"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("tollgate") or "tollgate"


def client_snippets(tenant: TenantEndpoint) -> dict[str, str]:
    """Ready-to-paste configuration for Claude Code, Cursor and Claude Desktop."""
    auth = f"Bearer {tenant.api_key}"
    cursor = {
        "mcpServers": {tenant.name: {"url": tenant.mcp_url, "headers": {"Authorization": auth}}}
    }
    desktop = {
        "mcpServers": {
            tenant.name: {
                "command": tollgate_command(),
                "args": ["connect", tenant.mcp_url],
                "env": {"TOLLGATE_API_KEY": tenant.api_key},
            }
        }
    }
    return {
        "Claude Code": (
            f"claude mcp add --transport http {tenant.name} {tenant.mcp_url} "
            f'--header "Authorization: {auth}"'
        ),
        "Cursor (~/.cursor/mcp.json)": json.dumps(cursor, indent=2),
        "Claude Desktop (claude_desktop_config.json; stdio bridge)": json.dumps(desktop, indent=2),
    }


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def render_banner(info: StackInfo, *, started_in: float, state_dir: Path) -> str:
    lines = [
        f"Tollgate is up in {started_in:.1f} s. Logs: {state_dir / 'logs'}. Ctrl-C stops it.",
        f"Sign-in pages (OAuth) at {info.auth_url}; API keys: tollgate keys --help "
        f"(auth at {info.auth_address}). Connecting a client: docs/connect.md",
        "",
    ]
    for tenant in info.tenants.values():
        where = (
            f"simulated Odoo {tenant.simulator_version} at {tenant.odoo_url}"
            if tenant.simulator_version
            else f"Odoo at {tenant.odoo_url}"
        )
        lines.append(f"== {tenant.name} ({where})")
        lines.append(f"   MCP URL      {tenant.mcp_url}")
        if not tenant.api_key:
            lines.append("   (no dev API key: this tenant uses a real Odoo, not a simulator)")
            lines.append("")
            continue
        lines.append(f"   Dev API key  {tenant.api_key}   (Odoo user {tenant.odoo_login!r})")
        if tenant.odoo_api_key:
            lines.append(
                "   OAuth        add just the MCP URL to your client, then sign in with Odoo "
                f"login {tenant.odoo_login!r} and API key {tenant.odoo_api_key}"
            )
        for title, snippet in client_snippets(tenant).items():
            lines.append(f"   {title}:")
            lines.append(_indent(snippet, 5))
        lines.append("   Try it:")
        lines.append(
            f"     tollgate call search_records model=res.partner limit=3 --tenant {tenant.name}"
        )
        lines.append("")
    return "\n".join(lines)
