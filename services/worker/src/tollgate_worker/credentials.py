"""Opening the caller's sealed Odoo credential with this worker's private keys.

Opening costs an X25519 exchange; the same sealed value arrives on every call of a connection, so
opened credentials are kept briefly, keyed by a digest of the sealed bytes (never by the key).
A credential that cannot be opened, or whose login is not the principal's, is refused with
UNAUTHENTICATED and no detail an attacker could use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from tollgate.v1 import common_pb2
from tollgate_common.errors import ErrorCode, TollgateError
from tollgate_common.odoo_credentials import OdooCredential, open_odoo_credential
from tollgate_common.sealing import SealingError, SealingPrivateKey

from tollgate_worker.cache import TtlCache

_REFUSED_HINT = "Reconnect to Tollgate to get a fresh credential."


class CredentialOpener:
    def __init__(
        self,
        tenant: str,
        private_keys: Sequence[SealingPrivateKey],
        *,
        ttl: float = 300.0,
        max_entries: int = 4096,
    ) -> None:
        if not private_keys:
            raise ValueError("the worker needs at least one private key")
        self.tenant = tenant
        self._keys = tuple(private_keys)
        self._opened: TtlCache[bytes, OdooCredential] = TtlCache(max_entries=max_entries, ttl=ttl)

    def open(self, sealed: common_pb2.SealedCredential, *, login: str) -> OdooCredential:
        """The credential inside ``sealed``; it must belong to ``login``."""
        if not sealed.ciphertext:
            raise TollgateError(
                ErrorCode.UNAUTHENTICATED,
                "The call carries no Odoo credential.",
                hint=_REFUSED_HINT,
            )
        digest = hashlib.sha256(sealed.ciphertext).digest()
        credential = self._opened.get(digest)
        if credential is None:
            try:
                credential = open_odoo_credential(self._keys, sealed, tenant=self.tenant)
            except SealingError:
                raise TollgateError(
                    ErrorCode.UNAUTHENTICATED,
                    "The Odoo credential of this call cannot be opened by this tenant's worker.",
                    hint=_REFUSED_HINT,
                ) from None
            self._opened.put(digest, credential)
        if credential.login != login:
            raise TollgateError(
                ErrorCode.UNAUTHENTICATED,
                "The Odoo credential of this call belongs to another login.",
                hint=_REFUSED_HINT,
            )
        return credential
