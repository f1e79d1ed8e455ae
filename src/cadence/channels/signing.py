"""Signed tokens in what cadence sends, so what comes back can be trusted: which lead a reply or a link
belongs to. HMAC-SHA256 with the deployment's signing secret (``unsubscribe_secret``); standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

INSECURE_KEY = b"cadence-unsubscribe-default-key"
"""Used when no secret is set (a laptop): tokens can then be forged by anyone who reads this file."""


def signature(purpose: str, value: str, secret: str | None, length: int = 32) -> str:
    """Hex HMAC of ``value`` for ``purpose`` (a token for one purpose is useless for another)."""
    key = secret.encode() if secret else INSECURE_KEY
    message = value.encode() if purpose == "unsubscribe" else f"{purpose}|{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:length]


def lead_token(lead_id: str, secret: str | None) -> str:
    """A token naming ``lead_id`` that only this deployment can make: ``<base32 id>-<signature>``.

    Emails carry it (an ``X-Cadence-Token`` header and ``[ref:TOKEN]`` in the text), so a reply whose
    ``In-Reply-To`` a provider rewrote still finds its lead.
    """
    encoded = base64.b32encode(lead_id.encode()).decode().rstrip("=").lower()
    return f"{encoded}-{signature('lead', lead_id, secret, 20)}"


def lead_of_token(token: str, secret: str | None) -> str | None:
    """The lead id in a genuine :func:`lead_token`; ``None`` for a forged, damaged or foreign token."""
    encoded, sep, mac = token.strip().rpartition("-")
    if not sep or not encoded or len(token) > 400:
        return None
    try:
        lead_id = base64.b32decode(encoded.upper() + "=" * (-len(encoded) % 8)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return lead_id if hmac.compare_digest(signature("lead", lead_id, secret, 20), mac) else None


__all__ = ["INSECURE_KEY", "lead_of_token", "lead_token", "signature"]
