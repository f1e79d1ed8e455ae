"""The names that conditions and templates may use.

One contract for the validator (which rejects unknown names at validate
time) and the engine (which builds the values at run time, in
:mod:`cadence.context_values`; ``tests/unit/test_context_values.py`` holds
names and values to each other). Standard library only.
"""

from __future__ import annotations

CONDITION_NAMES: frozenset[str] = frozenset(
    {
        "lead",  # the lead's fields: lead.company, lead.owner ...
        "lists",  # the cadence's named lists: lists.competitors ...
        "qualified",  # names of qualification attributes captured so far
        "qualified_count",  # how many
        "qualification",  # attribute name -> what is known
        "missing",  # attributes not yet captured, in the cadence's order
        "score",  # BANT-style score, 0-100
        "engaged",  # any reply, connected call, callback request or meeting
        "engagement",  # counters: replies, connected_calls, callbacks, meetings
        "replies",
        "meetings",
        "connected_calls",
        "touches",  # touches done so far, all channels
        "touches_by_channel",  # email/call/voicemail/letter -> count
        "days",  # whole days since enrollment
        "last_outcome",  # last task outcome or event kind, or none
        "stage",  # current stage name
    }
)
"""Variables of gate conditions."""

PREQUAL_NAMES: frozenset[str] = frozenset({"lead", "lists", "email_domain"})
"""Variables of pre-qualification rules (data only: nothing has happened yet)."""

TEMPLATE_NAMES: frozenset[str] = CONDITION_NAMES | {
    "history",  # list of touches: at, channel, step, outcome, notes
    "cadence",  # name, description, version
    "step",  # id of the step being rendered
    "iteration",  # how many times this step ran before (loops)
    "unsubscribe_url",
    "sender",  # from address of the email being sent
    "lead_token",  # the lead's signed token: a scheduling link's utm_content finds the lead again
}
"""Variables of email, call brief, voicemail and letter templates."""

ACTIVITY_TEMPLATE_NAMES: frozenset[str] = frozenset({"unsubscribe_url", "sender", "lead_token"})
"""Template variables only the sending activity knows; the engine builds all the others."""

__all__ = ["ACTIVITY_TEMPLATE_NAMES", "CONDITION_NAMES", "PREQUAL_NAMES", "TEMPLATE_NAMES"]
