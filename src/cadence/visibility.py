"""Custom search attributes: what operators filter on in the Temporal UI.

Names and types only (standard library), shared by the server launcher,
which registers them, and the workflow, which upserts them. Never personal
data: search attributes are stored unencrypted.
"""

from __future__ import annotations

SEARCH_ATTRIBUTES: dict[str, str] = {
    "CadenceName": "Keyword",
    "CadenceVersion": "Keyword",
    "CadenceStage": "Keyword",
    "CadenceTouches": "Int",
    "CadenceScore": "Int",
    "CadenceNextActionAt": "Datetime",
    "CadenceOutcome": "Keyword",
    "CadenceReason": "Keyword",
    "CadenceOwner": "Keyword",
    "CadenceSource": "Keyword",
    "CadenceOpenTask": "Keyword",
}
"""Attribute name -> Temporal type (as ``temporal server start-dev --search-attribute`` spells it)."""

LATEST_RUN = "ExecutionStatus != 'ContinuedAsNew'"
"""Visibility clause every listing of leads adds: a lead that continued as new (a track switch, a
recycle after sales said no, a long history) leaves its earlier runs behind with the values they
had then; only a lead's latest run tells where it is."""

__all__ = ["LATEST_RUN", "SEARCH_ATTRIBUTES"]
