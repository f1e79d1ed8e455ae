"""Sessions and CSRF tokens in a signed cookie: the gateway keeps nothing, so any gateway behind a load
balancer reads any browser's session.

The cookie is ``<base64url JSON>.<base64url HMAC-SHA256>``; a changed byte, another
deployment's cookie or an expired one is an anonymous visit. Each session has a
random id; a form's CSRF token is the HMAC of that id, so a page of another site
cannot know it (the cookie itself is ``HttpOnly`` and ``SameSite=Lax`` as well).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

COOKIE = "cadence_workspace"
SESSION_LIFETIME = timedelta(hours=12)
"""A sign-in lasts a working day; a session's link grants last as long as their links."""
MAX_GRANTS = 8
"""Handoff links a browser keeps open at once (the newest)."""
MAX_COOKIE = 3800
"""Browsers drop cookies over 4 KiB; older grants give way first."""


@dataclass(frozen=True)
class Grant:
    """A handoff link opened in this browser (see :mod:`cadence.channels.links`)."""

    lead_id: str
    """The handed-off lead."""
    to: str
    """Who the link was emailed to."""
    answer_by: str
    """The deadline the link named (ties it to one handoff)."""
    expires: int
    """Epoch seconds, the link's own expiry."""


@dataclass(frozen=True)
class Session:
    """What a browser carries between requests."""

    sid: str
    """Random id; the root of the CSRF token. A new one at every sign-in and sign-out."""
    expires: int
    """Epoch seconds after which the session is over."""
    user: str = ""
    """Signed-in user's name; empty: nobody signed in (a visitor, or a link holder)."""
    fingerprint: str = ""
    """The user's :meth:`~cadence.gateway.workspace.users.User.fingerprint` at sign-in."""
    grants: tuple[Grant, ...] = ()
    flash: str = ""
    """A message for the next page (what the last action did), shown once."""
    flash_kind: str = "ok"
    """``ok`` or ``refused``."""

    def grant_for(self, lead_id: str, now: datetime) -> Grant | None:
        """The newest unexpired grant of ``lead_id``."""
        return next((g for g in reversed(self.grants) if g.lead_id == lead_id and g.expires > now.timestamp()), None)


@dataclass(frozen=True)
class SessionKeys:
    """The keys of session cookies and CSRF tokens, derived from one secret."""

    cookie: bytes = field(repr=False)
    csrf: bytes = field(repr=False)

    @classmethod
    def derive(cls, secret: str | None) -> SessionKeys:
        """Keys from ``workspace_secret``; without one, random keys that last as long as this process."""
        root = secret.encode() if secret else secrets.token_bytes(32)
        return cls(hmac.new(root, b"session-cookie", hashlib.sha256).digest(),
                   hmac.new(root, b"csrf-token", hashlib.sha256).digest())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def new_session(now: datetime, **values: object) -> Session:
    """A fresh session (a new id) lasting :data:`SESSION_LIFETIME` from ``now``."""
    return Session(sid=secrets.token_urlsafe(18), expires=int((now + SESSION_LIFETIME).timestamp()),
                   **values)  # type: ignore[arg-type]


def encode(session: Session, keys: SessionKeys) -> str:
    """The cookie value of ``session``; the oldest grants are left out when it would be too large."""
    grants = session.grants[-MAX_GRANTS:]
    while True:
        body = json.dumps({"sid": session.sid, "exp": session.expires, "user": session.user,
                           "fp": session.fingerprint, "flash": session.flash[:500], "fk": session.flash_kind,
                           "grants": [[g.lead_id, g.to, g.answer_by, g.expires] for g in grants]},
                          separators=(",", ":"), ensure_ascii=False)
        payload = _b64(body.encode())
        value = f"{payload}.{_b64(hmac.new(keys.cookie, payload.encode(), hashlib.sha256).digest())}"
        if len(value) <= MAX_COOKIE or not grants:
            return value
        grants = grants[1:]


def decode(value: str | None, keys: SessionKeys, now: datetime) -> Session | None:
    """The session in a cookie, or ``None`` when absent, forged, damaged or expired."""
    if not value or len(value) > 2 * MAX_COOKIE:
        return None
    payload, _, mac = value.partition(".")
    if not hmac.compare_digest(_b64(hmac.new(keys.cookie, payload.encode(), hashlib.sha256).digest()), mac):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        session = Session(sid=str(data["sid"]), expires=int(data["exp"]), user=str(data["user"]),
                          fingerprint=str(data["fp"]), flash=str(data["flash"]), flash_kind=str(data["fk"]),
                          grants=tuple(Grant(str(a), str(b), str(c), int(d)) for a, b, c, d in data["grants"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    if session.expires <= now.timestamp():
        return None
    return replace(session, grants=tuple(g for g in session.grants if g.expires > now.timestamp()))


def csrf_token(session: Session, keys: SessionKeys) -> str:
    """The token every form of this session carries."""
    return _b64(hmac.new(keys.csrf, session.sid.encode(), hashlib.sha256).digest())


def csrf_ok(session: Session | None, token: str, keys: SessionKeys) -> bool:
    """Whether ``token`` is this session's (constant time)."""
    return session is not None and bool(token) and hmac.compare_digest(csrf_token(session, keys), token)


def now_utc() -> datetime:
    """The wall clock (sessions and links expire in real time)."""
    return datetime.now(timezone.utc)


__all__ = [
    "COOKIE",
    "SESSION_LIFETIME",
    "Grant",
    "Session",
    "SessionKeys",
    "csrf_ok",
    "csrf_token",
    "decode",
    "encode",
    "new_session",
    "now_utc",
]
