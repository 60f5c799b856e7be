"""What every handler shares: the settings, the API client and one lock per tenant.

Built once at start-up and kept in kopf's memo. The per-tenant lock serialises a tenant's
reconciles (its own update and the events of its children) so two never race to create its key.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

from tollgate_operator.config import Settings
from tollgate_operator.kube import KubeClient


@dataclass
class OperatorContext:
    settings: Settings
    client: KubeClient
    locks: defaultdict[tuple[str, str], asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )

    def lock(self, namespace: str, name: str) -> asyncio.Lock:
        return self.locks[(namespace, name)]
