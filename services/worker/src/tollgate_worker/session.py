"""One tool call's access to Odoo: as one user, within one deadline, in one company context.

Tools only see `OdooSession.execute`; the session resolves the user lazily (a cached uid costs no
request), picks the protocol, spends the call's remaining time on each request, forgets a
credential Odoo refuses, and sends the user's language, time zone and chosen companies as
Odoo's context. Reads are marked idempotent so a dropped connection may be retried; writes never.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.odoo_credentials import OdooCredential

from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.client import OdooClient
from tollgate_worker.odoo.errors import OdooAccessDenied
from tollgate_worker.odoo.protocol import OdooUser
from tollgate_worker.users import UserDirectory, UserProfile

# Methods that change nothing in Odoo: safe to send again after a connection failure.
READ_METHODS: Final = frozenset(
    {
        "search_read",
        "read",
        "search",
        "search_count",
        "fields_get",
        "read_group",
        "formatted_read_group",
        "name_search",
        "default_get",
        "check_access_rights",
        "has_access",
    }
)


class OdooSession:
    def __init__(
        self,
        client: OdooClient,
        users: UserDirectory,
        credential: OdooCredential,
        deadline: Deadline,
    ) -> None:
        self.client = client
        self.deadline = deadline
        self._users = users
        self._credential = credential
        self._user: OdooUser | None = None
        self._companies: tuple[int, ...] = ()

    @property
    def credential(self) -> OdooCredential:
        return self._credential

    async def user(self) -> OdooUser:
        if self._user is None:
            try:
                self._user = await self._users.user_for(self._credential, self.deadline)
            except OdooAccessDenied:
                self._users.forget(self._credential)
                raise
        return self._user

    async def profile(self) -> UserProfile:
        return await self._users.profile_for(await self.user(), self.deadline)

    async def use_companies(self, company_ids: Sequence[int]) -> None:
        """Work in ``company_ids`` (the first is the active one); each must be the user's."""
        if not company_ids:
            return
        allowed = (await self.profile()).company_ids
        foreign = [company for company in company_ids if company not in allowed]
        if foreign:
            raise TollgateError(
                ErrorCode.PERMISSION_DENIED,
                f"Company {foreign[0]} is not one of your Odoo companies "
                f"({', '.join(str(c) for c in allowed)}).",
                hint="Leave company_ids out to use your current company.",
                field="company_ids",
            )
        self._companies = tuple(dict.fromkeys(company_ids))

    async def context(self) -> dict[str, Any]:
        profile = await self.profile()
        context: dict[str, Any] = {}
        if profile.lang:
            context["lang"] = profile.lang
        if profile.tz:
            context["tz"] = profile.tz
        if self._companies:
            context["allowed_company_ids"] = list(self._companies)
        return context

    async def execute(
        self,
        model: str,
        method: str,
        *,
        ids: Sequence[int] | None = None,
        kwargs: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Any:
        user = await self.user()
        call_context = await self.context()
        if context:
            call_context.update(context)
        protocol = await self.client.protocol(deadline=self.deadline)
        try:
            return await protocol.execute(
                user,
                model,
                method,
                ids=ids,
                kwargs=kwargs,
                context=call_context,
                deadline=self.deadline,
                idempotent=method in READ_METHODS,
            )
        except OdooAccessDenied:
            # The key was revoked since its uid was cached.
            self._users.forget(self._credential)
            raise
