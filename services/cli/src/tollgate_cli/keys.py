"""``tollgate keys``: API-key connections for server-to-server use (CI jobs, Claude Code).

Talks to auth's gRPC API (``--auth-address``, default the local stack's). A new or rotated key is
printed once and never again: auth keeps only its hash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from tollgate.v1 import auth_pb2, auth_pb2_grpc

from tollgate_cli.durations import duration_seconds
from tollgate_cli.rpc import run_rpc

keys_app = typer.Typer(
    name="keys",
    help="API-key connections (create, list, rotate, revoke) and revoking a person.",
    no_args_is_help=True,
    add_completion=False,
)

T = TypeVar("T")

AuthAddress = Annotated[
    str,
    typer.Option(
        envvar="TOLLGATE_AUTH_ADDRESS",
        help="host:port of auth's gRPC API (the local stack's by default).",
    ),
]
Tenant = Annotated[str, typer.Option(help="The tenant the key belongs to.")]
KeyId = Annotated[str, typer.Argument(help="The key's id (see `tollgate keys list`).")]

DEFAULT_ADDRESS = "127.0.0.1:50051"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"tollgate keys: {message}", err=True)
    return typer.Exit(1)


def parse_expiry(value: str | None, *, now: float) -> int:
    """Unix seconds from ``30d``/``12h``/``90m``/``2w`` or an ISO date; 0 for none."""
    if not value:
        return 0
    seconds = duration_seconds(value)
    if seconds is not None:
        return int(now) + seconds
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"--expires {value!r}: give a duration (30d, 12h, 2w) or an ISO date"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def _run(address: str, call: Callable[[auth_pb2_grpc.AuthServiceAsyncStub], Awaitable[T]]) -> T:
    return run_rpc(
        address, "auth", lambda channel: auth_pb2_grpc.AuthServiceStub(channel), call, fail=_fail
    )


def _when(seconds: int) -> str:
    if not seconds:
        return "never"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _describe(info: auth_pb2.ApiKeyInfo) -> str:
    limits = []
    if info.allowed_tools:
        limits.append(f"tools {','.join(info.allowed_tools)}")
    if info.allowed_models:
        limits.append(f"models {','.join(info.allowed_models)}")
    return (
        f"{info.key_id}  {info.name}  odoo:{info.odoo_login}  expires {_when(info.expires_at)}"
        + (f"  ({'; '.join(limits)})" if limits else "")
    )


def _show_new_key(answer: auth_pb2.CreateApiKeyResponse) -> None:
    typer.echo(_describe(answer.info))
    typer.echo("")
    typer.echo(f"API key (shown once; store it now): {answer.api_key}")


@keys_app.command()
def create(
    tenant: Tenant,
    subject: Annotated[str, typer.Option(help="Who the key acts for: an email or a name.")],
    odoo_login: Annotated[str, typer.Option(help="The Odoo login the calls run as.")],
    odoo_api_key: Annotated[
        str,
        typer.Option(
            envvar="TOLLGATE_ODOO_API_KEY",
            prompt="Odoo API key of that login",
            hide_input=True,
            help="That user's Odoo API key (prompted when not given; env TOLLGATE_ODOO_API_KEY).",
        ),
    ],
    name: Annotated[str, typer.Option(help="A label, e.g. ci-nightly.")] = "",
    tool: Annotated[list[str] | None, typer.Option(help="Only this tool (repeatable).")] = None,
    model: Annotated[
        list[str] | None, typer.Option(help="Only this Odoo model (repeatable).")
    ] = None,
    expires: Annotated[
        str | None, typer.Option(help="Expiry: a duration (30d, 12h, 2w) or an ISO date.")
    ] = None,
    auth_address: AuthAddress = DEFAULT_ADDRESS,
) -> None:
    """Create a key; it is printed once."""
    try:
        expires_at = parse_expiry(expires, now=dt.datetime.now(dt.UTC).timestamp())
    except ValueError as error:
        raise _fail(str(error)) from None
    request = auth_pb2.CreateApiKeyRequest(
        tenant=tenant,
        subject=subject,
        name=name,
        odoo_login=odoo_login,
        odoo_api_key=odoo_api_key,
        allowed_tools=tool or [],
        allowed_models=model or [],
        expires_at=expires_at,
    )
    _show_new_key(_run(auth_address, lambda stub: stub.CreateApiKey(request, timeout=15)))


@keys_app.command(name="list")
def list_keys(tenant: Tenant, auth_address: AuthAddress = DEFAULT_ADDRESS) -> None:
    """List a tenant's keys (never the keys themselves)."""
    request = auth_pb2.ListApiKeysRequest(tenant=tenant)
    answer = _run(auth_address, lambda stub: stub.ListApiKeys(request, timeout=10))
    if not answer.keys:
        typer.echo(f"no API keys at {tenant}")
    for info in answer.keys:
        typer.echo(_describe(info))


@keys_app.command()
def rotate(tenant: Tenant, key_id: KeyId, auth_address: AuthAddress = DEFAULT_ADDRESS) -> None:
    """Replace a key's secret; the old one stops working at once."""
    request = auth_pb2.RotateApiKeyRequest(tenant=tenant, key_id=key_id)
    _show_new_key(_run(auth_address, lambda stub: stub.RotateApiKey(request, timeout=10)))


@keys_app.command()
def revoke(tenant: Tenant, key_id: KeyId, auth_address: AuthAddress = DEFAULT_ADDRESS) -> None:
    """Revoke a key; every replica refuses it within seconds."""
    request = auth_pb2.RevokeApiKeyRequest(tenant=tenant, key_id=key_id)
    _run(auth_address, lambda stub: stub.RevokeApiKey(request, timeout=10))
    typer.echo(f"revoked {key_id} at {tenant}")


@keys_app.command(name="revoke-person")
def revoke_person(
    tenant: Tenant,
    email: Annotated[str, typer.Option(help="The person's email (their OAuth subject).")],
    auth_address: AuthAddress = DEFAULT_ADDRESS,
) -> None:
    """Revoke every OAuth connection and token a person holds at a tenant."""
    request = auth_pb2.RevokeSubjectRequest(tenant=tenant, subject=email)
    answer = _run(auth_address, lambda stub: stub.RevokeSubject(request, timeout=10))
    typer.echo(f"revoked {answer.revoked} connection(s) of {email} at {tenant}")
