"""``tollgate audit``: query a tenant's audit trail, export it as CSV, verify its hash chain.

Talks to policy's gRPC API (``--policy-address``, default the local stack's); policy owns the
trail, so nothing here reads its store directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from tollgate.v1 import policy_pb2, policy_pb2_grpc
from tollgate_common.audit_export import audit_csv

from tollgate_cli.durations import duration_seconds
from tollgate_cli.rpc import run_rpc

audit_app = typer.Typer(
    name="audit",
    help="Query, export and verify a tenant's audit trail.",
    no_args_is_help=True,
    add_completion=False,
)

T = TypeVar("T")

PolicyAddress = Annotated[
    str,
    typer.Option(
        envvar="TOLLGATE_POLICY_ADDRESS",
        help="host:port of policy's gRPC API (the local stack's by default).",
    ),
]
Tenant = Annotated[str, typer.Option(help="The tenant whose trail to read.")]
User = Annotated[str, typer.Option(help="Only calls of this user (subject).")]
Tool = Annotated[str, typer.Option(help="Only calls of this tool.")]
Model = Annotated[str, typer.Option(help="Only calls on this model.")]
Decision = Annotated[
    str, typer.Option(help="Only this decision: allow, deny or approval_required.")
]
Since = Annotated[str, typer.Option(help="From this time (ISO 8601, or 30m / 12h / 7d ago).")]
Until = Annotated[str, typer.Option(help="Up to this time (ISO 8601, or 30m / 12h / 7d ago).")]
Limit = Annotated[int, typer.Option(min=1, help="At most this many records (the newest).")]

DEFAULT_ADDRESS = "127.0.0.1:50052"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"tollgate audit: {message}", err=True)
    return typer.Exit(1)


def parse_time(value: str, *, now: float, option: str) -> float:
    """Unix seconds from an ISO 8601 time or a duration ago (``30m``, ``12h``, ``7d``); 0 for
    none."""
    text = value.strip()
    if not text:
        return 0.0
    seconds = duration_seconds(text)
    if seconds is not None:
        return now - seconds
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 time or a duration such as 30m, 12h, 7d",
            param_hint=option,
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def _run(address: str, call: Callable[[policy_pb2_grpc.PolicyServiceAsyncStub], Awaitable[T]]) -> T:
    return run_rpc(
        address,
        "policy",
        lambda channel: policy_pb2_grpc.PolicyServiceStub(channel),
        call,
        fail=_fail,
    )


def _query(
    tenant: str,
    user: str,
    tool: str,
    model: str,
    decision: str,
    since: str,
    until: str,
    limit: int,
) -> policy_pb2.QueryAuditRequest:
    now = dt.datetime.now(dt.UTC).timestamp()
    return policy_pb2.QueryAuditRequest(
        tenant=tenant,
        user=user,
        tool=tool,
        model=model,
        decision=decision,
        since=parse_time(since, now=now, option="--since"),
        until=parse_time(until, now=now, option="--until"),
        limit=limit,
    )


@audit_app.command()
def query(
    tenant: Tenant,
    user: User = "",
    tool: Tool = "",
    model: Model = "",
    decision: Decision = "",
    since: Since = "",
    until: Until = "",
    limit: Limit = 100,
    policy_address: PolicyAddress = DEFAULT_ADDRESS,
) -> None:
    """Print matching audit records, oldest first, one line each."""
    request = _query(tenant, user, tool, model, decision, since, until, limit)
    answer = _run(policy_address, lambda stub: stub.QueryAudit(request, timeout=30))
    for record in answer.records:
        f = record.fields
        model_part = f" {f.get('model')}" if f.get("model") else ""
        typer.echo(
            f"{f.get('time')}  {f.get('user')}  {f.get('tool')}{model_part} "
            f"{f.get('operation', '')}  {f.get('decision')}/{f.get('outcome')}  "
            f"{f.get('record_count')} records  {f.get('duration_ms')} ms"
        )
    typer.echo(f"{len(answer.records)} record(s)", err=True)


@audit_app.command()
def export(
    tenant: Tenant,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    user: User = "",
    tool: Tool = "",
    model: Model = "",
    decision: Decision = "",
    since: Since = "",
    until: Until = "",
    limit: Limit = 100_000,
    policy_address: PolicyAddress = DEFAULT_ADDRESS,
) -> None:
    """Export matching audit records as CSV."""
    request = _query(tenant, user, tool, model, decision, since, until, limit)
    answer = _run(policy_address, lambda stub: stub.QueryAudit(request, timeout=60))
    text = audit_csv((record.id, record.fields) for record in answer.records)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(answer.records)} record(s) written to {output}", err=True)


@audit_app.command()
def verify(tenant: Tenant, policy_address: PolicyAddress = DEFAULT_ADDRESS) -> None:
    """Check the hash chain: exit 0 when intact, 1 naming the first broken record."""
    request = policy_pb2.VerifyAuditRequest(tenant=tenant)
    report = _run(policy_address, lambda stub: stub.VerifyAudit(request, timeout=60))
    if report.intact:
        typer.echo(f"audit trail of {tenant}: intact ({report.records} records)")
        return
    raise _fail(
        f"audit trail of {tenant} is BROKEN at record {report.broken_at}: {report.problem} "
        f"({report.records} records checked)"
    )
