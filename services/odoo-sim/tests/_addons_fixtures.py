"""Helpers for the addons tests: simulated databases with the demo data, and RPC-like callers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from tollgate_odoo_sim.service import OdooService
from tollgate_odoo_sim.versions import parse_version

DB = "odoo"


def fresh_service(version: str = "18.0") -> OdooService:
    """A new database with the demo data, for tests that change it."""
    return OdooService.create(parse_version(version))


@cache
def shared_service(version: str) -> OdooService:
    """One database per version shared by tests that only read."""
    return OdooService.create(parse_version(version))


class _Undo(Exception):
    pass


@contextlib.contextmanager
def rolled_back(service: OdooService) -> Iterator[OdooService]:
    """Run a block against *service*, then undo every change it made (a test's sandbox)."""
    with contextlib.suppress(_Undo), service.registry.transaction():
        yield service
        raise _Undo


@dataclass(frozen=True)
class Caller:
    """Calls methods as a demo user through ``execute_kw``, like an RPC client does."""

    service: OdooService
    uid: int

    def __call__(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        return self.service.execute_kw(DB, self.uid, model, method, list(args), kwargs)

    def env(self, context: dict[str, Any] | None = None) -> Any:
        return self.service.env(DB, self.uid, context or {})


def login(service: OdooService, name: str) -> Caller:
    uid = service.authenticate(DB, name, name)
    assert uid, f"demo user {name} cannot log in"
    return Caller(service, uid)


def ref(service: OdooService, xmlid: str) -> int:
    found = service.registry.xmlid_to_res(xmlid)
    assert found is not None, xmlid
    return found[1]
