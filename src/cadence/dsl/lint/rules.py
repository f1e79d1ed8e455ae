"""The warnings cadence knows: stable ids, what each finds and why it exists.

The ids are a contract: authors silence them by name in cadence files
(``lint: {silence: {ID: "why"}}``), code-scanning UIs group results by them,
and the JSON Schema lists them (a test holds the two to each other).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One kind of warning."""

    id: str
    """Stable id, lower-kebab-case: what ``lint.silence`` and SARIF's ``ruleId`` name."""
    name: str
    """The id in PascalCase (SARIF's ``name``)."""
    summary: str
    """What the rule finds, in one line."""
    why: str
    """Why it matters in B2B nurture."""
    example_reason: str
    """A reason that would justify silencing it, shown when a silence gives none."""


NO_RESPONSE = "no_response"
"""The disqualify reason of a lead that never answered, as every shipped cadence and the engine spell it."""
MIN_TOUCHES = 7
"""Touches before giving up on a silent lead (leads handed to sales were typically contacted at least seven times)."""
MIN_MEDIA = 2
"""Channels before giving up on a silent lead."""
MIN_EMAIL_GAP = 2
"""Business days between any touch and the next email."""
CALL_HOURS = ("08:00", "21:00")
"""Local hours in which telephone solicitation is allowed in the US (TCPA)."""

RULES: tuple[Rule, ...] = (
    Rule("few-touches", "FewTouches",
         f"A lead that never answers can be disqualified {NO_RESPONSE} after fewer than {MIN_TOUCHES} touches.",
         "Many of the best prospects answer only after five or six touches over months; leads handed to sales "
         f"were typically contacted at least {MIN_TOUCHES} times.",
         "inbound hand-raisers who stay silent for three weeks are not worth more calls"),
    Rule("few-media", "FewMedia",
         f"A lead that never answers can be disqualified {NO_RESPONSE} after touches on fewer than {MIN_MEDIA} channels.",
         "Prospects answer on different media: leads handed to sales were contacted by phone, voicemail, email "
         "and letter, not by one channel repeated.",
         "this cadence only re-sends a newsletter to leads that opted into email"),
    Rule("handoff-without-evidence", "HandoffWithoutEvidence",
         "A handoff that checks no qualification attribute, score or engagement.",
         "Sales drops most of the leads it gets when they are not ready; a handoff should rest on what was "
         "learned (the qualification attributes, the score) or on what the lead did (reply, call, meeting).",
         "sales asked for every lead of this partner campaign, qualified or not"),
    Rule("unreachable-gate", "UnreachableGate",
         "A gate rule that can never apply, or a step only such rules lead to.",
         "The first rule that holds decides: a rule that an earlier one always pre-empts, or whose condition never "
         "holds, is a decision the author believes in that never happens.",
         "kept for the next version, which changes the first rule"),
    Rule("endless-track", "EndlessTrack",
         "A track from which a lead that never answers can never reach an end.",
         "Every lead ends handed off or disqualified with a reason; a lead that keeps cycling is the lead black "
         "hole nobody can account for.",
         "operators end these leads by hand each quarter after a review"),
    Rule("can-spam", "CanSpam",
         "An email template without an unsubscribe link or a physical postal address.",
         "CAN-SPAM asks every commercial email for a working opt-out and the sender's postal address; the "
         "List-Unsubscribe header cadence adds is not shown by every mail client.",
         "transactional email: the recording the lead asked for, not a commercial message"),
    Rule("tcpa-hours", "TcpaHours",
         f"A call or voicemail that can happen outside {CALL_HOURS[0]}-{CALL_HOURS[1]} in the lead's time zone.",
         f"US telephone solicitation is barred before {CALL_HOURS[0]} and after {CALL_HOURS[1]} at the called "
         "person's location (TCPA); some states are stricter.",
         "every lead of this cadence is in Germany, where the schedule's zone is theirs"),
    Rule("email-too-soon", "EmailTooSoon",
         f"An email that can go out less than {MIN_EMAIL_GAP} business days after the previous touch.",
         "Touches that crowd each other read as pressure and get unsubscribes; the lead needs time to answer the "
         "previous one.",
         "hand-raisers asked for these resources: the buyer's window is days"),
)
"""Every warning, in the order docs list them."""

RULE_IDS: tuple[str, ...] = tuple(rule.id for rule in RULES)
BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}

__all__ = ["BY_ID", "CALL_HOURS", "MIN_EMAIL_GAP", "MIN_MEDIA", "MIN_TOUCHES", "NO_RESPONSE", "RULES", "RULE_IDS", "Rule"]
