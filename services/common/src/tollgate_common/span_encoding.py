"""OTLP encoding of finished spans, the same message as the SDK's encoder at a fraction of its cost.

The exporter's own encoder builds a protobuf object per attribute, value, span and group; on a
tool call's nine spans that was the largest single cost of exporting them. Here each span is
written straight to protobuf wire format and the whole request parsed once (in C). Attributes
repeat from call to call (``rpc.system=grpc``, the tenant, the tool, …), so each distinct
``key=value`` pair is encoded once, by the SDK's own encoder, and its bytes reused: what goes on
the wire is exactly what the SDK would send. Spans with links (Tollgate makes none) are encoded by
the SDK wholesale. `OtlpGrpcSpanExporter` is the SDK's gRPC exporter using this encoder;
`LogEncoder` and `OtlpGrpcLogExporter` do the same for log records (the audit trail).
"""

from __future__ import annotations

import functools
import logging
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from opentelemetry.exporter.otlp.proto.common._internal import (
    _encode_instrumentation_scope,
    _encode_key_value,
    _encode_resource,
    _encode_span_id,
    _encode_trace_id,
    _encode_value,
)
from opentelemetry.exporter.otlp.proto.common._internal.trace_encoder import _encode_span
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.logs.v1.logs_pb2 import LogRecord as PB2LogRecord
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

logger = logging.getLogger(__name__)

# Wire types (protobuf encoding spec).
_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
# SpanFlags: the parent's is_remote is known (always), and it is true.
_HAS_IS_REMOTE, _IS_REMOTE = 0x100, 0x200
# A bound on the cache of encoded attributes; values come from closed sets, so it rarely fills.
_MAX_CACHED: Final = 4096
_CACHEABLE = (str, bool, int, float)


_ONE_BYTE = [bytes((i,)) for i in range(128)]


