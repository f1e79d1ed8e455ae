"""The words cadence's modules share, each defined once.

Step kinds, the defaults the compiler fills in (task outcomes, due times, the
reason an unsubscribe ends with), the stages a lead moves through, how a
nurture ends, what sales answered, and the id schemes (workflow id, task id;
the Message-ID scheme is :mod:`cadence.channels.ids`). The validator, the
compiler, the Plan, the engine, the client and the report import these names
instead of spelling the words again; ``tests/unit/test_vocabulary.py`` holds
them to it.

Standard library only, no cadence imports: the Plan and the workflow sandbox
import it.
"""

from __future__ import annotations

from typing import Final

# ---------------------------------------------------------------- step kinds

TOUCH_KINDS: tuple[str, ...] = ("email", "call", "voicemail", "letter")
"""Steps that touch the lead (the Plan's ``kind`` and the YAML key)."""
TASK_KINDS: tuple[str, ...] = ("call", "voicemail")
"""Touches a person does: each opens a task with outcomes and a due time (a voicemail may be dropped instead)."""
FLOW_KINDS: tuple[str, ...] = ("gate", "loop")
"""Steps that decide where the lead goes next."""
ACTION_KINDS: tuple[str, ...] = ("goto", "handoff", "disqualify", "track")
"""Actions (keys of an action mapping, in the order the language reference lists them)."""
STEP_KINDS: tuple[str, ...] = (*TOUCH_KINDS, *FLOW_KINDS, "handoff", "disqualify", "goto", "track")
"""YAML keys that make a step what it is (``wait`` alone makes a wait step), in the order messages list them:
touches, flow, then the actions (those that end a nurture first)."""

# ---------------------------------------------------------------- defaults of the language

CALL_OUTCOMES: tuple[str, ...] = (
    "connected",
    "voicemail_left",
    "no_answer",
    "wrong_number",
    "call_back_later",
    "meeting_booked",
    "not_interested",
)
"""Outcomes a call task offers when its step names none."""
VOICEMAIL_OUTCOMES: tuple[str, ...] = ("voicemail_left", "connected", "no_answer", "wrong_number")
"""Outcomes a voicemail task offers when its step names none."""
CALL_DUE: tuple[int, str] = (2, "business_days")
"""How long a call task stays open when its step says nothing (amount, unit of :class:`cadence.ir.Duration`)."""
VOICEMAIL_DUE: tuple[int, str] = (1, "business_days")
"""How long a voicemail task stays open when its step says nothing."""
SOFT_BOUNCES: Final = 3
"""Soft bounces (4.x.x: a full mailbox, a server refusing for now) that count as a bounce when the cadence
says nothing (``inbound.soft_bounces``)."""
OUT_OF_OFFICE_PAUSE: tuple[int, str] = (7, "days")
"""How long an automatic reply that names no return date pauses touches when the cadence says nothing
(``inbound.out_of_office_pause``)."""
DEFAULT_ASSIGNEE: Final = "owner"
"""Who a task goes to when its step says nothing: the lead's owner."""
OPTED_OUT: Final = "opted_out"
"""The disqualify reason of an unsubscribe without a handler; every plan declares it."""

# ---------------------------------------------------------------- how a nurture ends

HANDOFF: Final = "handoff"
"""Outcome kind: the lead went to sales with a dossier."""
DISQUALIFIED: Final = "disqualified"
"""Outcome kind (and final stage): the lead was disqualified for a declared reason."""
OUTCOME_KINDS: tuple[str, ...] = (HANDOFF, DISQUALIFIED)

# ---------------------------------------------------------------- stages

PREQUALIFY: Final = "prequalify"
"""The stage of a new lead until its data passed the cadence's pre-qualification rules."""
NURTURE: Final = "nurture"
"""The stage of a lead being worked by its first cadence."""
TRACK_PREFIX: Final = "track:"
"""Prefix of the stage of a lead on a long-term track: ``track:<cadence name>``."""
SALES_READY: Final = "sales_ready"
"""A handoff was decided; the dossier is on its way."""
HANDED_OFF: Final = "handed_off"
"""The dossier reached sales (with acceptance: sales has not answered yet)."""
ACCEPTED: Final = "accepted"
"""Sales accepted the lead: the nurture ended in an accepted handoff."""
STAGES: tuple[str, ...] = (PREQUALIFY, NURTURE, SALES_READY, HANDED_OFF, ACCEPTED, DISQUALIFIED)
"""Every stage the engine enters, besides ``track:<name>`` (:func:`track_stage`)."""


