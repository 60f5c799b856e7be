"""The audit trail: one record per tool call, hash-chained, in the tenant's audit stream.

A record says who did what and how it ended; it holds arguments only when the tenant turned on
payload logging, and never a denied field's value or a credential. Each record carries the hash of
the one before it (``prev_hash``) and its own (``hash``, over every other field), so deleting or
editing a record breaks the chain (`AuditTrail.verify`). Several policy processes extend one chain
without a lock: an append succeeds only if the stream's last entry is still the one hashed.
Every record also leaves as a JSON log line and an OpenTelemetry log record.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from opentelemetry import context
from opentelemetry._logs import Logger, LogRecord, SeverityNumber, get_logger
from opentelemetry.context import Context
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags, set_span_in_context
from tollgate.v1 import policy_pb2
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.stores import Store, StoreError, StreamEntry
from tollgate_common.tenants.config import TenantConfig

from tollgate_policy.rules import parse_arguments

logger = logging.getLogger("tollgate.audit")

GENESIS: Final = "0" * 64
_DECISION_BY_OUTCOME: Final = {
    policy_pb2.OUTCOME_DENIED: "deny",
    policy_pb2.OUTCOME_APPROVAL_REQUIRED: "approval_required",
}
# "success", "error", …: the enum names without their prefix, looked up once.
_OUTCOME_WORDS: Final = {
    value: name.removeprefix("OUTCOME_").lower() for name, value in policy_pb2.Outcome.items()
}
_APPEND_ATTEMPTS: Final = 50
_PAGE: Final = 1000


def audit_stream(tenant: str) -> str:
    return f"audit:{tenant}"


def _without(value: Any, denied: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: _without(v, denied) for k, v in value.items() if k not in denied}
    if isinstance(value, list):
        kept = []
        for item in value:
            # A domain term on a denied field is dropped whole (its value would leak).
            if (
                isinstance(item, list)
                and item
                and isinstance(item[0], str)
                and item[0].split(".", 1)[0] in denied
            ):
                continue
            kept.append(_without(item, denied))
        return kept
    return value


def audit_fields(
    request: policy_pb2.RecordOutcomeRequest,
    config: TenantConfig,
    denied_fields: Iterable[str] = (),
) -> dict[str, str]:
    principal, call = request.principal, request.call
    outcome = _OUTCOME_WORDS.get(request.outcome, "")
    if request.error_reason and request.outcome == policy_pb2.OUTCOME_ERROR:
        outcome = f"error:{request.error_reason}"
    fields = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "tenant": principal.tenant,
        "user": principal.subject,
        "connection": principal.connection_id,
        "client": principal.client_id,
        "tool": call.tool,
        "model": call.model,
        "operation": call.operation,
        "record_count": str(request.record_count),
        "decision": _DECISION_BY_OUTCOME.get(request.outcome, "allow"),
        "outcome": outcome,
        "duration_ms": f"{request.duration_ms:.3f}",
        "trace_id": request.trace_id,
    }
    if config.policy.audit.payload_logging:
        arguments = _without(parse_arguments(call.arguments_json), frozenset(denied_fields))
        fields["payload"] = json.dumps(arguments, sort_keys=True, separators=(",", ":"))
    return fields


def record_hash(fields: Mapping[str, str]) -> str:
    """The hash of a record: every field but ``hash`` itself, canonically serialised."""
    # A record being chained has no hash yet: no copy needed.
    if isinstance(fields, dict) and "hash" not in fields:
        body = fields
    else:
        body = {k: v for k, v in fields.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _head_key(stream: str) -> str:
    return f"{stream}:head"


def _id_order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _next_id(entry_id: str) -> str:
    ms, _, seq = entry_id.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


@dataclass(frozen=True)
class ChainReport:
    intact: bool
    records: int
    broken_at: str = ""
    problem: str = ""


@dataclass(frozen=True)
class AuditQuery:
    user: str = ""
    tool: str = ""
    model: str = ""
    decision: str = ""
    since: float = 0.0
    until: float = 0.0
    limit: int = 1000

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(
            not wanted or fields.get(name) == wanted
            for name, wanted in (
                ("user", self.user),
                ("tool", self.tool),
                ("model", self.model),
                ("decision", self.decision),
            )
        )


def _unavailable() -> TollgateError:
    return TollgateError(
        ErrorCode.UNAVAILABLE,
        "The audit trail is unavailable.",
        hint="Try again in a moment; if it keeps happening, ask an administrator.",
    )


def _call_context(request: policy_pb2.RecordOutcomeRequest) -> Context | None:
    """The recorded call's span as the current one, so the record's log line and OTLP log record
    join the call's trace (the batch that carried it runs in a trace of its own)."""
    try:
        span = SpanContext(
            int(request.trace_id, 16),
            int(request.span_id, 16),
            is_remote=True,
            trace_flags=TraceFlags(TraceFlags.SAMPLED if request.trace_sampled else 0),
        )
    except ValueError:
        return None
    return set_span_in_context(NonRecordingSpan(span)) if span.is_valid else None


@contextmanager
def _in_call(request: policy_pb2.RecordOutcomeRequest) -> Iterator[None]:
    call_context = _call_context(request)
    if call_context is None:
        yield
        return
    token = context.attach(call_context)
    try:
        yield
    finally:
        context.detach(token)