def _varint(value: int) -> bytes:
    if value < 0x80:
        return _ONE_BYTE[value]
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _tag(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


_LEN_TAGS = [_tag(field, _LEN) for field in range(17)]


def _len_field(field: int, payload: bytes) -> bytes:
    """A length-delimited field (bytes, string, message); ``field`` <= 16."""
    return _LEN_TAGS[field] + _varint(len(payload)) + payload


# Tags of the Span message fields written below (opentelemetry/proto/trace/v1/trace.proto).
_TRACE_ID = _tag(1, _LEN) + _varint(16)
_SPAN_ID = _tag(2, _LEN) + _varint(8)
_PARENT_SPAN_ID = _tag(4, _LEN) + _varint(8)
_KIND = _tag(6, _VARINT)
_START = _tag(7, _I64)
_END = _tag(8, _I64)
_DROPPED_ATTRIBUTES = _tag(10, _VARINT)
_DROPPED_EVENTS = _tag(12, _VARINT)
_FLAGS = _tag(16, _I32)
_EVENT_TIME = _tag(1, _I64)


class _Attributes:
    """Encoded ``KeyValue`` messages by (key, type, value), made by the SDK's encoder."""

    def __init__(self, *, cache_strings: bool = True) -> None:
        self._cache: dict[tuple[str, type, Any], bytes] = {}
        # Audit records' strings (ids, times, hashes) are new each time: caching them only churns.
        self._cacheable = _CACHEABLE if cache_strings else (bool, int, float)

    def encode(self, field: int, attributes: Mapping[str, Any] | None) -> bytes:
        """The attributes as repeated ``field`` of the enclosing message."""
        if not attributes:
            return b""
        parts = []
        # The SDK's BoundedAttributes keeps a plain dict; going through the Mapping protocol
        # costs a method call per item.
        for key, value in getattr(attributes, "_dict", attributes).items():
            cacheable = isinstance(value, self._cacheable)
            if cacheable:
                encoded = self._cache.get((key, type(value), value))
                if encoded is not None:
                    parts.append(encoded)
                    continue
            if type(value) is str:
                # KeyValue{key, value: AnyValue{string_value}}, as the SDK writes it (a oneof
                # member, so even "" is written).
                text = value.encode()
                any_value = _STRING_VALUE + _varint(len(text)) + text
                encoded = _len_field(field, _key(key) + _len_field(2, any_value))
            else:
                try:
                    kv = _encode_key_value(key, value).SerializeToString()
                except Exception as error:  # the SDK's encoder skips what it cannot encode, too
                    logger.warning("cannot encode span attribute %s: %s", key, error)
                    continue
                encoded = _len_field(field, kv)
            if cacheable:
                if len(self._cache) >= _MAX_CACHED:
                    self._cache.clear()
                self._cache[(key, type(value), value)] = encoded
            parts.append(encoded)
        return b"".join(parts)


_STRING_VALUE = _tag(1, _LEN)


@functools.lru_cache(maxsize=1024)
def _key(key: str) -> bytes:
    return _len_field(1, key.encode()) if key else b""


class _Grouping:
    """Resource -> instrumentation scope -> items, as the SDK's encoders group them (in order of
    appearance), written as ``Export*ServiceRequest`` bytes (ResourceSpans and ResourceLogs
    share their layout: resource 1, scope list 2, schema_url 3; scope 1, items 2, schema_url 3).
    """

    def __init__(self) -> None:
        # Resource and scope messages by object identity: a provider keeps one of each, and
        # hashing a Resource serialises its attributes to JSON every time.
        self._resources: dict[int, tuple[Resource, bytes]] = {}
        self._scopes: dict[int, tuple[InstrumentationScope | None, bytes]] = {}

    def _grouped(
        self, items: Iterable[tuple[Resource, InstrumentationScope | None, bytes]]
    ) -> bytes:
        groups: dict[int, dict[int, list[bytes]]] = {}
        for resource, scope, encoded in items:
            by_scope = groups.setdefault(self._resource(resource), {})
            by_scope.setdefault(self._scope(scope), []).append(encoded)
        out = []
        for resource_key, scopes in groups.items():
            resource, resource_bytes = self._resources[resource_key]
            body = [_len_field(1, resource_bytes)]
            for scope_key, encoded_items in scopes.items():
                scope, scope_bytes = self._scopes[scope_key]
                scope_body = [_len_field(1, scope_bytes)]
                scope_body += [_len_field(2, item) for item in encoded_items]
                if scope is not None and scope.schema_url:
                    scope_body.append(_len_field(3, scope.schema_url.encode()))
                body.append(_len_field(2, b"".join(scope_body)))
            if resource.schema_url:
                body.append(_len_field(3, resource.schema_url.encode()))
            out.append(_len_field(1, b"".join(body)))
        return b"".join(out)

    def _resource(self, resource: Resource) -> int:
        key = id(resource)
        if key not in self._resources:
            self._resources[key] = (resource, _encode_resource(resource).SerializeToString())
        return key

    def _scope(self, scope: InstrumentationScope | None) -> int:
        key = id(scope)
        if key not in self._scopes:
            encoded = _encode_instrumentation_scope(scope).SerializeToString()  # type: ignore[arg-type]
            self._scopes[key] = (scope, encoded)
        return key


class SpanEncoder(_Grouping):
    """Encodes batches of finished spans as one ``ExportTraceServiceRequest``."""

    def __init__(self) -> None:
        super().__init__()
        self._attributes = _Attributes()

    def encode(self, spans: Sequence[ReadableSpan]) -> ExportTraceServiceRequest:
        items = ((s.resource, s.instrumentation_scope, self._span(s)) for s in spans)
        return ExportTraceServiceRequest.FromString(self._grouped(items))

    def _span(self, span: ReadableSpan) -> bytes:
        context = span.get_span_context()
        if span.links or context is None:
            return bytes(_encode_span(span).SerializeToString())
        parent = span.parent
        parts = [
            _TRACE_ID,
            context.trace_id.to_bytes(16, "big"),
            _SPAN_ID,
            context.span_id.to_bytes(8, "big"),
        ]
        if len(context.trace_state):
            trace_state = ",".join(f"{k}={v}" for k, v in context.trace_state.items())
            parts.append(_len_field(3, trace_state.encode()))
        if parent is not None:
            parts += [_PARENT_SPAN_ID, parent.span_id.to_bytes(8, "big")]
        if span.name:
            parts.append(_len_field(5, span.name.encode()))
        parts += [_KIND, _varint(span.kind.value + 1)]  # OTLP's enum is the API's plus one
        if span.start_time:
            parts += [_START, struct.pack("<Q", span.start_time)]
        if span.end_time:
            parts += [_END, struct.pack("<Q", span.end_time)]
        parts.append(self._attributes.encode(9, _raw_attributes(span)))
        if span.dropped_attributes:
            parts += [_DROPPED_ATTRIBUTES, _varint(span.dropped_attributes)]
        events = span.events
        for event in events if len(events) else ():  # iterating copies under a lock
            event_parts = [_EVENT_TIME, struct.pack("<Q", event.timestamp)]
            if event.name:
                event_parts.append(_len_field(2, event.name.encode()))
            event_parts.append(self._attributes.encode(3, event.attributes))
            if event.dropped_attributes:
                event_parts += [_tag(4, _VARINT), _varint(event.dropped_attributes)]
            parts.append(_len_field(11, b"".join(event_parts)))
        if span.dropped_events:
            parts += [_DROPPED_EVENTS, _varint(span.dropped_events)]
        status = span.status
        status_parts = []
        if status.description:
            status_parts.append(_len_field(2, status.description.encode()))
        if status.status_code.value:
            status_parts += [_tag(3, _VARINT), _varint(status.status_code.value)]
        parts.append(_len_field(15, b"".join(status_parts)))
        flags = _HAS_IS_REMOTE | (_IS_REMOTE if parent is not None and parent.is_remote else 0)
        parts += [_FLAGS, struct.pack("<I", flags)]
        return b"".join(parts)


def _raw_attributes(span: ReadableSpan) -> Mapping[str, Any] | None:
    """The span's own attribute mapping: ``ReadableSpan.attributes`` wraps it in a read-only
    proxy, which hides the plain dict `_Attributes.encode` reads and makes every item a call."""
    raw: Mapping[str, Any] | None = getattr(span, "_attributes", None)
    return raw if raw is not None else span.attributes


class OtlpGrpcSpanExporter(OTLPSpanExporter):
    """The SDK's OTLP/gRPC span exporter with `SpanEncoder` in place of its encoder."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._encoder = SpanEncoder()

    def _translate_data(self, data: Sequence[ReadableSpan]) -> ExportTraceServiceRequest:
        return self._encoder.encode(data)


class LogEncoder(_Grouping):
    """Encodes batches of log records (the audit trail) as one ``ExportLogsServiceRequest``: each
    record's fields by the SDK's encoder, its attributes as above."""

    def __init__(self) -> None:
        super().__init__()
        self._attributes = _Attributes(cache_strings=False)

    def encode(self, batch: Sequence[ReadableLogRecord]) -> ExportLogsServiceRequest:
        items = ((r.resource, r.instrumentation_scope or None, self._log(r)) for r in batch)
        return ExportLogsServiceRequest.FromString(self._grouped(items))

    def _log(self, readable: ReadableLogRecord) -> bytes:
        record = readable.log_record
        # The SDK's _encode_log without the attributes (field 6), which follow as bytes.
        fields: dict[str, Any] = {  # None leaves a field unset, as the SDK relies on
            "time_unix_nano": record.timestamp,
            "observed_time_unix_nano": record.observed_timestamp,
            "span_id": None if record.span_id == 0 else _encode_span_id(record.span_id),
            "trace_id": None if record.trace_id == 0 else _encode_trace_id(record.trace_id),
            "flags": int(record.trace_flags),
            "body": _encode_value(record.body),
            "severity_text": record.severity_text,
            "dropped_attributes_count": readable.dropped_attributes,
            "severity_number": getattr(record.severity_number, "value", None),
            "event_name": record.event_name,
        }
        encoded = PB2LogRecord(**fields).SerializeToString()
        return bytes(encoded) + self._attributes.encode(6, record.attributes)


class OtlpGrpcLogExporter(OTLPLogExporter):
    """The SDK's OTLP/gRPC log exporter with `LogEncoder` in place of its encoder."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._encoder = LogEncoder()

    def _translate_data(self, data: Sequence[ReadableLogRecord]) -> ExportLogsServiceRequest:
        return self._encoder.encode(data)
