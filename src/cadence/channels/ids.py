"""Deterministic ids of channel artefacts.

An activity may run more than once (Temporal retries it); ids derived from
(workflow, step, iteration) make a retry recognisable: the same Message-ID,
the same letter file, the same manifest key. Standard library only.
"""

from __future__ import annotations

import base64
import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def digest(*parts: object, length: int = 32) -> str:
    """Hex sha256 of ``parts`` joined by ``|`` (truncated to ``length``)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:length]


def message_id_for(workflow_id: str, step_id: str, iteration: int, domain: str = "cadence.local") -> str:
    """The Message-ID of a step's email, the same on every retry:
    ``<workflow.hash.step.iteration@domain>``, the workflow id in lowercase base32 so that a reply's
    ``In-Reply-To`` (or a bounce's returned headers) leads back to the lead: :func:`workflow_of_message_id`."""
    return (f"<{_b32(workflow_id)}.{digest(workflow_id, step_id, iteration, length=16)}.{safe_name(step_id)}."
            f"{int(iteration)}@{domain}>")


def workflow_of_message_id(message_id: str) -> str | None:
    """The workflow id inside a Message-ID made by :func:`message_id_for`; ``None`` for any other id."""
    local = message_id.strip().strip("<>").partition("@")[0]
    parts = local.split(".")
    if len(parts) < 4 or len(parts[1]) != 16:
        return None
    try:
        text = base64.b32decode(parts[0].upper() + "=" * (-len(parts[0]) % 8)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return text if text and text.isprintable() else None


def _b32(text: str) -> str:
    return base64.b32encode(text.encode()).decode().rstrip("=").lower()


def letter_id_for(workflow_id: str, step_id: str, iteration: int) -> str:
    """The id (and file name) of a step's letter."""
    return f"ltr-{digest(workflow_id, step_id, iteration, length=24)}"


def voicemail_id_for(workflow_id: str, step_id: str, iteration: int) -> str:
    """The reference of a step's voicemail drop."""
    return f"vm-{digest(workflow_id, step_id, iteration, length=24)}"


def safe_name(text: str, *, fallback_prefix: str = "x") -> str:
    """``text`` as a file-name component: no separators, no leading dot, at most 100 characters.

    Ids are validated at enrollment, but a channel must never let one name a
    path outside its directory (``../``) on its own account.
    """
    text = str(text)
    cleaned = _UNSAFE.sub("_", text).lstrip(".")[:100]
    if cleaned and cleaned == text:
        return cleaned
    # Cleaning could make two ids equal; the hash keeps them apart.
    return f"{cleaned or fallback_prefix}-{digest(text, length=8)}"


__all__ = ["digest", "letter_id_for", "message_id_for", "safe_name", "voicemail_id_for", "workflow_of_message_id"]
