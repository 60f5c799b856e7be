"""Short durations on the command line: ``90m``, ``12h``, ``30d``, ``2w``."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^([0-9]+)([mhdw])$")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def duration_seconds(text: str) -> int | None:
    """The seconds ``text`` stands for, or None when it is not such a duration."""
    match = _DURATION.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
