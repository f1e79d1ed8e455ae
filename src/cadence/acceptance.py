"""Sales acceptance: the sub-machine between a handoff and sales' answer.

When the plan has ``acceptance``, a delivered handoff does not end the nurture:
the lead waits in :data:`~cadence.vocabulary.HANDED_OFF` until sales accepts
(the nurture ends in an accepted handoff), rejects (the lead goes to the recycle
track), or lets the deadline pass (escalate once, then recycle). The state lives
in ``LeadState.acceptance`` (to, deadline, escalated, reason, sections, answer;
``lapsed`` once nobody answered in time) and ``phase == "acceptance"``.

:class:`SalesAcceptance` is composed by :class:`cadence.engine.Engine`, which
exposes its methods under the same names; it reads the engine's plan, state and
time zone and records through the engine's history and stages. Pure and
deterministic: the time is an argument.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from cadence import ir, schedule, utc
from cadence import vocabulary as vocab
from cadence.commands import Command, Finish, RejectedInput, SwitchTrack, Wait


class AcceptanceHost(Protocol):
    """What :class:`SalesAcceptance` needs of the engine that composes it."""

    plan: ir.Plan
    state: Any  # cadence.engine.LeadState

    @property
    def tz(self) -> str: ...

    def _history(self, now: datetime, kind: str, *, channel: str | None = None, step: str = "", outcome: str = "",
                 notes: str = "", by: str = "", detail: str = "") -> None: ...

    def _enter_stage(self, stage: str, now: datetime, why: str, answer: str = "") -> None: ...


class SalesAcceptance:
    """Sales' answer to a handoff for the lead of ``host`` (the engine)."""

    def __init__(self, host: AcceptanceHost) -> None:
        self._host = host

    def handed_off(self, command: Finish, now: datetime) -> None:
        """The dossier went to ``command.to``; wait for sales to accept (the plan has acceptance)."""
        host = self._host
        acceptance = host.plan.acceptance
        assert acceptance is not None
        st = host.state
        escalated = bool(st.acceptance and st.acceptance.get("escalated"))
        # Sales may answer the first handoff while its escalation is being delivered: keep that answer.
        answer = st.acceptance.get("answer") if st.acceptance else None
        deadline = self.answer_by(now)
        assert deadline is not None
        st.acceptance = {"to": command.to, "deadline": utc.iso(deadline), "escalated": escalated,
                         "reason": command.reason, "sections": list(command.sections), "answer": answer}
        st.phase, st.wait_until = "acceptance", utc.iso(deadline)
        host._history(now, "stage", outcome=vocab.HANDED_OFF, by=command.by,
                      detail=f"to {command.to}, to accept by {utc.iso(deadline)}: {command.reason}")
        host._enter_stage(vocab.HANDED_OFF, now, command.reason)

    def answer_by(self, now: datetime) -> datetime | None:
        """By when sales must accept or reject a lead handed off at ``now``; ``None`` without acceptance."""
        host = self._host
        acceptance = host.plan.acceptance
        if acceptance is None:
            return None
        return schedule.add_duration(host.plan.schedule, host.tz, now, acceptance.deadline)

    def check_answer(self) -> dict[str, Any]:
        """The pending acceptance; refuses when the lead is not waiting for sales."""
        st = self._host.state
        if st.phase != "acceptance" or st.acceptance is None or st.acceptance.get("answer"):
            raise RejectedInput(f"lead {st.lead.get('id')} is not waiting for sales to accept it (stage {st.stage})")
        return st.acceptance

    def accept(self, by: str, note: str, now: datetime) -> None:
        """Sales accepted the lead: the nurture ends in an accepted handoff (``by`` empty: the assignee)."""
        pending = self.check_answer()
        by = by or pending["to"]
        pending["answer"] = {"accepted": True, "by": by, "note": note}
        self._host._history(now, "operator", outcome=vocab.ACCEPTED, by=by, detail=note)

    def check_reject(self, reason: str) -> dict[str, Any]:
        """The pending acceptance; refuses when the lead is not waiting for sales or ``reason`` is blank."""
        pending = self.check_answer()
        if not reason.strip():
            raise RejectedInput("a rejection needs a reason (what is missing, why it is not a fit)")
        return pending

    def reject(self, reason: str, by: str, now: datetime) -> None:
        """Sales rejected the lead: it goes back to nurture on the recycle track (``by`` empty: the assignee)."""
        pending = self.check_reject(reason)
        by = by or pending["to"]
        pending["answer"] = {"accepted": False, "by": by, "note": reason}
        self._host._history(now, "operator", outcome=vocab.REJECTED, by=by, detail=reason)

    def decide(self, now: datetime) -> Command:
        """The next command while the lead waits for sales: finish accepted, recycle, wait, or escalate."""
        host = self._host
        st = host.state
        acceptance = host.plan.acceptance
        pending = st.acceptance
        assert acceptance is not None and pending is not None
        answer = pending.get("answer")
        if answer and answer["accepted"]:
            return Finish(vocab.HANDOFF, f"accepted by {answer['by'] or pending['to']}", to=pending["to"],
                          sections=tuple(pending["sections"]), by=answer["by"], deliver=False,
                          summary=f"accepted by {answer['by'] or pending['to']}")
        if answer:
            return SwitchTrack(acceptance.recycle, f"rejected by sales: {answer['note']}",
                               f"recycle to {acceptance.recycle}: rejected by sales")
        until = utc.parse(st.wait_until) if st.wait_until else now
        if now < until:
            return Wait(until, f"waiting for {pending['to']} to accept the lead until {schedule.describe(until, host.tz)}",
                        business_days=acceptance.deadline.unit == "business_days")
        host._history(now, "stage", outcome="not_accepted", by=pending["to"],
                      detail=f"{pending['to']} did not accept by {pending['deadline']}")
        if acceptance.escalate_to and not pending["escalated"]:
            pending["escalated"] = True
            return Finish(vocab.HANDOFF, f"escalated: {pending['to']} did not accept in time", to=acceptance.escalate_to,
                          sections=tuple(pending["sections"]), summary=f"escalate to {acceptance.escalate_to}",
                          escalated_from=pending["to"], missed_deadline=pending["deadline"])
        pending["lapsed"] = True  # nobody answered in time
        return SwitchTrack(acceptance.recycle, "nobody accepted the lead by the deadline",
                           f"recycle to {acceptance.recycle}: not accepted in time")


def recycle_answer(pending: dict[str, Any] | None) -> str:
    """What sales did with a handoff the lead now leaves for a track: rejected it, let it lapse, or neither
    (``""``: the lead moved for another reason, or was not waiting for sales)."""
    if not pending:
        return ""
    answer = pending.get("answer")
    if answer and not answer.get("accepted"):
        return vocab.REJECTED
    return vocab.RECYCLED if pending.get("lapsed") else ""


__all__ = ["AcceptanceHost", "SalesAcceptance", "recycle_answer"]
