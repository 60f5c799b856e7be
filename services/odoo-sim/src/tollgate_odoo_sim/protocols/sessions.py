"""The web client's sessions: an in-memory store keyed by an unguessable id (the cookie)."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "session_id"
SESSION_LIFETIME = 60 * 60 * 24 * 7


@dataclass(frozen=True)
class Session:
    sid: str
    db: str
    uid: int
    login: str


class SessionStore:
    """Sessions by id; the oldest are forgotten past *capacity* so a long run stays bounded."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def open(self, db: str, uid: int, login: str) -> Session:
        # Odoo's ids are 84 url-safe characters (secrets.token_urlsafe(63)), like ours.
        session = Session(sid=secrets.token_urlsafe(63), db=db, uid=uid, login=login)
        with self._lock:
            self._sessions[session.sid] = session
            while len(self._sessions) > self._capacity:
                self._sessions.popitem(last=False)
        return session

    def get(self, sid: str | None) -> Session | None:
        if not sid:
            return None
        with self._lock:
            return self._sessions.get(sid)

    def close(self, sid: str | None) -> None:
        if sid:
            with self._lock:
                self._sessions.pop(sid, None)


def set_session_cookie(request: Request, sid: str | None) -> None:
    """Ask :func:`apply_cookie` to set (or, with None, to expire) the session cookie."""
    request.state.session_cookie = sid if sid is not None else ""


def apply_cookie(request: Request, response: Response) -> None:
    sid = getattr(request.state, "session_cookie", None)
    if sid is None:
        return
    if sid:
        response.set_cookie(
            SESSION_COOKIE, sid, max_age=SESSION_LIFETIME, httponly=True, samesite="lax"
        )
    else:
        response.delete_cookie(SESSION_COOKIE)
