"""Workflow tests run at a cadence time they state, never at the machine's date (issue #16)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cadence import client as api
from cadence.lead import parse_lead
from cadence.messages import QUERY_STATE
from tests.engine.plans import email, end, make_plan
from tests.workflow.conftest import CALENDAR

HERE = Path(__file__).resolve().parent
PLAN = make_plan([email("one", wait=3), email("two", wait=3), end("bye")])


def _lead() -> Any:
    return parse_lead({"id": f"C-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example"})


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_no_workflow_test_reads_the_machines_clock():
    banned = re.compile(r"\.now\(|utcnow|today\(|time\.time\(|\.localtime\(")
    found = [f"{path.name}:{n}: {line.strip()}" for path in sorted(HERE.glob("*.py"))
             for n, line in enumerate(path.read_text().splitlines(), 1)
             if banned.search(line) and "banned = " not in line]
    assert found == []


def test_the_calendar_covers_the_instants_that_broke_tests_before():
    local = {name: t.astimezone(ZoneInfo("America/Chicago")) for name, t in CALENDAR.items()}
    assert local["monday-morning"].weekday() == 0 and local["monday-morning"].hour < 12
    assert local["friday-16:55-before-a-holiday"].strftime("%a %H:%M") == "Fri 16:55"
    assert local["saturday"].weekday() == 5
    assert (local["24-december"].month, local["24-december"].day) == (12, 24)
    sunday = local["spring-forward-sunday"]
    assert sunday.weekday() == 6 and sunday.dst() == timedelta(0) and (sunday + timedelta(hours=2)).dst() == timedelta(hours=1)


async def test_a_lead_enrolled_without_a_start_instant_is_refused_by_the_rig(rig):
    with pytest.raises(AssertionError, match="^a workflow test enrolled a lead at the machine's date"):
        await api.enroll(rig.client, PLAN, _lead(), task_queue=rig.task_queue)


@pytest.mark.calendar
async def test_the_lead_lives_at_the_stated_instant_across_waits_and_continue_as_new(rig, start):
    start = start.astimezone(timezone.utc)  # "3 days" is 72 hours, also across a DST change
    started = await rig.enroll(PLAN, _lead(), history_limit=10)  # continues as new at its first wait
    result = await started.handle.result()
    sends = [_at(h["at"]) for h in result["history"] if h["kind"] == "touch"]
    assert [round((s - start).total_seconds()) for s in sends] == [0, 3 * 86400]
    assert abs(_at(result["history"][-1]["at"]) - (start + timedelta(days=6))) < timedelta(seconds=1)
    history = await started.handle.fetch_history()
    assert history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id != ""


async def test_a_query_reports_cadence_time_not_the_servers(rig):
    started = await rig.enroll(PLAN, _lead())
    await rig.sleep(timedelta(hours=1))
    state = await started.handle.query(QUERY_STATE, result_type=dict)
    assert _at(state["history"][0]["at"]) == rig.start
    assert abs(_at(state["next_action"]["at"]) - (rig.start + timedelta(days=3))) < timedelta(seconds=1)
