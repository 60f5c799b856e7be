from __future__ import annotations

import pytest
import typer
from tollgate_cli.audit import parse_time

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0.0),
        ("30m", NOW - 1800),
        ("12h", NOW - 12 * 3600),
        ("7d", NOW - 7 * 86400),
        ("2026-11-22T18:00:00+00:00", 1795370400.0),
        ("2026-11-22T18:00:00", 1795370400.0),
    ],
)
def test_times_are_iso_or_a_duration_ago(text: str, expected: float) -> None:
    assert parse_time(text, now=NOW, option="--since") == expected


def test_a_bad_time_names_the_option() -> None:
    with pytest.raises(typer.BadParameter, match="not an ISO 8601 time"):
        parse_time("yesterday", now=NOW, option="--since")
