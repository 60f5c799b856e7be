"""The worker's sealing key ring: generated once, rotated on request, the old key kept a while.

auth seals every Odoo credential to the tenant worker's current public key; the worker holds its
current and previous private keys so credentials sealed just before a rotation still open. The
ring lives in the tenant's key Secret; these functions decide what it should hold next and take
the clock and the key generator as arguments, so they stay pure.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from tollgate_common.sealing import KeyFormatError, SealingPrivateKey

# Secret data keys: what the worker reads (TOLLGATE_WORKER_PRIVATE_KEYS) and what others may read.
PRIVATE_KEYS: Final = "private-keys"
PUBLIC_KEY: Final = "public-key"
# Annotations on the Secret remembering the last rotation request handled and the grace period.
ROTATION_ANNOTATION: Final = "tollgate.dev/rotation"
PREVIOUS_EXPIRES_ANNOTATION: Final = "tollgate.dev/previous-key-expires"
# Set this annotation on an OdooTenant to a new value (e.g. a date) to rotate its worker key.
ROTATE_REQUEST_ANNOTATION: Final = "tollgate.dev/rotate-key"


@dataclass(frozen=True)
class KeyRing:
    current: str  # base64 raw X25519 private key
    previous: str | None = None
    previous_expires: datetime | None = None
    rotation: str = ""

    def private_keys(self) -> str:
        """The worker's setting: current key first."""
        return ",".join(key for key in (self.current, self.previous) if key)

    def public_key(self) -> str:
        return SealingPrivateKey.from_base64(self.current).public_key.to_base64()

    def key_id(self) -> str:
        return SealingPrivateKey.from_base64(self.current).key_id


def new_private_key() -> str:
    return SealingPrivateKey.generate().to_base64()


def read_ring(data: Mapping[str, str], annotations: Mapping[str, str]) -> KeyRing | None:
    """The ring stored in a Secret's (base64) ``data``; None when absent or unusable."""
    try:
        text = base64.b64decode(data.get(PRIVATE_KEYS, ""), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    keys = [part.strip() for part in text.split(",") if part.strip()]
    try:
        for key in keys:
            SealingPrivateKey.from_base64(key)
    except KeyFormatError:
        return None
    if not keys:
        return None
    expires_text = annotations.get(PREVIOUS_EXPIRES_ANNOTATION)
    try:
        expires = datetime.fromisoformat(expires_text) if expires_text else None
    except ValueError:
        expires = None
    return KeyRing(
        current=keys[0],
        previous=keys[1] if len(keys) > 1 else None,
        previous_expires=expires if len(keys) > 1 else None,
        rotation=annotations.get(ROTATION_ANNOTATION, ""),
    )


def plan_ring(
    existing: KeyRing | None,
    *,
    rotation: str,
    now: datetime,
    grace: timedelta,
    generate: Callable[[], str] = new_private_key,
) -> KeyRing:
    """What the Secret should hold: the same ring, a rotated one, or a first one."""
    if existing is None:
        return KeyRing(current=generate(), rotation=rotation)
    if rotation and rotation != existing.rotation:
        return KeyRing(
            current=generate(),
            previous=existing.current,
            previous_expires=now + grace,
            rotation=rotation,
        )
    if existing.previous is not None and (
        existing.previous_expires is None or existing.previous_expires <= now
    ):
        return KeyRing(current=existing.current, rotation=existing.rotation)
    return existing
