"""Who a credential belongs to in Odoo: the uid and the user's context, checked once and cached.

The uid cache key is the login with a digest of the API key, so a rotated key is checked again and
a key is never kept as a dictionary key in clear. A refused key is forgotten at once. The profile
(language, time zone, companies) is cached per uid: it shapes every call's Odoo context.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

from tollgate_common.odoo_credentials import OdooCredential

from tollgate_worker.cache import TtlCache
from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.client import OdooClient
from tollgate_worker.odoo.errors import OdooProtocolError
from tollgate_worker.odoo.protocol import OdooUser

PROFILE_FIELDS: Final = ["name", "email", "lang", "tz", "company_id", "company_ids"]


@dataclass(frozen=True, slots=True)
class UserProfile:
    name: str
    email: str
    lang: str
    tz: str
    company_id: int
    company_ids: tuple[int, ...]

    @classmethod
    def from_row(cls, row: Any) -> UserProfile:
        if not isinstance(row, dict):
            raise OdooProtocolError("Odoo did not return the user's record.")
        company = row.get("company_id")
        company_id = company[0] if isinstance(company, list) and company else 0
        return cls(
            name=_text(row.get("name")),
            email=_text(row.get("email")),
            lang=_text(row.get("lang")),
            tz=_text(row.get("tz")),
            company_id=company_id if isinstance(company_id, int) else 0,
            company_ids=tuple(i for i in row.get("company_ids") or [] if isinstance(i, int)),
        )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _cache_key(credential: OdooCredential) -> tuple[str, bytes]:
    return credential.login, hashlib.sha256(credential.api_key.encode()).digest()


class UserDirectory:
    def __init__(self, client: OdooClient, *, ttl: float, max_entries: int) -> None:
        self._client = client
        self._uids: TtlCache[tuple[str, bytes], int] = TtlCache(max_entries=max_entries, ttl=ttl)
        self._profiles: TtlCache[int, UserProfile] = TtlCache(max_entries=max_entries, ttl=ttl)

    async def user_for(self, credential: OdooCredential, deadline: Deadline) -> OdooUser:
        """The Odoo user behind ``credential``; asks Odoo only when not cached."""

        async def authenticate() -> int:
            protocol = await self._client.protocol(deadline=deadline)
            return await protocol.authenticate(
                credential.login, credential.api_key, deadline=deadline
            )

        uid = await self._uids.get_or_load(_cache_key(credential), authenticate)
        return OdooUser(uid=uid, login=credential.login, api_key=credential.api_key)

    async def profile_for(self, user: OdooUser, deadline: Deadline) -> UserProfile:
        """The user's language, time zone and companies, as their own record says."""

        async def load() -> UserProfile:
            protocol = await self._client.protocol(deadline=deadline)
            rows = await protocol.execute(
                user,
                "res.users",
                "read",
                ids=[user.uid],
                kwargs={"fields": PROFILE_FIELDS},
                deadline=deadline,
                idempotent=True,
            )
            if not isinstance(rows, list) or len(rows) != 1:
                raise OdooProtocolError("Odoo did not return the user's record.")
            return UserProfile.from_row(rows[0])

        return await self._profiles.get_or_load(user.uid, load)

    def forget(self, credential: OdooCredential) -> None:
        """Drop a credential Odoo just refused, so the next call checks it again."""
        self._uids.discard(_cache_key(credential))
