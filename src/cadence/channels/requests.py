"""Inputs and results of the channel activities.

One dataclass per activity input, standard library only: the workflow
builds them in the sandbox. Templates travel as text (from the pinned
Plan), so an activity never reads a cadence's files.
"""

# No ``from __future__ import annotations``: Temporal's converter calls ``get_type_hints`` on these
# classes for every payload it decodes, and string annotations are compiled again each time.

from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

# Activity names, registered by the worker and called by the workflow.
SEND_EMAIL = "cadence.send_email"
OPEN_TASK = "cadence.open_task"
DROP_VOICEMAIL = "cadence.drop_voicemail"
SEND_LETTER = "cadence.send_letter"
DELIVER_HANDOFF = "cadence.deliver_handoff"
RECORD_EXIT = "cadence.record_exit"


def to_wire(request: Any) -> dict[str, Any]:
    """``request`` as the plain dict Temporal's JSON converter would write for it.

    The converter's own ``dataclasses.asdict`` deep-copies every value (the
    lead, the context), which inside the workflow sandbox was the largest
    single cost of a touch; nested dataclasses are converted, values shared.
    The activity still receives its dataclass (from its type hint).
    """
    return {f.name: to_wire(v) if is_dataclass(v := getattr(request, f.name)) else v for f in fields(request)}


@dataclass(frozen=True)
class Rendered:
    """A template to render: its path (for messages and autoescape) and text."""

    path: str
    source: str


@dataclass(frozen=True)
class EmailRequest:
    """Send one email of one step to one lead."""

    workflow_id: str
    lead: dict[str, Any]
    step_id: str
    iteration: int
    """How many times this step ran before (loops); part of the Message-ID."""
    body: Rendered
    subject: str
    """Subject template string."""
    context: dict[str, Any]
    """Template variables (see :data:`cadence.context.TEMPLATE_NAMES`)."""
    message_id: str
    """Empty: the activity derives the Message-ID from (workflow, step, iteration) with the worker's
    ``message_id_domain``, the same on every retry; a caller may set its own ``<local@domain>``."""
    sender: str | None = None
    reply_to: str | None = None
    variant: str = ""
    plan_name: str = ""
    plan_version: str = ""


@dataclass(frozen=True)
class EmailResult:
    """Outcome of a send: accepted, or bounced permanently (5xx)."""

    message_id: str
    accepted: bool
    bounced: bool = False
    detail: str = ""
    """SMTP reply text of a bounce, or the accepting server's answer."""
    subject: str = ""
    """The rendered subject, for the contact history."""
    suppressed: str = ""
    """Not sent: the address is on the do-not-contact list (why, in words); empty otherwise."""


@dataclass(frozen=True)
class TaskRequest:
    """Open a call or voicemail task for a person, with its rendered brief."""

    task_id: str
    workflow_id: str
    lead: dict[str, Any]
    kind: str
    """``call`` or ``voicemail``."""
    step_id: str
    assignee: str
    """Resolved: a rep's name, ``queue:NAME``, or the lead owner's name."""
    due_at: str
    """ISO 8601 UTC."""
    brief: Rendered
    context: dict[str, Any]
    outcomes: tuple[str, ...]
    plan_name: str = ""
    plan_version: str = ""


@dataclass(frozen=True)
class TaskResult:
    """The opened task: the brief as the rep will read it."""

    task_id: str
    brief_text: str
    location: str = ""
    """Where the task was written (a file path or a dialer's id)."""


@dataclass(frozen=True)
class VoicemailDropRequest:
    """Have a provider drop a voicemail with the rendered script."""

    workflow_id: str
    lead: dict[str, Any]
    step_id: str
    iteration: int
    script: Rendered
    context: dict[str, Any]
    plan_name: str = ""
    plan_version: str = ""


@dataclass(frozen=True)
class VoicemailDropResult:
    """What the provider did."""

    delivered: bool
    reference: str = ""
    detail: str = ""


@dataclass(frozen=True)
class LetterRequest:
    """Render a print-ready letter into the outbox with a manifest line."""

    workflow_id: str
    lead: dict[str, Any]
    step_id: str
    iteration: int
    template: Rendered
    context: dict[str, Any]
    paper: str = "letter"
    return_address: str = ""
    plan_name: str = ""
    plan_version: str = ""


@dataclass(frozen=True)
class LetterResult:
    """Where the letter went."""

    path: str
    letter_id: str
    detail: str = ""


@dataclass(frozen=True)
class HandoffRequest:
    """Build the dossier and deliver it to the assignee (email, webhook, outbox)."""

    workflow_id: str
    lead: dict[str, Any]
    assignee: str
    sections: tuple[str, ...]
    """Dossier sections asked for; empty means all."""
    state: dict[str, Any]
    """The workflow's full state (history, qualification, engagement, stages ...)."""
    reason: str = ""
    """Why the lead was handed off (rule, event, operator)."""
    plan_name: str = ""
    plan_version: str = ""
    delivery: int = 1
    """1 for the handoff, 2 for its escalation after a missed deadline: each delivery has its own id."""
    answer_by: str = ""
    """When sales must accept or reject the lead (ISO UTC); empty when the cadence asks no acceptance."""
    escalated_from: str = ""
    """An escalation: who did not accept the lead in time."""
    missed_deadline: str = ""
    """An escalation: the deadline (ISO UTC) that passed unanswered."""


@dataclass(frozen=True)
class HandoffResult:
    """The dossier as delivered."""

    dossier: dict[str, Any]
    delivered_to: tuple[str, ...] = ()
    """``email:ADDR``, ``webhook:URL``, ``file:PATH``."""
    problems: tuple[str, ...] = ()
    """Deliveries refused for good (a bounced assignee address, a webhook answering 4xx)."""


@dataclass(frozen=True)
class ExitRecord:
    """A lead's end, appended to the outbox's exits log for reporting."""

    workflow_id: str
    lead_id: str
    outcome: str
    """``handoff`` or ``disqualified``."""
    reason: str
    plan_name: str
    plan_version: str
    ended_at: str
    summary: dict[str, Any] = field(default_factory=dict)


__all__ = [
    "DELIVER_HANDOFF",
    "DROP_VOICEMAIL",
    "EmailRequest",
    "EmailResult",
    "ExitRecord",
    "HandoffRequest",
    "HandoffResult",
    "LetterRequest",
    "LetterResult",
    "OPEN_TASK",
    "RECORD_EXIT",
    "Rendered",
    "SEND_EMAIL",
    "SEND_LETTER",
    "TaskRequest",
    "TaskResult",
    "VoicemailDropRequest",
    "VoicemailDropResult",
    "to_wire",
]
