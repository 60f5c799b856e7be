"""Everything auth keeps, on a `tollgate_common.stores.Store` (in-memory locally, Redis in
production): registered clients, pending authorization requests, codes, grants with their refresh
tokens, API-key connections, SSO users' sealed Odoo keys and the revocation feed.

Secrets are kept only as SHA-256 digests (codes, refresh tokens, API keys) and Odoo credentials
only sealed to the tenant's worker key. Single-use values are taken atomically (`Store.take`), so
of two replicas racing for one code or refresh token exactly one wins.
"""

from __future__ import annotations

import base64
import hashlib
import time
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from tollgate.v1 import common_pb2
from tollgate_common.stores import Store, StreamEntry

RecordT = TypeVar("RecordT", bound=BaseModel)

REVOCATIONS_STREAM = "revocations"
REVOCATIONS_MAX = 100_000


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SealedValue(Record):
    """A `SealedCredential` as stored (ciphertext only: auth cannot open it)."""

    key_id: str
    ciphertext: str

    @classmethod
    def of(cls, sealed: common_pb2.SealedCredential) -> SealedValue:
        return cls(key_id=sealed.key_id, ciphertext=base64.b64encode(sealed.ciphertext).decode())

    def to_proto(self) -> common_pb2.SealedCredential:
        return common_pb2.SealedCredential(
            key_id=self.key_id, ciphertext=base64.b64decode(self.ciphertext)
        )


class ClientRecord(Record):
    client_id: str
    client_name: str = ""
    redirect_uris: tuple[str, ...]
    grant_types: tuple[str, ...] = ("authorization_code", "refresh_token")
    scope: str = ""
    client_uri: str = ""
    created_at: int = 0
    # "dcr" for registered clients, "cimd" for metadata documents.
    kind: str = "dcr"


class Identity(Record):
    """Who logged in at the authorization page, with their sealed Odoo credential."""

    subject: str
    email: str
    name: str
    odoo_login: str
    credential: SealedValue


class PendingAuthorization(Record):
    request_id: str
    tenant: str
    client_id: str
    client_name: str
    redirect_uri: str
    state: str | None
    code_challenge: str
    scope: str
    resource: str
    session_digest: str
    csrf: str
    created_at: float
    identity: Identity | None = None
    sso_state: str = ""
    sso_verifier: str = ""
    sso_nonce: str = ""


class CodeRecord(Record):
    tenant: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    scope: str
    resource: str
    grant_id: str
    identity: Identity


class Grant(Record):
    """One OAuth connection: the refresh-token family and what its tokens carry."""

    grant_id: str
    tenant: str
    client_id: str
    scope: str
    resource: str
    identity: Identity
    created_at: float


class ApiKeyRecord(Record):
    key_id: str
    secret_digest: str
    tenant: str
    subject: str
    email: str
    name: str
    odoo_login: str
    credential: SealedValue
    allowed_tools: tuple[str, ...] = ()
    allowed_models: tuple[str, ...] = ()
    expires_at: int = 0
    created_at: int = 0
    rotated_at: int = 0


class Revocation(Record):
    id: str
    tenant: str
    connection_id: str = ""
    subject: str = ""
    revoked_at: float


