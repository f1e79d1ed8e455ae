"""Draw one lead's responses from a :class:`~cadence.simulate.behaviour.Behaviour`.

Each lead has its own random streams, seeded from the run's seed and the lead's
id, one per kind of decision: a lead behaves the same whatever the other leads
do, and changing one probability does not reshuffle every other decision.
Every draw is made whether or not its probability is 0 or 1, for the same reason.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Literal

from cadence import ir, schedule
from cadence.simulate.behaviour import Behaviour, Delay

Intent = Literal["meeting", "not_interested", "connected", "unreached"]

_PREFERENCES: dict[str, tuple[str, ...]] = {
    "meeting": ("meeting_booked", "connected"),
    "not_interested": ("not_interested", "connected"),
    "connected": ("connected",),
}
_UNREACHED: dict[str, tuple[str, ...]] = {
    "call": ("no_answer", "voicemail_left"),
    "voicemail": ("voicemail_left", "no_answer"),
}
BOUNCE_DETAIL = "550 5.1.1 mailbox unavailable (simulated)"
"""What a simulated bounce says."""


def outcome_for(intent: Intent, channel: str, outcomes: Sequence[str]) -> str:
    """The task outcome a rep records for what happened, among the task's declared ``outcomes``.

    A meeting is ``meeting_booked`` (else ``connected``), a refusal ``not_interested``
    (else ``connected``); an unreached lead is ``no_answer`` on a call and
    ``voicemail_left`` on a voicemail task (each falling back on the other). A task
    declaring none of these gets its first outcome.
    """
    wanted = _PREFERENCES.get(intent) or _UNREACHED.get(channel, _UNREACHED["call"])
    return next((o for o in wanted if o in outcomes), outcomes[0])


class Buyer:
    """One lead (and the people around it) as the behaviour describes them.

    Args:
        behaviour: the response model.
        seed: the run's seed.
        lead_id: whose streams these are.
    """

    def __init__(self, behaviour: Behaviour, seed: int, lead_id: str) -> None:
        self.behaviour = behaviour
        self._seed = f"{seed}|{lead_id}|"
        self._streams: dict[str, random.Random] = {}
        self._bounce: bool | None = None

    def _stream(self, kind: str) -> random.Random:
        """The stream of ``kind``, seeded at its first draw (seeding costs more than most leads draw from some)."""
        stream = self._streams.get(kind)
        if stream is None:
            stream = self._streams[kind] = random.Random(self._seed + kind)
        return stream

    # -- emails ---------------------------------------------------------------
    def address_bounces(self) -> bool:
        """Whether the lead's address is dead (decided once, at the first email)."""
        if self._bounce is None:
            self._bounce = self._stream("email").random() < self.behaviour.email.bounce
        return self._bounce

    def after_email(self) -> list[str]:
        """The events an email sent brings: ``reply`` and/or ``unsubscribe`` (mostly none)."""
        model, rng = self.behaviour.email, self._stream("email")
        reply = rng.random() < model.reply
        unsubscribe = rng.random() < model.unsubscribe
        return [kind for kind, happens in (("reply", reply), ("unsubscribe", unsubscribe)) if happens]

    # -- tasks ----------------------------------------------------------------
    def task_outcome(self, channel: str, outcomes: Sequence[str], missing: Sequence[str]) -> tuple[str, list[str]]:
        """What a rep's attempt at a call or voicemail task gives: the outcome and the attributes learned.

        Args:
            channel: ``call`` or ``voicemail``.
            outcomes: the outcomes the task accepts.
            missing: qualification attributes not known yet, in the cadence's order.
        """
        model = self.behaviour.call
        rng = self._stream("call")
        connected = rng.random() < model.connect
        pick = rng.random()
        learned = [name for name in missing if rng.random() < model.learn]
        if not connected:
            return outcome_for("unreached", channel, outcomes), []
        intent: Intent = "connected"
        if pick < model.meeting:
            intent = "meeting"
        elif pick < model.meeting + model.not_interested:
            intent = "not_interested"
        return outcome_for(intent, channel, outcomes), learned

    # -- voicemails and letters -------------------------------------------------
    def calls_back(self) -> bool:
        """Whether a voicemail (dropped or left) brings a call-back request."""
        return self._stream("voicemail").random() < self.behaviour.voicemail.callback

    def answers_letter(self) -> bool:
        """Whether a letter brings a reply."""
        return self._stream("letter").random() < self.behaviour.letter.reply

    # -- sales ------------------------------------------------------------------
    def sales_answer(self) -> Literal["accept", "reject"] | None:
        """What the assignee of a handoff does: accept, reject, or nothing (the deadline passes)."""
        model = self.behaviour.sales
        pick = self._stream("sales").random()
        if pick < model.accept:
            return "accept"
        if pick < model.accept + model.reject:
            return "reject"
        return None

    # -- when -------------------------------------------------------------------
    def when(self, stream: Literal["email", "voicemail", "letter", "sales"], delay: Delay, plan_schedule: ir.Schedule,
             tz: str, now: datetime) -> datetime:
        """The instant a response comes: ``now`` plus a delay drawn from ``delay``, to the minute.

        Business days count on the cadence's calendar in the lead's zone.
        """
        rng = self._stream(stream)
        low = schedule.add_duration(plan_schedule, tz, now, delay.low)
        high = schedule.add_duration(plan_schedule, tz, now, delay.high)
        low, high = min(low, high), max(low, high)
        at = low + (high - low) * rng.random()
        # Whole minutes read better in a calendar; never before the earliest.
        return max(low, at - timedelta(seconds=at.second, microseconds=at.microsecond))


__all__ = ["BOUNCE_DETAIL", "Buyer", "Intent", "outcome_for"]