def track_stage(cadence: str) -> str:
    """The stage of a lead on the long-term track ``cadence``."""
    return f"{TRACK_PREFIX}{cadence}"


def is_nurture_stage(stage: str) -> bool:
    """True for the nurture stage and the long-term tracks (``track:NAME``)."""
    return stage == NURTURE or stage.startswith(TRACK_PREFIX)


# ---------------------------------------------------------------- sales' answer to a handoff

REJECTED: Final = "rejected"
"""Sales sent the lead back with a reason: it is recycled into the acceptance's track."""
RECYCLED: Final = "recycled"
"""Nobody accepted the lead by the deadline (after an escalation, if any): recycled."""
ACCEPTANCE_ANSWERS: tuple[str, ...] = (ACCEPTED, REJECTED, RECYCLED)
"""What became of a handoff sales had to accept; the engine records it as ``answer`` in the stage
entry that follows the handoff (``accepted``, or the recycle track's)."""

# ---------------------------------------------------------------- id schemes

WORKFLOW_ID_PREFIX: Final = "lead-"
TASK_ID_SEPARATOR: Final = "~"
"""Never in lead ids or step ids (both validated), so a task id can be read back."""


def workflow_id_for(lead_id: str) -> str:
    """Workflow id of a lead's nurture, ``lead-<lead id>``: one active nurture per lead."""
    return f"{WORKFLOW_ID_PREFIX}{lead_id}"


def lead_id_of_workflow(workflow_id: str) -> str | None:
    """The lead id inside a workflow id made by :func:`workflow_id_for`; ``None`` for any other id."""
    if workflow_id.startswith(WORKFLOW_ID_PREFIX) and len(workflow_id) > len(WORKFLOW_ID_PREFIX):
        return workflow_id[len(WORKFLOW_ID_PREFIX):]
    return None


def task_id_for(workflow_id: str, step_id: str, number: int) -> str:
    """The id of the ``number``-th task (from 1) a step opened for a lead: ``lead-L-1~intro-call~1``."""
    return f"{workflow_id}{TASK_ID_SEPARATOR}{step_id}{TASK_ID_SEPARATOR}{number}"


def workflow_id_of_task(task_id: str) -> str | None:
    """The workflow id inside a task id made by :func:`task_id_for`; ``None`` when it is not one."""
    workflow_id, sep, _rest = task_id.partition(TASK_ID_SEPARATOR)
    return workflow_id if sep and lead_id_of_workflow(workflow_id) is not None else None


__all__ = [
    "ACCEPTANCE_ANSWERS",
    "ACCEPTED",
    "ACTION_KINDS",
    "CALL_DUE",
    "OUT_OF_OFFICE_PAUSE",
    "SOFT_BOUNCES",
    "CALL_OUTCOMES",
    "DEFAULT_ASSIGNEE",
    "DISQUALIFIED",
    "FLOW_KINDS",
    "HANDED_OFF",
    "HANDOFF",
    "NURTURE",
    "OPTED_OUT",
    "OUTCOME_KINDS",
    "PREQUALIFY",
    "RECYCLED",
    "REJECTED",
    "SALES_READY",
    "STAGES",
    "STEP_KINDS",
    "TASK_ID_SEPARATOR",
    "TASK_KINDS",
    "TOUCH_KINDS",
    "TRACK_PREFIX",
    "VOICEMAIL_DUE",
    "VOICEMAIL_OUTCOMES",
    "WORKFLOW_ID_PREFIX",
    "is_nurture_stage",
    "lead_id_of_workflow",
    "task_id_for",
    "track_stage",
    "workflow_id_for",
    "workflow_id_of_task",
]
