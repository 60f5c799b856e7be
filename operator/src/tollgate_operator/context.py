"""What every handler shares: the settings, the API client and one lock per tenant.

Built once at start-up and kept in kopf's memo. The per-tenant lock serialises a tenant's
reconciles (its own update and the events of its children) so two never race to create its key.
``probes`` holds the Odoo version probes running in the background (tenant and Odoo URL: one
at a time for each).
``written`` remembers the resourceVersion and generation of every child as the operator last
wrote or checked it, so the watch echo of its own write is told apart from someone else's change.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tollgate_operator.config import Settings
from tollgate_operator.kube import KubeClient


@dataclass
class OperatorContext:
    settings: Settings
    client: KubeClient
    locks: defaultdict[tuple[str, str], asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )

    written: dict[tuple[str, str, str], tuple[str, int]] = field(default_factory=dict)
    probes: dict[tuple[str, str, str], asyncio.Task[None]] = field(default_factory=dict)

    async def aclose(self) -> None:
        """Stop the Odoo version probes (they write through the client), then the client."""
        probes = list(self.probes.values())
        for task in probes:
            task.cancel()
        await asyncio.gather(*probes, return_exceptions=True)
        await self.client.close()

    def lock(self, namespace: str, name: str) -> asyncio.Lock:
        return self.locks[(namespace, name)]

    @staticmethod
    def _key(obj: Mapping[str, Any]) -> tuple[str, str, str]:
        meta = obj.get("metadata") or {}
        return (str(obj.get("kind")), str(meta.get("namespace")), str(meta.get("name")))

    def remember(self, obj: Mapping[str, Any]) -> None:
        meta = obj.get("metadata") or {}
        self.written[self._key(obj)] = (
            str(meta.get("resourceVersion")),
            int(meta.get("generation") or 0),
        )

    async def delete(self, kind: str, namespace: str, name: str) -> bool:
        """Delete a child and forget its last write; False when it was already gone."""
        self.written.pop((kind, namespace, name), None)
        return await self.client.delete(kind, namespace, name)

    def is_own_write(self, obj: Mapping[str, Any]) -> bool:
        """The object is exactly as the operator last wrote or checked it."""
        meta = obj.get("metadata") or {}
        return self.written.get(self._key(obj), ("", -1))[0] == str(meta.get("resourceVersion"))

    def spec_unchanged(self, obj: Mapping[str, Any]) -> bool:
        """Only its status moved since the operator's last look (a Deployment's generation)."""
        meta = obj.get("metadata") or {}
        known = self.written.get(self._key(obj))
        return known is not None and known[1] == int(meta.get("generation") or 0)
