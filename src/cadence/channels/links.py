"""Signed, expiring links into the workspace (the gateway's pages for people) in what cadence emails.

The handoff email links to ``<public_url>/handoffs/<lead>?link=TOKEN``: whoever
opens it may read that lead's dossier and accept or reject that handoff, as the
person it was emailed to, until the link expires, without a password. The token
is made by the worker (it sends the email) and checked by the gateway; both hold
``workspace_secret``. Standard library only.

Token: ``<base64url JSON [lead, to, answer_by, expires]>.<base64url HMAC-SHA256>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

HANDOFF_LINK_TTL = timedelta(days=7)
"""How long a handoff email's link works: longer than any acceptance deadline worth having, short
enough that a forwarded or leaked email stops being a key to the lead soon."""
MAX_TOKEN = 2000
"""Longer tokens are refused before any decoding."""
_PURPOSE = b"cadence-handoff-link|"


class LinkRefused(Exception):
    """A link that grants nothing; :attr:`expired` tells an old genuine link from a forged or damaged one."""

    def __init__(self, message: str, *, expired: bool = False, expired_at: datetime | None = None) -> None:
        super().__init__(message)
        self.expired = expired
        self.expired_at = expired_at


@dataclass(frozen=True)
class HandoffGrant:
    """What a genuine handoff link lets its holder do: answer one handoff of one lead until it expires."""

    lead_id: str
    """The handed-off lead."""
    to: str
    """Who the email went to (the handoff's assignee); answers given through the link are theirs."""
    answer_by: str
    """The acceptance deadline the email named (ISO UTC; empty when the cadence asks no acceptance): an
    earlier handoff's link of the same lead names an earlier deadline, so it cannot answer a later one."""
    expires: datetime
    """When the link stops working (timezone-aware)."""


def _key(secret: str) -> bytes:
    if not secret:
        # Without a deployment's own key anybody could make links: they are never issued nor honoured.
        raise ValueError("a handoff link needs workspace_secret")
    return hashlib.sha256(b"cadence-workspace-links|" + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: str, secret: str) -> str:
    return _b64(hmac.new(_key(secret), _PURPOSE + payload.encode(), hashlib.sha256).digest())


def handoff_token(grant: HandoffGrant, secret: str) -> str:
    """The link token of ``grant``, signed with ``secret``.

    Raises:
        ValueError: ``secret`` is empty.
    """
    body = json.dumps([grant.lead_id, grant.to, grant.answer_by, int(grant.expires.timestamp())],
                      separators=(",", ":"), ensure_ascii=False)
    payload = _b64(body.encode())
    return f"{payload}.{_mac(payload, secret)}"


def handoff_url(public_url: str, grant: HandoffGrant, secret: str) -> str:
    """``<public_url>/handoffs/<lead>?link=<token>``."""
    return f"{public_url.rstrip('/')}/handoffs/{quote(grant.lead_id, safe='')}?link={handoff_token(grant, secret)}"


def new_handoff_grant(lead_id: str, to: str, answer_by: str, now: datetime,
                      ttl: timedelta = HANDOFF_LINK_TTL) -> HandoffGrant:
    """A grant for the email of a handoff delivered at ``now`` (the real time the email is built)."""
    return HandoffGrant(lead_id, to, answer_by, (now + ttl).astimezone(timezone.utc).replace(microsecond=0))


def read_handoff_token(token: str, secret: str | None, now: datetime) -> HandoffGrant:
    """The grant of a genuine, unexpired token.

    Raises:
        LinkRefused: forged, damaged, made with another key, or expired (``expired`` set).
    """
    payload, sep, mac = token.strip().partition(".")
    if not secret or not sep or len(token) > MAX_TOKEN:
        raise LinkRefused("not a valid link")
    if not hmac.compare_digest(_mac(payload, secret), mac):
        raise LinkRefused("not a valid link")
    try:
        lead_id, to, answer_by, expires = json.loads(_unb64(payload))
        at = datetime.fromtimestamp(int(expires), timezone.utc)
    except (ValueError, TypeError, binascii.Error, OverflowError):
        raise LinkRefused("not a valid link") from None
    if not all(isinstance(v, str) for v in (lead_id, to, answer_by)):
        raise LinkRefused("not a valid link")
    if now >= at:
        raise LinkRefused("the link has expired", expired=True, expired_at=at)
    return HandoffGrant(lead_id, to, answer_by, at)


__all__ = ["HANDOFF_LINK_TTL", "HandoffGrant", "LinkRefused", "handoff_token", "handoff_url", "new_handoff_grant",
           "read_handoff_token"]