class AuthStore:
    def __init__(self, store: Store, *, refresh_ttl: float) -> None:
        self.raw = store
        self._refresh_ttl = refresh_ttl

    async def _load(self, key: str, model: type[RecordT]) -> RecordT | None:
        raw = await self.raw.get(key)
        return None if raw is None else _parse(raw, model)

    async def _save(self, key: str, record: BaseModel, ttl: float | None) -> None:
        await self.raw.put(key, record.model_dump_json().encode(), ttl=ttl)

    # clients ---------------------------------------------------------------------------------
    async def save_client(self, tenant: str, client: ClientRecord, ttl: float) -> None:
        await self._save(f"client:{tenant}:{client.client_id}", client, ttl)

    async def client(self, tenant: str, client_id: str) -> ClientRecord | None:
        return await self._load(f"client:{tenant}:{client_id}", ClientRecord)

    # pending authorization requests --------------------------------------------------------
    async def save_pending(self, pending: PendingAuthorization, ttl: float) -> None:
        await self._save(f"authreq:{pending.request_id}", pending, ttl)

    async def pending(self, request_id: str) -> PendingAuthorization | None:
        return await self._load(f"authreq:{request_id}", PendingAuthorization)

    async def drop_pending(self, request_id: str) -> None:
        await self.raw.delete(f"authreq:{request_id}")

    # codes ----------------------------------------------------------------------------------
    async def save_code(self, code: str, record: CodeRecord, ttl: float) -> None:
        await self._save(f"code:{digest(code)}", record, ttl)

    async def take_code(self, code: str) -> CodeRecord | None:
        """The code's record, once; a second presentation finds the grant it made instead
        (`code_reuse`)."""
        key = digest(code)
        raw = await self.raw.take(f"code:{key}")
        if raw is None:
            return None
        record = _parse(raw, CodeRecord)
        await self.raw.put(f"code-used:{key}", record.grant_id.encode(), ttl=600)
        return record

    async def code_reuse(self, code: str) -> str | None:
        raw = await self.raw.get(f"code-used:{digest(code)}")
        return None if raw is None else raw.decode()

    # grants and refresh tokens ---------------------------------------------------------------
    async def save_grant(self, grant: Grant) -> None:
        await self._save(f"grant:{grant.grant_id}", grant, self._refresh_ttl)
        subject_key = f"subject-grants:{grant.tenant}:{grant.identity.subject}"
        await self.raw.set_add(subject_key, grant.grant_id, ttl=self._refresh_ttl)
        await self.raw.set_add(
            f"tenant-grants:{grant.tenant}", grant.grant_id, ttl=self._refresh_ttl
        )

    async def grant(self, grant_id: str) -> Grant | None:
        return await self._load(f"grant:{grant_id}", Grant)

    async def add_refresh_token(self, token: str, grant_id: str) -> None:
        await self.raw.put(f"refresh:{digest(token)}", grant_id.encode(), ttl=self._refresh_ttl)

    async def take_refresh_token(self, token: str) -> tuple[str | None, str | None]:
        """(grant id, None) for a live token, which is used up; (None, grant id) for a token
        already used (reuse: the caller revokes the family); (None, None) for an unknown one."""
        key = digest(token)
        raw = await self.raw.take(f"refresh:{key}")
        if raw is not None:
            await self.raw.put(f"refresh-used:{key}", raw, ttl=self._refresh_ttl)
            return raw.decode(), None
        used = await self.raw.get(f"refresh-used:{key}")
        return None, (used.decode() if used is not None else None)

    async def delete_grant(self, grant_id: str) -> Grant | None:
        grant = await self.grant(grant_id)
        await self.raw.delete(f"grant:{grant_id}")
        if grant is not None:
            await self.raw.set_remove(
                f"subject-grants:{grant.tenant}:{grant.identity.subject}", grant_id
            )
            await self.raw.set_remove(f"tenant-grants:{grant.tenant}", grant_id)
        return grant

    async def tenant_grants(self, tenant: str) -> set[str]:
        return await self.raw.set_members(f"tenant-grants:{tenant}")

    async def mark_tenant_revoked(self, tenant: str, at: float) -> None:
        await self.raw.put(f"tenant-revoked:{tenant}", str(at).encode())

    async def tenant_revoked_at(self, tenant: str) -> float | None:
        raw = await self.raw.get(f"tenant-revoked:{tenant}")
        return None if raw is None else float(raw)

    async def subject_grants(self, tenant: str, subject: str) -> set[str]:
        return await self.raw.set_members(f"subject-grants:{tenant}:{subject}")

    async def mark_subject_revoked(self, tenant: str, subject: str, at: float) -> None:
        await self.raw.put(f"subject-revoked:{tenant}:{subject}", str(at).encode())

    async def subject_revoked_at(self, tenant: str, subject: str) -> float | None:
        raw = await self.raw.get(f"subject-revoked:{tenant}:{subject}")
        return None if raw is None else float(raw)

    # API keys -------------------------------------------------------------------------------
    async def save_api_key(self, record: ApiKeyRecord) -> None:
        await self._save(f"apikey:{record.tenant}:{record.key_id}", record, None)
        await self.raw.set_add(f"apikeys:{record.tenant}", record.key_id)

    async def api_key(self, tenant: str, key_id: str) -> ApiKeyRecord | None:
        return await self._load(f"apikey:{tenant}:{key_id}", ApiKeyRecord)

    async def api_keys(self, tenant: str) -> list[ApiKeyRecord]:
        records = [
            await self.api_key(tenant, key_id)
            for key_id in sorted(await self.raw.set_members(f"apikeys:{tenant}"))
        ]
        return [record for record in records if record is not None]

    async def delete_api_key(self, tenant: str, key_id: str) -> bool:
        await self.raw.set_remove(f"apikeys:{tenant}", key_id)
        return await self.raw.delete(f"apikey:{tenant}:{key_id}")

    # SSO users' registered Odoo keys ---------------------------------------------------------
    async def save_user_credential(self, tenant: str, subject: str, identity: Identity) -> None:
        await self._save(f"odookey:{tenant}:{digest(subject)}", identity, None)

    async def user_credential(self, tenant: str, subject: str) -> Identity | None:
        return await self._load(f"odookey:{tenant}:{digest(subject)}", Identity)

    # revocation feed ------------------------------------------------------------------------
    async def record_revocation(
        self, tenant: str, *, connection_id: str = "", subject: str = ""
    ) -> None:
        await self.raw.stream_append(
            REVOCATIONS_STREAM,
            {
                "tenant": tenant,
                "connection_id": connection_id,
                "subject": subject,
                "revoked_at": repr(time.time()),
            },
            max_length=REVOCATIONS_MAX,
        )

    async def revocations(self, *, after: str, since: float) -> list[Revocation]:
        """Revocations after stream id ``after`` (exclusive), or, without one, those recorded
        since unix time ``since``."""
        if after:
            entries = await self.raw.stream_range(REVOCATIONS_STREAM, start=after)
            entries = [entry for entry in entries if entry.id != after]
        else:
            start = f"{int(since * 1000)}-0"
            entries = await self.raw.stream_range(REVOCATIONS_STREAM, start=start)
        return [_revocation(entry) for entry in entries]

    async def last_revocation_id(self) -> str:
        last = await self.raw.stream_last(REVOCATIONS_STREAM)
        return last.id if last is not None else ""


def _revocation(entry: StreamEntry) -> Revocation:
    fields = entry.fields
    return Revocation(
        id=entry.id,
        tenant=fields.get("tenant", ""),
        connection_id=fields.get("connection_id", ""),
        subject=fields.get("subject", ""),
        revoked_at=float(fields.get("revoked_at", "0") or 0),
    )


def _parse(raw: bytes, model: type[RecordT]) -> RecordT:
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        # A record written by an incompatible version: treat as absent rather than crash.
        raise StoredRecordError(model.__name__) from error


class StoredRecordError(Exception):
    """A stored record cannot be read (written by an incompatible version)."""
