from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from tollgate_common.sealing import SealingPrivateKey
from tollgate_operator.keys import (
    PREVIOUS_EXPIRES_ANNOTATION,
    PRIVATE_KEYS,
    ROTATION_ANNOTATION,
    KeyRing,
    plan_ring,
    read_ring,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
GRACE = timedelta(hours=24)


def _keys() -> list[str]:
    return [SealingPrivateKey.generate().to_base64() for _ in range(3)]


def test_first_ring_is_generated_once() -> None:
    a, b, _ = _keys()
    first = plan_ring(None, rotation="", now=NOW, grace=GRACE, generate=lambda: a)
    assert first == KeyRing(current=a)
    again = plan_ring(first, rotation="", now=NOW, grace=GRACE, generate=lambda: b)
    assert again is first


def test_rotation_keeps_previous_key_for_the_grace_period() -> None:
    a, b, c = _keys()
    ring = KeyRing(current=a, rotation="")
    rotated = plan_ring(ring, rotation="2026-01-01", now=NOW, grace=GRACE, generate=lambda: b)
    assert (rotated.current, rotated.previous) == (b, a)
    assert rotated.previous_expires == NOW + GRACE
    assert rotated.private_keys() == f"{b},{a}"
    # The same request again changes nothing; the grace period ends on its own.
    same = plan_ring(rotated, rotation="2026-01-01", now=NOW, grace=GRACE, generate=lambda: c)
    assert same is rotated
    later = plan_ring(rotated, rotation="2026-01-01", now=NOW + GRACE, grace=GRACE)
    assert later == KeyRing(current=b, rotation="2026-01-01")


def test_ring_round_trips_through_secret_data() -> None:
    a, b, _ = _keys()
    ring = KeyRing(current=b, previous=a, previous_expires=NOW, rotation="r1")
    data = {PRIVATE_KEYS: base64.b64encode(ring.private_keys().encode()).decode()}
    annotations = {
        ROTATION_ANNOTATION: "r1",
        PREVIOUS_EXPIRES_ANNOTATION: NOW.isoformat(),
    }
    assert read_ring(data, annotations) == ring
    assert ring.public_key() == SealingPrivateKey.from_base64(b).public_key.to_base64()


def test_unusable_secret_data_reads_as_no_ring() -> None:
    assert read_ring({}, {}) is None
    assert read_ring({PRIVATE_KEYS: "not base64!"}, {}) is None
    assert read_ring({PRIVATE_KEYS: base64.b64encode(b"short").decode()}, {}) is None
