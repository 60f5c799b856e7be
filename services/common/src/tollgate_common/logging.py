"""Structured JSON logs on stderr, one object per line, with trace ids and a redaction guard.

Every line carries time, level, service, logger and message; ``trace_id``/``span_id`` when a span is
active; and the ``extra={...}`` fields of the call. Values under sensitive keys (password, api_key,
token, authorization, secret, …) and bearer tokens inside messages are replaced with ``[redacted]``
before anything is written, so a careless ``extra`` cannot leak a credential.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO, Any, Final

from opentelemetry import trace

REDACTED: Final = "[redacted]"

# A key is sensitive when, lower-cased with "-" as "_", it contains one of these.
_SENSITIVE_KEY_PARTS: Final = (
    "password",
    "passwd",
    "api_key",
    "apikey",
    "token",
    "authorization",
    "secret",
    "credential",
    "cookie",
    "private_key",
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# ``name=value`` / ``name: value`` in free text, for the same sensitive names as structured keys.
_KEY_VALUE = re.compile(
    rf"(?i)\b([\w-]*(?:{'|'.join(map(re.escape, _SENSITIVE_KEY_PARTS))})[\w-]*)"
    r"(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&]+)"
)
# Any word either pattern needs, lower-case.
_PATTERN_WORDS = re.compile("|".join(map(re.escape, ("bearer", "basic", *_SENSITIVE_KEY_PARTS))))

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES: Final = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
)


# Keys repeat (the same ``extra`` names on every line): remember the answer.
@functools.lru_cache(maxsize=4096)
def is_sensitive_key(key: str) -> bool:
    normalised = key.lower().replace("-", "_")
    return any(part in normalised for part in _SENSITIVE_KEY_PARTS)


def redact_text(text: str) -> str:
    """Hide bearer/basic credentials and ``secret=value`` pairs inside free text."""
    # Both patterns need one of their words; most values hold none, and an ASCII text (where
    # lower() is exactly the patterns' case folding) is searched for them far faster than the
    # patterns run.
    if text.isascii() and _PATTERN_WORDS.search(text.lower()) is None:
        return text
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return _KEY_VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def redact(value: Any) -> Any:
    """A JSON-ready copy of ``value`` with sensitive keys' values and embedded tokens hidden."""
    if isinstance(value, str):  # the common case first: Mapping is a slower (ABC) check
        return redact_text(value)
    if isinstance(value, Mapping):
        return {
            str(key): REDACTED if is_sensitive_key(str(key)) else redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return redact_text(str(value))


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; see the module docstring for the fields."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": redact_text(record.getMessage()),
        }
        span_context = trace.get_current_span().get_span_context()
        if span_context.is_valid:
            entry["trace_id"] = trace.format_trace_id(span_context.trace_id)
            entry["span_id"] = trace.format_span_id(span_context.span_id)
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_") and key not in entry:
                entry[key] = REDACTED if is_sensitive_key(key) else redact(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["error"] = redact_text(f"{record.exc_info[0].__name__}: {record.exc_info[1]}")
            entry["traceback"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


_HANDLER_NAME: Final = "tollgate-json"


def configure_logging(service: str, level: str = "INFO", *, stream: IO[str] | None = None) -> None:
    """Send every log record to ``stream`` (stderr) as JSON lines; calling again reconfigures.

    Replaces only the handler this function installed, so test runners' capture handlers stay.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter(service))
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries that log request details at INFO would otherwise drown the service's own lines.
    for noisy in ("grpc", "urllib3", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(name)
