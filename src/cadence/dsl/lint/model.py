"""What a lint rule gets (:class:`LintContext`) and what it yields (:class:`Finding`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cadence.dsl.lint.moves import StepGraph
from cadence.dsl.loader import Document, PathT

TrackResolver = Callable[[Path, str], "tuple[Path, StepGraph] | None"]
"""``(cadence file, track name)`` to the track's file and moves; ``None`` when it cannot be read or is invalid."""


@dataclass(frozen=True)
class Finding:
    """A warning as a rule yields it: located by path, like the schema's errors."""

    rule: str
    """The warning's id."""
    path: PathT
    """Where it is, like ``("steps", 3, "email")``."""
    message: str
    """What was found and what is expected."""
    hint: str = ""
    """How to fix it."""
    key: bool = False
    """Point at the key naming ``path`` (``call:``) rather than at its value."""


@dataclass(frozen=True)
class LintContext:
    """One valid cadence file, ready for the rules."""

    doc: Document
    """The loaded file."""
    file: Path
    """Its absolute path (tracks are found next to it)."""
    graph: StepGraph
    """Its moves."""
    templates_dir: Path | None
    """Where its templates are."""
    tracks: TrackResolver
    """How to read the tracks it moves leads to."""


__all__ = ["Finding", "LintContext", "TrackResolver"]
