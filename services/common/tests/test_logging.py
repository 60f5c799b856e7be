from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from tollgate_common.logging import REDACTED, configure_logging, redact, redact_text

CANARY = "canary-7f3a9c-SECRET"


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    configure_logging("policy", "DEBUG", stream=stream)
    yield stream
    for handler in list(root.handlers):
        if handler.get_name() == "tollgate-json":
            root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_one_json_object_per_line_with_the_standard_fields(log_stream: io.StringIO) -> None:
    logging.getLogger("tollgate_policy.decide").info(
        "decided %s", "allow", extra={"tenant": "acme", "duration_ms": 1.5}
    )

    [entry] = lines(log_stream)
    assert entry["level"] == "INFO"
    assert entry["service"] == "policy"
    assert entry["logger"] == "tollgate_policy.decide"
    assert entry["message"] == "decided allow"
    assert entry["tenant"] == "acme"
    assert entry["duration_ms"] == 1.5
    assert entry["time"].endswith("+00:00")
    assert "trace_id" not in entry


def test_sensitive_values_never_reach_the_output(log_stream: io.StringIO) -> None:
    log = logging.getLogger("tollgate_auth")
    log.info(
        "login with Authorization: Bearer %s and password=%s",
        CANARY,
        CANARY,
        extra={
            "password": CANARY,
            "odoo_api_key": CANARY,
            "request": {"headers": {"Authorization": f"Bearer {CANARY}"}, "user": "ann"},
            "items": [{"refresh_token": CANARY}],
            "client_secret": CANARY,
        },
    )
    try:
        raise ValueError(f"bad api_key={CANARY}")
    except ValueError:
        log.exception("failed")

    output = log_stream.getvalue()
    assert CANARY not in output
    first, second = lines(log_stream)
    assert first["password"] == REDACTED
    assert first["odoo_api_key"] == REDACTED
    assert first["request"]["headers"]["Authorization"] == REDACTED
    assert first["request"]["user"] == "ann"
    assert first["items"] == [{"refresh_token": REDACTED}]
    assert second["error"].startswith("ValueError: bad api_key=")
    assert "Traceback" in second["traceback"]


def test_log_lines_carry_the_active_trace_and_span(log_stream: io.StringIO) -> None:
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        logging.getLogger("x").warning("inside")
    context = span.get_span_context()

    [entry] = lines(log_stream)
    assert entry["trace_id"] == trace.format_trace_id(context.trace_id)
    assert entry["span_id"] == trace.format_span_id(context.span_id)


def test_configuring_again_replaces_the_handler_instead_of_doubling_lines(
    log_stream: io.StringIO,
) -> None:
    other = io.StringIO()
    configure_logging("policy", "INFO", stream=other)
    logging.getLogger("x").info("once")
    logging.getLogger("x").debug("below the level")

    assert log_stream.getvalue() == ""
    assert [entry["message"] for entry in lines(other)] == ["once"]


def test_redact_helpers() -> None:
    assert redact({"Api-Key": "k", "nested": {"secret_value": 1}, "n": 2}) == {
        "Api-Key": REDACTED,
        "nested": {"secret_value": REDACTED},
        "n": 2,
    }
    assert redact(b"raw") == "<3 bytes>"
    assert redact_text("Basic dXNlcjpwYXNz and token: 'abc def'") == (
        f"Basic {REDACTED} and token: {REDACTED}"
    )


def test_free_text_redacts_every_sensitive_name() -> None:
    # The same names as structured keys, including those the free-text pattern once missed.
    text = "odoo_credential=abc session_cookie: xyz private_key='k' user=ann"
    assert redact_text(text) == (
        f"odoo_credential={REDACTED} session_cookie: {REDACTED} private_key={REDACTED} user=ann"
    )


def test_free_text_with_other_letters_or_case_is_redacted_the_same() -> None:
    # Non-ASCII text runs the patterns in full; their case folding matches a long s to "s".
    assert redact_text("café PASSWORD=abc") == f"café PASSWORD={REDACTED}"
    assert redact_text("pa\u017f\u017fword=abc") == f"pa\u017f\u017fword={REDACTED}"
    assert redact_text("note: BEARER abc.def") == f"note: BEARER {REDACTED}"
    assert redact_text("search_records res.partner 12.5") == "search_records res.partner 12.5"
