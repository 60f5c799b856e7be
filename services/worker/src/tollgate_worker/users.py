"""Who a credential belongs to in Odoo: the uid, checked once and then cached.

The cache key is the login with a digest of the API key, so a rotated key is checked again and a
key is never kept as a dictionary key in clear. A refused key is forgotten at once.
"""

from __future__ import annotations

import hashlib

from tollgate_common.odoo_credentials import OdooCredential

from tollgate_worker.cache import TtlCache
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.client import OdooClient
from tollgate_worker.odoo.protocol import OdooUser


def _cache_key(credential: OdooCredential) -> tuple[str, bytes]:
    return credential.login, hashlib.sha256(credential.api_key.encode()).digest()


class UserDirectory:
    def __init__(self, client: OdooClient, *, ttl: float, max_entries: int) -> None:
        self._client = client
        self._uids: TtlCache[tuple[str, bytes], int] = TtlCache(max_entries=max_entries, ttl=ttl)

    async def user_for(self, credential: OdooCredential, deadline: Deadline) -> OdooUser:
        """The Odoo user behind ``credential``; asks Odoo only when not cached."""

        async def authenticate() -> int:
            protocol = await self._client.protocol(deadline=deadline)
            return await protocol.authenticate(
                credential.login, credential.api_key, deadline=deadline
            )

        uid = await self._uids.get_or_load(_cache_key(credential), authenticate)
        return OdooUser(uid=uid, login=credential.login, api_key=credential.api_key)

    def forget(self, credential: OdooCredential) -> None:
        """Drop a credential Odoo just refused, so the next call checks it again."""
        self._uids.discard(_cache_key(credential))
