"""What the engine answers (:data:`Command`) and how it refuses.

The Temporal workflow executes these commands; :class:`RejectedInput` is human
input the engine refuses, :class:`EngineError` a plan it cannot interpret.
Defined apart from :mod:`cadence.engine` so the units the engine composes
(:mod:`cadence.acceptance`) answer with the same commands; import them from
:mod:`cadence.engine`, which re-exports them. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Union

from cadence.errors import Refusal


class EngineError(Exception):
    """The plan cannot be interpreted any further (a defect, not bad input)."""


class RejectedInput(Refusal, ValueError):
    """Human input that must be refused: the message says why, in one line."""


# ---------------------------------------------------------------- commands


@dataclass(frozen=True)
class Touch:
    """Do an automatic touch now: send an email, drop a voicemail, write a letter."""

    step_id: str
    channel: Literal["email", "voicemail", "letter"]
    iteration: int
    summary: str
    template: str
    subject: str = ""
    variant: str = ""
    kind: Literal["touch"] = "touch"


@dataclass(frozen=True)
class OpenTask:
    """Open a call or voicemail task for a person; it is missed at ``due_at``."""

    task_id: str
    step_id: str
    channel: Literal["call", "voicemail"]
    assignee: str
    due_at: datetime
    iteration: int
    template: str
    outcomes: tuple[str, ...]
    summary: str
    kind: Literal["open_task"] = "open_task"


@dataclass(frozen=True)
class Wait:
    """Wait until ``until`` (``None``: until an event, e.g. while paused), or any event."""

    until: datetime | None
    summary: str
    window: bool = False
    """It waits for the send window (business hours, holidays, a lead out of office)."""
    business_days: bool = False
    """It counts business days (a wait or loop of business days, a task or acceptance deadline in them)."""
    kind: Literal["wait"] = "wait"


@dataclass(frozen=True)
class Finish:
    """End the nurture: ``handoff`` to ``to`` or ``disqualified`` for ``reason``."""

    outcome: Literal["handoff", "disqualified"]
    reason: str
    to: str = ""
    sections: tuple[str, ...] = ()
    by: str = ""
    summary: str = ""
    deliver: bool = True
    """Deliver the dossier to ``to``; false when sales accepted a lead delivered before."""
    escalated_from: str = ""
    """An escalation: who did not accept the lead by :attr:`missed_deadline` (empty otherwise)."""
    missed_deadline: str = ""
    """An escalation: the acceptance deadline (ISO UTC) that passed unanswered."""
    kind: Literal["finish"] = "finish"


@dataclass(frozen=True)
class SwitchTrack:
    """Move the lead onto another cadence (a long-term track), keeping its history."""

    track: str
    reason: str
    summary: str
    kind: Literal["switch_track"] = "switch_track"


Command = Union[Touch, OpenTask, Wait, Finish, SwitchTrack]


__all__ = ["Command", "EngineError", "Finish", "OpenTask", "RejectedInput", "SwitchTrack", "Touch", "Wait"]
