"""What crosses the wire between clients, the workflow and activities.

Frozen dataclasses, standard library only (the workflow sandbox imports
them). Temporal's JSON converter serialises them; fields hold JSON types.
"""

# No ``from __future__ import annotations``: Temporal's converter calls ``get_type_hints`` on these
# classes for every payload it decodes, and string annotations are compiled again each time.

from dataclasses import dataclass, field
from typing import Any

from cadence.vocabulary import WORKFLOW_ID_PREFIX, workflow_id_for

WORKFLOW_NAME = "CadenceNurture"
DEFAULT_TASK_QUEUE = "cadence"

# Names of the workflow's message handlers (clients use them by name).
SIGNAL_EVENT = "event"
UPDATE_LOG_OUTCOME = "log_outcome"
UPDATE_LEAD = "update_lead"
UPDATE_HANDOFF = "force_handoff"
UPDATE_DISQUALIFY = "disqualify"
UPDATE_PAUSE = "pause"
UPDATE_RESUME = "resume"
UPDATE_ACCEPT = "accept"
UPDATE_REJECT = "reject"
UPDATE_MIGRATE = "migrate"
UPDATE_CONTACT_KEYS = "publish_contact_keys"
QUERY_STATE = "state"


INTERPRETER_GENERATION = 2
"""The interpreter generation new leads start on: every patch up to it is built in (docs/versioning.md).

Raise it only in a release after the one that added the patches, once every
worker runs them: a worker refuses leads of a generation it does not know.
Generation 2 also carries the plan packed (:func:`cadence.ir.plan_for_input`).
"""


@dataclass(frozen=True)
class NurtureInput:
    """Input of the nurture workflow."""

    lead: dict[str, Any]
    """The validated lead record (see :func:`cadence.lead.parse_lead`)."""
    plan: dict[str, Any]
    """The compiled Plan, pinned for this lead: :func:`cadence.ir.plan_for_input` (packed, from generation 2 on),
    or :func:`cadence.ir.plan_to_wire` / ``plan_to_dict`` data (older leads)."""
    time_scale: float = 1.0
    """Clock speed-up for demos: 1000 plays a 6-month cadence in about 4 hours."""
    state: dict[str, Any] | None = None
    """Carried state after continue-as-new or a track switch; ``None`` at enrollment."""
    enrolled_by: str = ""
    """Who enrolled the lead (operator or system), for the history."""
    virtual_now: str | None = None
    """Cadence clock (ISO UTC): at enrollment, the instant the lead's cadence starts at (tests and
    simulations state theirs; default: the workflow's clock); carried across continue-as-new when
    ``time_scale`` is not 1."""
    clock_offset: float = 0.0
    """Seconds cadence time runs ahead of workflow time at ``time_scale`` 1, fixed at enrollment by
    ``virtual_now`` and carried across continue-as-new."""
    history_limit: int = 10_000
    """Continue-as-new at the next wait once the history has this many events."""
    interpreter_generation: int = 0
    """:data:`INTERPRETER_GENERATION` when the lead started; 0 (older leads): each patch decided by its marker."""


@dataclass(frozen=True)
class EventInput:
    """A system event: reply, meeting_booked, callback_requested, unsubscribe, bounce, lead_updated."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    """Free details (message id of the reply, bounce diagnostic, changed fields ...)."""
    source: str = ""
    """Where it came from (``smtp``, ``cli``, ``webhook``)."""
    contact_keys: list[str] | None = None
    """For a ``lead_updated`` that changes the address where sender matching is on: the new address's
    keys (:mod:`cadence.contacts`; empty: no address now). ``None`` leaves the lead's keys as they are."""


@dataclass(frozen=True)
class OutcomeInput:
    """A rep records what happened on a call or voicemail task."""

    task_id: str
    outcome: str
    notes: str = ""
    learned: dict[str, str] = field(default_factory=dict)
    """Qualification attributes learned: attribute name -> what is known."""
    by: str = ""


@dataclass(frozen=True)
class LeadUpdateInput:
    """An operator changes lead fields (validated like enrollment data)."""

    fields: dict[str, Any]
    by: str = ""
    contact_keys: list[str] | None = None
    """As :attr:`EventInput.contact_keys`: the keys of a changed address, computed where the secret is."""


@dataclass(frozen=True)
class ContactKeysInput:
    """The keys of a running lead's address, published after sender matching was turned on (a backfill)."""

    email: str
    """The address the keys were computed for: refused if the lead's address is another by now."""
    keys: list[str] = field(default_factory=list)
    """Its keys (:mod:`cadence.contacts`), computed where the secret is."""
    by: str = ""


@dataclass(frozen=True)
class OperatorInput:
    """An operator override: force handoff (``to``), disqualify (``reason``), pause, resume."""

    reason: str = ""
    to: str = ""
    note: str = ""
    by: str = ""


@dataclass(frozen=True)
class MigrateInput:
    """Move the lead onto another version of its cadence (``cadence migrate``)."""

    plan: dict[str, Any]
    """The new version of the lead's root cadence, as :func:`cadence.ir.plan_for_input` (or ``plan_to_wire``) data."""
    migration_id: str
    """The migration's id: asking again with it changes nothing."""
    mapping: dict[str, str] = field(default_factory=dict)
    """Old step id -> new step id, for positions whose step was renamed or removed."""
    by: str = ""


SUPPRESSION_WORKFLOW = "CadenceSuppression"
"""One long-lived workflow per suppressed address or ``*@domain`` pattern: the do-not-contact list."""
SUPPRESSION_ID_PREFIX = "suppress-"
UPDATE_SUPPRESS = "suppress"
UPDATE_UNSUPPRESS = "unsuppress"


@dataclass(frozen=True)
class SuppressionEntry:
    """Why an address (or a ``*@domain`` pattern) may not be contacted."""

    pattern: str
    """A lowercased address, or ``*@domain`` (every address of that domain and its subdomains)."""
    reason: str
    """``unsubscribed``, ``bounced``, ``complained`` or ``manual``."""
    at: str
    """When (ISO UTC)."""
    by: str = ""
    """Who or what: ``gateway``, a lead's workflow, an operator."""
    source_id: str = ""
    """The inbound item's id (a Message-ID, a provider's event id): adding it again changes nothing."""
    note: str = ""


@dataclass(frozen=True)
class UpdateResult:
    """What an update handler answers."""

    ok: bool
    message: str


__all__ = [
    "ContactKeysInput",
    "DEFAULT_TASK_QUEUE",
    "EventInput",
    "INTERPRETER_GENERATION",
    "LeadUpdateInput",
    "MigrateInput",
    "NurtureInput",
    "OperatorInput",
    "OutcomeInput",
    "QUERY_STATE",
    "SIGNAL_EVENT",
    "SUPPRESSION_ID_PREFIX",
    "SUPPRESSION_WORKFLOW",
    "SuppressionEntry",
    "UPDATE_ACCEPT",
    "UPDATE_CONTACT_KEYS",
    "UPDATE_DISQUALIFY",
    "UPDATE_HANDOFF",
    "UPDATE_LEAD",
    "UPDATE_MIGRATE",
    "UPDATE_LOG_OUTCOME",
    "UPDATE_PAUSE",
    "UPDATE_REJECT",
    "UPDATE_RESUME",
    "UPDATE_SUPPRESS",
    "UPDATE_UNSUPPRESS",
    "UpdateResult",
    "WORKFLOW_ID_PREFIX",
    "WORKFLOW_NAME",
    "workflow_id_for",
]
