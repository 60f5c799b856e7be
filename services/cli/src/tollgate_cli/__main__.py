"""``tollgate``: run the local stack, call a tool, bridge a stdio-only MCP client to a tenant."""

from __future__ import annotations

import asyncio
import json
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import anyio
import httpx2
import typer
from mcp import MCPError
from mcp_types import TextContent

from tollgate_cli.audit import audit_app
from tollgate_cli.bridge import run_bridge
from tollgate_cli.devstack.plan import DevStackError, Ports
from tollgate_cli.devstack.run import prepare_stack, run_stack
from tollgate_cli.keys import keys_app
from tollgate_cli.remote import PROTOCOLS, Protocol, connect, parse_arguments
from tollgate_cli.stack_file import StackInfo
from tollgate_cli.trace import trace_command

app = typer.Typer(
    name="tollgate",
    help="Tollgate: a governed MCP gateway in front of Odoo.",
    no_args_is_help=True,
    add_completion=False,
)

app.add_typer(keys_app)

StateDir = Annotated[
    Path, typer.Option(help="Where the local stack keeps its files (keys, tenants, logs).")
]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"tollgate: {message}", err=True)
    return typer.Exit(1)


@app.command()
def dev(
    tenants_dir: Annotated[
        Path, typer.Option(help="Directory of OdooTenant resources (*.yaml) to load.")
    ] = Path("examples/tenants"),
    state_dir: StateDir = Path(".dev"),
    front_port: Annotated[int, typer.Option(help="HTTP port of the MCP front.")] = 8000,
    grpc_port: Annotated[
        int, typer.Option(help="gRPC port of auth; policy uses the next, workers from +10.")
    ] = 50051,
    odoo_port: Annotated[int, typer.Option(help="Port of the first Odoo simulator.")] = 8069,
    free_ports: Annotated[
        bool, typer.Option("--free-ports", help="Pick free ports for everything instead.")
    ] = False,
    log_level: Annotated[str, typer.Option(help="Log level of the services.")] = "INFO",
) -> None:
    """Run the Odoo simulators and every service locally; Ctrl-C stops them all."""
    ports = (
        Ports.free
        if free_ports
        else partial(Ports.fixed, front=front_port, grpc=grpc_port, odoo=odoo_port)
    )
    try:
        plan = prepare_stack(
            tenants_dir=tenants_dir, state_dir=state_dir, ports=ports, log_level=log_level.upper()
        )
        status = asyncio.run(run_stack(plan, state_dir))
    except DevStackError as error:
        raise _fail(str(error)) from None
    raise typer.Exit(status)


def _endpoint(
    url: str | None, key: str | None, tenant: str | None, state_dir: Path
) -> tuple[str, str]:
    """The URL and key to use: the given ones, else the local stack's (first tenant unless
    ``tenant`` says)."""
    if url is not None:
        return url, key or ""
    try:
        info = StackInfo.read(state_dir)
    except (OSError, ValueError):
        raise _fail(
            "no --url given and no local stack found; start one with `make dev` "
            "or pass --url and --key"
        ) from None
    name = tenant or next(iter(info.tenants), None)
    endpoint = info.tenants.get(name or "")
    if endpoint is None:
        raise _fail(f"the local stack has no tenant {name!r} (it has {', '.join(info.tenants)})")
    return endpoint.mcp_url, key or endpoint.api_key


async def _call(
    url: str, key: str, protocol: Protocol, tool: str, arguments: dict[str, Any]
) -> int:
    async with connect(url, key, protocol=protocol) as client:
        result = await client.call_tool(tool, arguments)
    texts = [block.text for block in result.content if isinstance(block, TextContent)]
    if result.is_error:
        typer.echo("\n".join(texts) or "the tool failed without saying why", err=True)
        return 1
    if result.structured_content is not None:
        typer.echo(json.dumps(result.structured_content, indent=2, ensure_ascii=False))
    else:
        typer.echo("\n".join(texts))
    return 0


@app.command()
def call(
    tool: Annotated[str, typer.Argument(help="Tool name, e.g. search_records.")],
    arguments: Annotated[
        list[str] | None,
        typer.Argument(help="key=value pairs; JSON values allowed (limit=5, domain='[...]')."),
    ] = None,
    url: Annotated[
        str | None, typer.Option(envvar="TOLLGATE_URL", help="The tenant's MCP URL.")
    ] = None,
    key: Annotated[
        str | None, typer.Option(envvar="TOLLGATE_API_KEY", help="API key for the tenant.")
    ] = None,
    tenant: Annotated[
        str | None, typer.Option(help="Tenant of the running local stack (without --url).")
    ] = None,
    protocol: Annotated[
        str, typer.Option(help=f"MCP protocol revision: {' or '.join(PROTOCOLS)}.")
    ] = PROTOCOLS[0],
    state_dir: StateDir = Path(".dev"),
) -> None:
    """Call one tool and print its structured result as JSON."""
    if protocol not in PROTOCOLS:
        raise _fail(f"--protocol must be {' or '.join(PROTOCOLS)}, not {protocol!r}")
    try:
        parsed = parse_arguments(arguments or [])
    except ValueError as error:
        raise _fail(str(error)) from None
    target, api_key = _endpoint(url, key, tenant, state_dir)
    try:
        status = anyio.run(_call, target, api_key, protocol, tool, parsed)
    except* httpx2.HTTPError as group:
        raise _fail(f"cannot reach {target}: {group.exceptions[0]}") from None
    except* MCPError as group:
        raise _fail(f"{target} refused the request: {group.exceptions[0]}") from None
    raise typer.Exit(status)


@app.command(name="connect")
def connect_command(
    url: Annotated[str, typer.Argument(help="The tenant's MCP URL (…/t/<tenant>/mcp).")],
    key: Annotated[
        str, typer.Option(envvar="TOLLGATE_API_KEY", help="API key for the tenant.")
    ] = "",
) -> None:
    """Bridge stdio to a tenant's MCP URL, for clients that can only start a local command."""
    anyio.run(run_bridge, url, key)


app.command(name="trace")(trace_command)
app.add_typer(audit_app)


def main() -> None:
    app(prog_name="tollgate")


if __name__ == "__main__":
    main()
