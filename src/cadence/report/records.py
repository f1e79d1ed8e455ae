"""One lead as the report sees it: a frozen record built from visibility data only.

The workflow keeps a compact memo (``workflows/nurture.py`` ``_publish``)::

    {"stages": [[stage, entered_at, left_at, why(, answer)], ...],
     "touches": {"email": n, "call": n, "voicemail": n, "letter": n},
     "outcome": null | {"kind", "reason", "to", "at", "by"}}

and enrollment sets ``{"source", "campaign", "deal_size", "owner", "cadence"}``.
Together with the search attributes and the execution's status and times that is
everything the report needs, so thousands of leads are read with
``list_workflows`` alone. A lead started before the stage memo existed still gets
a record, from its search attributes (``complete=False``).

Sales' answer to a handoff is read from the ``answer`` the engine records in the
stage entry after it (:data:`cadence.vocabulary.ACCEPTANCE_ANSWERS`); memos
written before that field existed have only the words of ``why``, which are read
as a fallback.

Standard library and cadence's stdlib-only modules; times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cadence import utc
from cadence import visibility as sa
from cadence.vocabulary import (
    ACCEPTANCE_ANSWERS,
    ACCEPTED,
    DISQUALIFIED,
    HANDED_OFF,
    HANDOFF,
    NURTURE,
    OUTCOME_KINDS,
    PREQUALIFY,
    RECYCLED,
    REJECTED,
    SALES_READY,
    TRACK_PREFIX,
    is_nurture_stage,
    lead_id_of_workflow,
)

LIVE_STATUSES = ("running", "continued_as_new")
"""Execution statuses of a lead that is still being worked."""


_ORDER = {PREQUALIFY: 0, NURTURE: 1, SALES_READY: 3, HANDED_OFF: 4, ACCEPTED: 5, DISQUALIFIED: 8, "lost": 9}


def stage_order(stage: str) -> tuple[int, str]:
    """Sort key: stages in pipeline order (tracks after nurture), unknown ones last."""
    if stage.startswith(TRACK_PREFIX):
        return (2, stage)
    return (_ORDER.get(stage, 10), stage)


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 string or a datetime as an aware UTC datetime; ``None`` when absent or unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = utc.parse(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class StageStay:
    """One stay in a stage; ``left_at`` is ``None`` while the lead is still there (or for a final stage)."""

    stage: str
    entered_at: datetime
    left_at: datetime | None = None
    why: str = ""
    """Why the lead entered the stage, in words for people (never parsed, but in memos older than ``answer``)."""
    answer: str = ""
    """On the stay after a handoff sales had to accept: what became of it (:data:`ACCEPTANCE_ANSWERS`)."""


@dataclass(frozen=True)
class Outcome:
    """How the lead's nurture ended."""

    kind: str
    """``handoff`` or ``disqualified``."""
    reason: str
    at: datetime | None
    to: str = ""
    by: str = ""


@dataclass(frozen=True)
class LeadRecord:
    """Everything the report knows about one lead."""

    lead_id: str
    cadence: str
    source: str
    """``marketing`` or ``sales`` generated."""
    owner: str
    campaign: str
    deal_size: float | None
    status: str
    """Execution status, lower case: running, completed, terminated, failed, timed_out, canceled."""
    enrolled_at: datetime
    stages: tuple[StageStay, ...]
    touches: tuple[tuple[str, int], ...]
    """``(channel, count)`` pairs."""
    outcome: Outcome | None = None
    closed_at: datetime | None = None
    """When the workflow execution closed (``None`` while running)."""
    complete: bool = True
    """False when built from search attributes only (no stage memo): stage times are unknown."""

    @property
    def touch_count(self) -> int:
        """All touches on every channel."""
        return sum(n for _, n in self.touches)

    @property
    def lost_at(self) -> datetime | None:
        """When the lead ended without an outcome (terminated, failed, timed out): a black hole."""
        if self.outcome is None and self.status not in LIVE_STATUSES:
            return self.closed_at or self.enrolled_at
        return None

    @property
    def ended_at(self) -> datetime | None:
        """When the lead's nurture ended (outcome or loss); ``None`` while it is worked."""
        if self.outcome is not None:
            return self.outcome.at or self.closed_at or self.enrolled_at
        return self.lost_at

    def entered(self, stage: str) -> datetime | None:
        """When the lead first entered ``stage`` (``None`` if never)."""
        for stay in self.stages:
            if stay.stage == stage:
                return stay.entered_at
        return None

    def handoffs(self) -> list[datetime]:
        """When the dossier went to sales, every time (a rejected lead can be handed off again)."""
        times = [s.entered_at for s in self.stages if s.stage == HANDED_OFF]
        if not times and self.outcome is not None and self.outcome.kind == HANDOFF:
            at = self.entered(ACCEPTED) or self.outcome.at or self.closed_at
            times = [at] if at is not None else []
        return times

    def answer_to_handoff(self, before: datetime) -> str | None:
        """What sales did with the last handoff before ``before``.

        Returns:
            ``accepted``, ``rejected`` (sent back with a reason), ``recycled`` (not accepted
            in time), ``pending`` (still waiting), ``untracked`` (the cadence has no
            acceptance: the lead ended when handed off), or ``None`` (no handoff).
        """
        index = next((i for i in range(len(self.stages) - 1, -1, -1)
                      if self.stages[i].stage == HANDED_OFF and self.stages[i].entered_at < before), None)
        if index is None:
            return None
        nxt = self.stages[index + 1] if index + 1 < len(self.stages) else None
        if nxt is None or nxt.entered_at >= before:
            ended = self.ended_at
            return "untracked" if ended is not None and ended < before and self.outcome is not None else "pending"
        if nxt.answer in ACCEPTANCE_ANSWERS:
            return nxt.answer
        # Memos written before the engine recorded ``answer``: the stage, and the words of ``why``.
        if nxt.stage == ACCEPTED:
            return ACCEPTED
        return REJECTED if nxt.why.startswith(REJECTED) else RECYCLED

    def stage_at(self, when: datetime) -> str | None:
        """The stage the lead was in at ``when``; ``None`` before enrollment."""
        current: str | None = None
        for stay in self.stages:
            if stay.entered_at > when:
                break
            current = stay.stage
        return current


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        return None


