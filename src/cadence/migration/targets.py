"""Which plan a running lead moves to, and which version of its cadence it runs now.

A lead runs its root cadence (the file it was enrolled with) or one of that
cadence's tracks (``stale-monthly``), embedded in the root's Plan. Migrating a
root cadence moves both: a lead on a track moves to the same track of the new
root, carrying the new root's tracks, as a track switch does.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cadence import ir
from cadence.migration.positions import MoveRefused

ALREADY_MOVED = "is already on version"
"""What the workflow answers a lead already on the target version (the move is idempotent)."""


def target_for(current: ir.Plan, root: ir.Plan) -> ir.Plan:
    """The plan a lead now on ``current`` runs once moved to ``root``.

    Raises:
        MoveRefused: when the lead runs a track the new root no longer has.
    """
    if current.name == root.name:
        return root
    try:
        track = root.track(current.name)
    except KeyError:
        raise MoveRefused(f"the lead runs track {current.name!r}, which version {root.short_version} of "
                          f"{root.name} no longer has") from None
    return dataclasses.replace(track, tracks=root.tracks)


def root_of(state: Any) -> tuple[str, str]:
    """The root cadence's name and version (sha256, or its first 12 digits) of engine ``state``."""
    if state.migrations:
        last = state.migrations[-1]
        return str(last["cadence"]), str(last["to"])
    if state.tracks:
        name, _, version = str(state.tracks[0]).partition("@")
        return name, version
    return state.cadence, state.version


def root_version(state: Any) -> str:
    """The version of the root cadence the lead belongs to (see :func:`root_of`)."""
    return root_of(state)[1]


def same_version(version: str, sha256: str) -> bool:
    """Whether ``version`` (a full sha256 or a prefix people type) names ``sha256``."""
    return bool(version) and sha256.startswith(version)


__all__ = ["ALREADY_MOVED", "root_of", "root_version", "same_version", "target_for"]
