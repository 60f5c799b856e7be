"""``tollgate trace last`` / ``tollgate trace <id>``: a tool call's trace as an indented waterfall.

The local stack appends every finished span to ``<state-dir>/traces.jsonl`` (see
`tollgate_common.span_file`); this reads it back, picks a trace and prints each span under its
parent with its service, start offset, duration, a bar on the trace's time line and the
``tollgate.`` attributes that say what happened (decision, outcome, error).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Final

import typer
from tollgate_common.span_file import SpanRecord, read_spans

TRACES_FILE: Final = "traces.jsonl"
BAR_WIDTH: Final = 30
# The attributes worth a glance in a waterfall, in this order.
SHOWN: Final = (
    "tollgate.tenant",
    "tollgate.model",
    "tollgate.operation",
    "tollgate.decision",
    "tollgate.reason",
    "tollgate.outcome",
    "tollgate.record_count",
    "tollgate.error.code",
    "tollgate.token.source",
    "http.response.status_code",
    "rpc.grpc.status_code",
)


class TraceNotFound(LookupError):
    pass


def pick_trace(spans: Sequence[SpanRecord], which: str) -> list[SpanRecord]:
    """The spans of trace ``which`` (32 hex digits, or a unique prefix), or of the latest tool
    call when ``which`` is ``last`` (the latest trace of any kind when there is no tool call)."""
    if not spans:
        raise TraceNotFound("no spans recorded yet: make a tool call with the local stack running")
    if which == "last":
        calls = [s for s in spans if s.attributes.get("mcp.method.name") == "tools/call"]
        latest = max(calls or spans, key=lambda s: s.start)
        trace_id = latest.trace_id
    else:
        wanted = which.strip().lower()
        ids = {s.trace_id for s in spans if s.trace_id.startswith(wanted)}
        if len(ids) != 1:
            problem = "no trace" if not ids else f"{len(ids)} traces"
            raise TraceNotFound(f"{problem} with id {which!r} in the recorded spans")
        trace_id = ids.pop()
    return [s for s in spans if s.trace_id == trace_id]


def _bar(span: SpanRecord, start: int, total: int) -> str:
    if total <= 0:
        return "█".ljust(BAR_WIDTH)
    first = int((span.start - start) / total * BAR_WIDTH)
    width = max(1, round((span.end - span.start) / total * BAR_WIDTH))
    first = min(first, BAR_WIDTH - 1)
    return (" " * first + "█" * width)[:BAR_WIDTH].ljust(BAR_WIDTH)


def _details(span: SpanRecord) -> str:
    shown = [
        f"{k.removeprefix('tollgate.')}={span.attributes[k]}" for k in SHOWN if k in span.attributes
    ]
    if span.events:
        shown.append("events=" + ",".join(span.events))
    if span.status == "ERROR":
        shown.append("ERROR" + (f": {span.status_message}" if span.status_message else ""))
    return "  ".join(shown)


def waterfall(spans: Iterable[SpanRecord]) -> str:
    """The indented waterfall of one trace's spans (children in start order under parents)."""
    spans = sorted(spans, key=lambda s: s.start)
    if not spans:
        return ""
    ids = {s.span_id for s in spans}
    children: dict[str, list[SpanRecord]] = defaultdict(list)
    roots: list[SpanRecord] = []
    for span in spans:
        if span.parent_span_id and span.parent_span_id in ids:
            children[span.parent_span_id].append(span)
        else:
            roots.append(span)
    start = min(s.start for s in spans)
    end = max(s.end for s in spans)
    total = end - start
    rows: list[tuple[str, SpanRecord]] = []

    def walk(span: SpanRecord, depth: int) -> None:
        rows.append(("  " * depth + span.name, span))
        for child in children.get(span.span_id, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    name_width = max(len(label) for label, _ in rows)
    service_width = max(len(s.service) for s in spans)
    services = sorted({s.service for s in spans})
    lines = [
        f"trace {spans[0].trace_id}  {total / 1e6:.1f} ms  {len(spans)} spans  "
        f"({', '.join(services)})"
    ]
    for label, span in rows:
        lines.append(
            f"{label.ljust(name_width)}  {span.service.ljust(service_width)}  "
            f"+{(span.start - start) / 1e6:8.1f} ms {span.duration_ms:8.1f} ms  "
            f"|{_bar(span, start, total)}|  {_details(span)}".rstrip()
        )
    return "\n".join(lines)


def trace_command(
    which: Annotated[
        str, typer.Argument(help="'last' for the latest tool call, or a trace id (or prefix).")
    ] = "last",
    state_dir: Annotated[
        Path, typer.Option(help="The local stack's state directory (where traces.jsonl is).")
    ] = Path(".dev"),
) -> None:
    """Print a call's trace from the local stack as an indented waterfall with durations."""
    path = state_dir / TRACES_FILE
    try:
        spans = pick_trace(list(read_spans(path)), which)
    except TraceNotFound as error:
        typer.echo(f"tollgate: {error} ({path})", err=True)
        raise typer.Exit(1) from None
    typer.echo(waterfall(spans))
