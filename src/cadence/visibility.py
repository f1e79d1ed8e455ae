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

__all__ = ["SEARCH_ATTRIBUTES"]
