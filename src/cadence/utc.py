"""Instants as text: ISO 8601 in UTC with a ``Z``, the one format cadence writes times in.

Lead state, histories, memos, task files, letters and reports all carry times
as these strings. Standard library only: the engine and the workflow sandbox
use it.
"""

from __future__ import annotations

from datetime import datetime, timezone


def iso(when: datetime) -> str:
    """``when`` as ISO 8601 UTC text, ``2026-11-02T14:00:00Z`` (a naive datetime is taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse(text: str) -> datetime:
    """The datetime of ISO 8601 ``text`` (a trailing ``Z`` means UTC) as written, aware when it has an offset.

    Raises:
        ValueError: when ``text`` is not ISO 8601.
    """
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now() -> str:
    """The wall clock's now as :func:`iso` text (for files and records written outside workflows)."""
    return iso(datetime.now(timezone.utc))


__all__ = ["iso", "now", "parse"]
