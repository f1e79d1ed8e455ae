"""The root of cadence's user-facing refusals, and the one did-you-mean helper their messages use.

A :class:`Refusal` is an answer for a person, not a defect: its message says
what was refused and why, in one line. The command line prints any refusal
that reaches it as ``error: <message>`` (exit code 1), so a module raises its
own refusal class and no layer in between has to translate it. Defects (an
engine that cannot go on, a bug) are not refusals and keep their own classes.

Standard library only: the engine raises :class:`Refusal` subclasses inside
the workflow sandbox.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

SUGGESTION = "; did you mean '{}'?"
"""How the cadence language's messages offer the closest choice (``validate``'s located errors)."""
SUGGESTION_QUOTED = " (did you mean {!r}?)"
"""How refusals of input (outcomes, reasons, events, simulation settings) offer it."""


class Refusal(Exception):
    """Something a person asked for was refused; the message says why, in one line."""


def closest(word: object, choices: Iterable[object]) -> str | None:
    """The choice most like ``word`` (``difflib``'s ratio of at least 0.6), or ``None``."""
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return match[0] if match else None


def did_you_mean(word: object, choices: Iterable[object], form: str = SUGGESTION) -> str:
    """``form`` filled with the choice closest to ``word``; ``""`` when none is close.

    >>> did_you_mean("emial", ["email", "call"])
    "; did you mean 'email'?"
    >>> did_you_mean("cal", ["email", "call"], SUGGESTION_QUOTED)
    " (did you mean 'call'?)"
    """
    match = closest(word, choices)
    return form.format(match) if match is not None else ""


__all__ = ["SUGGESTION", "SUGGESTION_QUOTED", "Refusal", "closest", "did_you_mean"]
