"""Custom search attributes: what operators filter on in the Temporal UI, and the queries over them.

The names, their types and their typed keys are defined here once: the server
launcher registers them, enrollment sets the first values, the workflow
upserts them, and listings and the report read them and filter on them.
Never personal data: search attributes are stored unencrypted.

Standard library at import time (the CLI and the launcher import it without
the SDK); :func:`keys` imports ``temporalio`` on first use.
"""

from __future__ import annotations

from typing import Any

NAME = "CadenceName"
"""The cadence (plan name) the lead runs."""
VERSION = "CadenceVersion"
"""The plan's short sha256."""
STAGE = "CadenceStage"
"""The lead's stage (:data:`cadence.vocabulary.STAGES`, ``track:NAME``)."""
TOUCHES = "CadenceTouches"
SCORE = "CadenceScore"
NEXT_ACTION_AT = "CadenceNextActionAt"
OUTCOME = "CadenceOutcome"
"""How the lead ended (:data:`cadence.vocabulary.OUTCOME_KINDS`), or while it runs :data:`ACTIVE`,
:data:`PAUSED` or :data:`AWAITING_ACCEPTANCE`."""
REASON = "CadenceReason"
"""The disqualification reason."""
OWNER = "CadenceOwner"
SOURCE = "CadenceSource"
OPEN_TASK = "CadenceOpenTask"
"""The kind of the open task (``call``, ``voicemail``), empty when none is open."""
TASK_ASSIGNEE = "CadenceTaskAssignee"
"""Who the open task waits for (a rep's name, ``queue:NAME``), empty when none is open: a rep's queue is
one visibility query, not a look at every lead."""
CONTACT_KEYS = "CadenceContactKeys"
"""Keyed digests of the lead's addresses (:mod:`cadence.contacts`), set at enrollment only where
``inbound_match_sender`` is on: the gateway finds a lead by who writes without any address stored here."""

ACTIVE = "active"
"""``CadenceOutcome`` of a lead being worked."""
PAUSED = "paused"
"""``CadenceOutcome`` of a lead an operator paused."""
AWAITING_ACCEPTANCE = "awaiting_acceptance"
"""``CadenceOutcome`` of a lead handed off and waiting for sales to accept it."""

SEARCH_ATTRIBUTES: dict[str, str] = {
    NAME: "Keyword",
    VERSION: "Keyword",
    STAGE: "Keyword",
    TOUCHES: "Int",
    SCORE: "Int",
    NEXT_ACTION_AT: "Datetime",
    OUTCOME: "Keyword",
    REASON: "Keyword",
    OWNER: "Keyword",
    SOURCE: "Keyword",
    OPEN_TASK: "Keyword",
    TASK_ASSIGNEE: "Keyword",
    # A list (a lead may have several addresses) and not one more Keyword: the dev server's SQLite
    # visibility holds ten custom Keyword attributes, and the nine above use all but one.
    CONTACT_KEYS: "KeywordList",
}
"""Attribute name -> Temporal type (as ``temporal server start-dev --search-attribute`` spells it)."""
ENROLLMENT_ONLY: frozenset[str] = frozenset({CONTACT_KEYS})
"""Attributes set when a lead is enrolled and never upserted by its workflow (they outlive continue-as-new)."""

LATEST_RUN = "ExecutionStatus != 'ContinuedAsNew'"
"""Visibility clause every listing of leads adds: a lead that continued as new (a track switch, a
recycle after sales said no, a long history) leaves its earlier runs behind with the values they
had then; only a lead's latest run tells where it is."""

_KEYS: dict[str, Any] = {}


def keys() -> dict[str, Any]:
    """Attribute name -> its ``temporalio.common.SearchAttributeKey`` (built once per process)."""
    if not _KEYS:
        from temporalio.common import SearchAttributeKey

        factories = {"Keyword": SearchAttributeKey.for_keyword, "Int": SearchAttributeKey.for_int,
                     "Datetime": SearchAttributeKey.for_datetime,
                     "KeywordList": SearchAttributeKey.for_keyword_list}
        _KEYS.update({name: factories[kind](name) for name, kind in SEARCH_ATTRIBUTES.items()})
    return _KEYS


def quote(value: str) -> str:
    """``value`` as the inside of a single-quoted visibility-query string."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def leads_query(workflow_type: str, **equal: str | None) -> str:
    """The visibility query over the latest runs of ``workflow_type`` whose attributes equal the given values.

    Args:
        workflow_type: the workflow type name (:data:`cadence.messages.WORKFLOW_NAME`).
        equal: attribute name -> value; ``None`` or empty leaves the attribute out.
    """
    clauses = [f"WorkflowType = '{workflow_type}'", LATEST_RUN]
    clauses += [f"{attr} = '{quote(value)}'" for attr, value in equal.items() if value]
    return " AND ".join(clauses)


__all__ = [
    "ACTIVE",
    "AWAITING_ACCEPTANCE",
    "CONTACT_KEYS",
    "ENROLLMENT_ONLY",
    "LATEST_RUN",
    "PAUSED",
    "NAME",
    "NEXT_ACTION_AT",
    "OPEN_TASK",
    "TASK_ASSIGNEE",
    "OUTCOME",
    "OWNER",
    "REASON",
    "SCORE",
    "SEARCH_ATTRIBUTES",
    "SOURCE",
    "STAGE",
    "TOUCHES",
    "VERSION",
    "keys",
    "leads_query",
    "quote",
]