class AuditTrail:
    def __init__(self, store: Store, *, max_length: int, otel_logger: Logger | None = None) -> None:
        self._store = store
        self._max_length = max_length
        # The global provider's logger (set up by configure_telemetry) unless one is given.
        self._otel = otel_logger or get_logger("tollgate.audit")
        # One writer per tenant chain inside this process; other processes race optimistically.
        self._locks: dict[str, asyncio.Lock] = {}
        # Per stream, the newest entry this process wrote (id, hash): the next append assumes it
        # is still the last and reads the stream only when another writer got there first.
        self._heads: dict[str, tuple[str, str]] = {}

    async def record(
        self,
        requests: Sequence[policy_pb2.RecordOutcomeRequest],
        config: TenantConfig,
        denied_fields: Callable[[str], Iterable[str]] = lambda _model: (),
    ) -> list[str]:
        """Append the outcomes, in order, to the tenant's chain in one store round trip; returns
        the records' ids. ``denied_fields`` names a model's denied fields (kept out of payloads)."""
        # Denied fields matter only to payloads.
        payloads = config.policy.audit.payload_logging
        batch = [
            audit_fields(r, config, denied_fields(r.call.model) if payloads else ())
            for r in requests
        ]
        max_length = min(self._max_length, config.policy.audit.max_records)
        stream = audit_stream(config.name)
        try:
            async with self._locks.setdefault(config.name, asyncio.Lock()):
                record_ids, chained = await self._append(stream, batch, max_length)
        except StoreError:
            for request, fields in zip(requests, batch, strict=True):
                with _in_call(request):
                    logger.error("audit record not stored", extra={"audit": fields})
            raise _unavailable() from None
        # Asked once per batch, so nothing is built for a log nobody listens to.
        to_log = logger.isEnabledFor(logging.INFO)
        to_otel = self._otel.enabled(severity_number=SeverityNumber.INFO)
        if to_log or to_otel:
            for request, record_id, fields in zip(requests, record_ids, chained, strict=True):
                with _in_call(request):
                    if to_log:
                        logger.info("audit", extra={"audit": {"id": record_id, **fields}})
                    if to_otel:
                        self._emit(record_id, fields)
        return record_ids

    def _emit(self, record_id: str, fields: Mapping[str, str]) -> None:
        attributes = {f"tollgate.audit.{k}": v for k, v in fields.items()}
        attributes["tollgate.audit.id"] = record_id
        self._otel.emit(
            LogRecord(
                severity_number=SeverityNumber.INFO,
                severity_text="INFO",
                body="audit",
                attributes=attributes,
            )
        )

    async def _append(
        self, stream: str, batch: list[dict[str, str]], max_length: int
    ) -> tuple[list[str], list[dict[str, str]]]:
        head = self._heads.get(stream)
        for attempt in range(_APPEND_ATTEMPTS):
            if head is None:
                last = await self._store.stream_last(stream)
                last_id, previous = (
                    (last.id, last.fields.get("hash", "")) if last else (None, GENESIS)
                )
            else:
                last_id, previous = head
            chained = []
            for fields in batch:
                record = {**fields, "prev_hash": previous}
                record["hash"] = previous = record_hash(record)
                chained.append(record)
            try:
                record_ids = await self._store.stream_extend_if_last(
                    stream, chained, last_id=last_id, max_length=max_length
                )
            except StoreError:
                self._heads.pop(stream, None)
                raise
            if record_ids is not None:
                self._heads[stream] = (record_ids[-1], previous)
                # The newest record known, kept beside the stream: cutting the tail shows.
                try:
                    await self._store.put(
                        _head_key(stream), f"{record_ids[-1]} {previous}".encode()
                    )
                except StoreError:
                    # The records are stored: failing them now would have the front send them
                    # again, twice in the chain. The next batch moves the head past them.
                    logger.error("audit head not updated", extra={"stream": stream})
                return record_ids, chained
            # Another process appended first: back off a little, randomly, and chain again.
            head = None
            await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise StoreError("the audit chain stayed contended")

    async def _entries(self, tenant: str, start: str = "-", end: str = "+") -> list[StreamEntry]:
        stream = audit_stream(tenant)
        found: list[StreamEntry] = []
        try:
            while True:
                page = await self._store.stream_range(stream, start=start, end=end, count=_PAGE)
                found.extend(page)
                if len(page) < _PAGE:
                    return found
                start = _next_id(page[-1].id)
        except StoreError:
            raise _unavailable() from None

    async def query(self, tenant: str, query: AuditQuery) -> list[StreamEntry]:
        start = str(int(query.since * 1000)) if query.since else "-"
        end = str(int(query.until * 1000)) if query.until else "+"
        matching = [e for e in await self._entries(tenant, start, end) if query.matches(e.fields)]
        return matching[-query.limit :] if query.limit > 0 else matching

    async def verify(self, tenant: str) -> ChainReport:
        entries = await self._entries(tenant)
        previous: str | None = None
        for entry in entries:
            fields = entry.fields
            if fields.get("hash") != record_hash(fields):
                return ChainReport(False, len(entries), entry.id, "record was edited")
            # The first record kept may point at one dropped by retention: its link is trusted.
            if previous is not None and fields.get("prev_hash") != previous:
                return ChainReport(
                    False, len(entries), entry.id, "the record before it was deleted or replaced"
                )
            previous = fields.get("hash", "")
        return await self._check_head(tenant, entries)

    async def _check_head(self, tenant: str, entries: list[StreamEntry]) -> ChainReport:
        """The newest record the trail wrote must still be there, unchanged."""
        try:
            raw = await self._store.get(_head_key(audit_stream(tenant)))
        except StoreError:
            raise _unavailable() from None
        if raw is None:
            return ChainReport(True, len(entries))
        head_id, _, head_hash = raw.decode().partition(" ")
        found = next((e for e in reversed(entries) if e.id == head_id), None)
        if found is None and (not entries or _id_order(head_id) > _id_order(entries[-1].id)):
            return ChainReport(False, len(entries), head_id, "the newest records were deleted")
        if found is not None and found.fields.get("hash") != head_hash:
            return ChainReport(False, len(entries), head_id, "record was replaced")
        return ChainReport(True, len(entries))
