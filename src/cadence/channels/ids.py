"""Deterministic ids of channel artefacts.

An activity may run more than once (Temporal retries it); ids derived from
(workflow, step, iteration) make a retry recognisable: the same Message-ID,
the same letter file, the same manifest key. Standard library only.
"""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def digest(*parts: object, length: int = 32) -> str:
    """Hex sha256 of ``parts`` joined by ``|`` (truncated to ``length``)."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:length]


def message_id_for(workflow_id: str, step_id: str, iteration: int, domain: str = "cadence.local") -> str:
    """The Message-ID of a step's email: ``<hash.step.iteration@domain>``, the same on every retry."""
    return f"<{digest(workflow_id, step_id, iteration)}.{safe_name(step_id)}.{int(iteration)}@{domain}>"


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


__all__ = ["digest", "letter_id_for", "message_id_for", "safe_name", "voicemail_id_for"]
