"""One tool call's access to Odoo: as one user, within one deadline.

Tools only see `OdooSession.execute`; the session resolves the user lazily (a cached uid costs no
request), picks the protocol, spends the call's remaining time on each request and forgets a
credential Odoo refuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tollgate_common.odoo_credentials import OdooCredential

from tollgate_worker.deadline import Deadline
from tollgate_worker.odoo.client import OdooClient
from tollgate_worker.odoo.errors import OdooAccessDenied
from tollgate_worker.odoo.protocol import OdooUser
from tollgate_worker.users import UserDirectory


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

    async def user(self) -> OdooUser:
        if self._user is None:
            try:
                self._user = await self._users.user_for(self._credential, self.deadline)
            except OdooAccessDenied:
                self._users.forget(self._credential)
                raise
        return self._user

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
        protocol = await self.client.protocol(deadline=self.deadline)
        try:
            return await protocol.execute(
                user,
                model,
                method,
                ids=ids,
                kwargs=kwargs,
                context=context,
                deadline=self.deadline,
            )
        except OdooAccessDenied:
            # The key was revoked since its uid was cached.
            self._users.forget(self._credential)
            raise
