"""The simulator holds to the real workflow: same steps, same channels, same dates, same outcome.

One lead goes through a shipped cadence twice from the same stated instant: in the
simulator, and on Temporal's time-skipping server with the real worker, where what the
simulated reps, buyer and sales did (the run's inputs) is replayed at the same instants
through the client API. The two contact histories must match entry for entry, dates
within a minute (activities take real milliseconds on the server).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cadence import client as api
from cadence.dsl.compiler import compile_file
from cadence.lead import parse_lead
from cadence.schedule import parse_duration
from cadence.simulate import (
    SILENT,
    Behaviour,
    CallModel,
    Delay,
    EmailModel,
    LeadRun,
    RepModel,
    SalesModel,
    simulate,
)
from tests.workflow.conftest import CALENDAR

ROOT = Path(__file__).resolve().parents[2]
PLAN = compile_file(ROOT / "cadences" / "enterprise-nurture.yaml")
CHICAGO = ZoneInfo("America/Chicago")
START = datetime(2027, 3, 1, 9, 30, tzinfo=CHICAGO)
"""Monday 09:30 in the lead's zone; the never-answered lead then runs until 2028 (holidays, two DST changes)."""
HORIZON_DAYS = 900
LEAD = parse_lead({
    "id": "SIM-1", "first_name": "Robin", "last_name": "Reyes", "email": "robin@prospect.example",
    "phone": "+1 312 555 0199", "company": "Prospect Logistics", "title": "VP Operations",
    "owner": "dana@seller.example", "timezone": "America/Chicago", "address_line1": "200 W Adams St",
    "city": "Chicago", "region": "IL", "postal_code": "60606", "country": "US",
})

NOBODY_CALLS = dataclasses.replace(SILENT, reps=RepModel(capacity=0))
"""The buyer never answers and no rep ever logs a call: every task is missed."""
REPS_CALL_NOBODY_ANSWERS = SILENT
"""Reps log every task an hour after it opens; the buyer never picks up."""
NOT_INTERESTED = dataclasses.replace(
    SILENT,
    email=EmailModel(reply=1.0, bounce=0.0, unsubscribe=0.0, delay=Delay(parse_duration("1 day"), parse_duration("1 day"))),
    call=CallModel(connect=1.0, meeting=0.0, not_interested=1.0, learn=0.0),
)
"""Every call connects and hears "not interested" (to the long-term track); every email gets a reply a day later."""
MEETING_ACCEPTED = dataclasses.replace(
    SILENT,
    call=CallModel(connect=1.0, meeting=1.0, not_interested=0.0, learn=1.0),
    sales=SalesModel(accept=1.0, reject=0.0, delay=Delay(parse_duration("3 hours"), parse_duration("3 hours"))),
)
"""The first call books a meeting (everything learned); sales accepts the handoff three hours later."""


@pytest.fixture
def start() -> datetime:
    return START


def simulated(behaviour: Behaviour, start: datetime = START) -> LeadRun:
    run = simulate(PLAN, [LEAD], start=start, days=HORIZON_DAYS, behaviour=behaviour, seed=7, trace=[LEAD.id])
    lead = run.lead(LEAD.id)
    assert lead.outcome, "the simulated lead must end within the horizon"
    return lead


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def entries(history: list[dict[str, Any]] | tuple[dict[str, Any], ...]) -> list[tuple[str, str, str, str, str]]:
    return [(h["kind"], h["channel"] or "", h["step"], h["outcome"], h["by"]) for h in history]


async def replay(rig: Any, handle: Any, lead: LeadRun) -> dict[str, Any]:
    """Do to the workflow what the simulated world did to the lead, at the same cadence instants."""
    offset = rig.start - await rig.env.get_current_time()  # cadence time = server time + offset
    for item in lead.inputs:
        lag = item.at - offset - await rig.env.get_current_time()
        if lag > timedelta(0):
            await rig.sleep(lag)
        if item.kind == "outcome":
            await api.log_outcome(rig.client, item.task_id, item.outcome, notes=item.note, learned=dict(item.learned),
                                  by=item.by)
        elif item.kind == "event":
            await api.send_event(rig.client, LEAD.id, item.event, {"detail": "simulated buyer"}, source="simulated")
        elif item.kind == "accept":
            await api.accept(rig.client, LEAD.id, note=item.note)
        else:
            await api.reject(rig.client, LEAD.id, item.note)
    return await handle.result()


def assert_same(result: dict[str, Any], lead: LeadRun) -> None:
    assert (result["outcome"], result["reason"]) == (lead.outcome, lead.reason)
    assert entries(result["history"]) == entries(lead.history)
    for real, sim in zip(result["history"], lead.history, strict=True):
        assert abs(_at(real["at"]) - _at(sim["at"])) < timedelta(minutes=1), (real, sim)
    assert [h for h in lead.history if h["kind"] == "touch"], "a lead with no touch proves nothing"


@pytest.mark.parametrize("behaviour", [NOBODY_CALLS, REPS_CALL_NOBODY_ANSWERS, NOT_INTERESTED, MEETING_ACCEPTED],
                         ids=["nobody-calls", "reps-call-nobody-answers", "not-interested", "meeting-accepted"])
async def test_the_simulator_gives_the_workflows_dates_and_outcome(rig, behaviour):
    lead = simulated(behaviour)
    started = await rig.enroll(PLAN, LEAD)
    result = await replay(rig, started.handle, lead)
    assert_same(result, lead)


@pytest.mark.parametrize("start", list(CALENDAR.values()), ids=list(CALENDAR))
async def test_the_simulator_keeps_the_workflows_calendar_from_every_awkward_start(rig, start):
    """Weekends, a Friday evening before a holiday, Christmas Eve, a spring-forward night."""
    lead = simulated(REPS_CALL_NOBODY_ANSWERS, start)
    started = await rig.enroll(PLAN, LEAD)
    assert_same(await replay(rig, started.handle, lead), lead)


async def test_a_bounced_address_is_simulated_as_the_worker_records_it(rig):
    rig.mailbox.refuse[LEAD.fields["email"]] = "550 5.1.1 mailbox unavailable"
    lead = simulated(dataclasses.replace(SILENT, email=EmailModel(reply=0.0, bounce=1.0, unsubscribe=0.0)))
    assert ("touch", "email", "intro-email", "bounced", "") in entries(lead.history)
    started = await rig.enroll(PLAN, LEAD)
    assert_same(await replay(rig, started.handle, lead), lead)


async def test_an_unsubscribe_is_simulated_as_the_workflow_takes_it(rig):
    lead = simulated(dataclasses.replace(SILENT, email=EmailModel(reply=0.0, bounce=0.0, unsubscribe=1.0)))
    assert (lead.outcome, lead.reason) == ("disqualified", "opted_out")
    started = await rig.enroll(PLAN, LEAD)
    assert_same(await replay(rig, started.handle, lead), lead)