def _stages(raw: Any) -> tuple[StageStay, ...]:
    stays: list[StageStay] = []
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, dict):
            item = [item.get("stage"), item.get("entered_at"), item.get("left_at"), item.get("why"), item.get("answer")]
        if not isinstance(item, (list, tuple)) or len(item) < 2:
            continue
        entered = parse_time(item[1])
        if not item[0] or entered is None:
            continue
        stays.append(StageStay(str(item[0]), entered, parse_time(item[2]) if len(item) > 2 else None,
                               str(item[3] or "") if len(item) > 3 else "", str(item[4] or "") if len(item) > 4 else ""))
    return tuple(stays)


def _outcome(raw: Any) -> Outcome | None:
    if not isinstance(raw, dict) or raw.get("kind") not in OUTCOME_KINDS:
        return None
    return Outcome(kind=str(raw["kind"]), reason=str(raw.get("reason") or ""), at=parse_time(raw.get("at")),
                   to=str(raw.get("to") or ""), by=str(raw.get("by") or ""))


def record_from_memo(workflow_id: str, memo: Mapping[str, Any], *, attributes: Mapping[str, Any] | None = None,
                     status: str = "running", start_time: datetime | None = None,
                     close_time: datetime | None = None) -> LeadRecord:
    """Build a lead's record from its memo, search attributes and execution times.

    Args:
        workflow_id: the lead's workflow id (:func:`cadence.vocabulary.workflow_id_for`).
        memo: the decoded memo (enrollment keys and the stage memo).
        attributes: search attribute name -> value (:mod:`cadence.visibility`).
        status: the execution status, lower case.
        start_time: the execution's start (the enrollment when the memo has no stages).
        close_time: the execution's close time, if closed.
    """
    attrs = attributes or {}
    stages = _stages(memo.get("stages"))
    start = parse_time(start_time) or (stages[0].entered_at if stages else None) or datetime.now(UTC)
    close = parse_time(close_time)
    outcome = _outcome(memo.get("outcome"))
    complete = bool(stages)
    if not stages:  # started before the stage memo: one stay in the current stage, times unknown
        stage = str(attrs.get(sa.STAGE) or PREQUALIFY)
        stages = (StageStay(stage, start, None, ""),)
    if outcome is None and attrs.get(sa.OUTCOME) in OUTCOME_KINDS:
        outcome = Outcome(str(attrs[sa.OUTCOME]), str(attrs.get(sa.REASON) or ""), close)
    raw_touches = memo.get("touches")
    if isinstance(raw_touches, dict):
        touches = tuple((str(k), int(v)) for k, v in raw_touches.items() if isinstance(v, (int, float)) and v)
    else:
        total = int(attrs.get(sa.TOUCHES) or 0)
        touches = (("unknown", total),) if total else ()
    return LeadRecord(
        lead_id=lead_id_of_workflow(workflow_id) or workflow_id,
        cadence=str(memo.get("cadence") or attrs.get(sa.NAME) or ""),
        source=str(memo.get("source") or attrs.get(sa.SOURCE) or "marketing"),
        owner=str(memo.get("owner") or attrs.get(sa.OWNER) or ""),
        campaign=str(memo.get("campaign") or ""),
        deal_size=_number(memo.get("deal_size")),
        status=status,
        enrolled_at=stages[0].entered_at if complete else start,
        stages=stages,
        touches=touches,
        outcome=outcome,
        closed_at=close,
        complete=complete,
    )


__all__ = [
    "LIVE_STATUSES",
    "LeadRecord",
    "Outcome",
    "StageStay",
    "is_nurture_stage",
    "parse_time",
    "record_from_memo",
    "stage_order",
]
