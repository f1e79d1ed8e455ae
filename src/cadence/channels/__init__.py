"""Channel activities: email over SMTP, call and voicemail tasks, letters, handoff dossiers.

Only :mod:`cadence.channels.requests` is imported eagerly (the workflow sandbox
uses it); the rest loads on first use, so importing the requests stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ChannelActivities": "cadence.channels.activities",
    "ChannelSettings": "cadence.channels.settings",
    "build_dossier": "cadence.channels.dossier",
    "render_dossier_markdown": "cadence.channels.dossier",
    "message_id_for": "cadence.channels.ids",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cadence.channels' has no attribute {name!r}")


__all__ = sorted(_LAZY)
