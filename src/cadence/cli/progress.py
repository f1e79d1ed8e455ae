"""A progress bar on stderr for long commands: shown on a terminal only, never in JSON output or pipes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

Advance = Callable[[int, "int | None"], None]
"""``advance(done, total)``: how far the work is (``total`` ``None``: not known yet)."""


class ProgressBar:
    """``with ProgressBar(label, quiet=...) as advance:`` a bar the work moves by calling ``advance(done, total)``.

    Args:
        label: what is being done (``moving``, ``reading leads``).
        quiet: no bar (``--json`` output); there is none either when stderr is not a terminal.
    """

    def __init__(self, label: str, *, quiet: bool = False) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.shown = not quiet and sys.stderr.isatty()
        """Whether the bar is drawn (work may skip what only the bar needs, a count, when it is not)."""
        self.bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                            console=Console(stderr=True), disable=not self.shown)
        self.task = self.bar.add_task(label, total=None)

    def __enter__(self) -> Advance:
        self.bar.__enter__()
        return lambda done, total: self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)


__all__ = ["Advance", "ProgressBar"]
