"""Rate limits: the windows a call counts against, checked and counted in one store round trip.

Every decision counts in at least the tenant's daily window (unlimited unless configured), so a
store that is down is noticed on every call and the decision fails closed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Final

from tollgate.v1 import common_pb2
from tollgate_common.stores import Window
from tollgate_common.tenants.spec import RateLimits

MINUTE: Final = 60.0
DAY: Final = 86_400.0
# The tenant's daily usage counter when no daily tenant limit is set.
UNLIMITED: Final = 2**53


@dataclass(frozen=True)
class Limit:
    window: Window
    label: str


def limits_for(
    tenant: str, limits: RateLimits, principal: common_pb2.Principal
) -> tuple[Limit, ...]:
    return _limits(tenant, limits, principal.subject, principal.connection_id)


# Callers repeat: the same few thousand (tenant, limits, user, connection) keys stay warm.
@functools.lru_cache(maxsize=8192)
def _limits(tenant: str, limits: RateLimits, subject: str, connection: str) -> tuple[Limit, ...]:
    scopes = (
        ("user", subject, limits.per_user_per_minute, limits.per_user_per_day),
        (
            "connection",
            connection,
            limits.per_connection_per_minute,
            limits.per_connection_per_day,
        ),
        ("tenant", "", limits.per_tenant_per_minute, limits.per_tenant_per_day),
    )
    found: list[Limit] = []
    for scope, who, per_minute, per_day in scopes:
        if scope != "tenant" and not who:
            continue
        key = f"rl:{tenant}:{scope}:{who}" if who else f"rl:{tenant}:{scope}"
        if per_minute is not None:
            found.append(
                Limit(
                    Window(f"{key}:m", per_minute, MINUTE),
                    f"{per_minute} calls a minute per {scope}",
                )
            )
        if per_day is not None or scope == "tenant":
            limit = per_day if per_day is not None else UNLIMITED
            found.append(Limit(Window(f"{key}:d", limit, DAY), f"{limit} calls a day per {scope}"))
    return tuple(found)
