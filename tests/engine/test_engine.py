"""The pure engine core: every construct, without a server."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from cadence import ir
from cadence.engine import (
    CHANGE_SPREAD_WINDOW,
    Engine,
    Finish,
    LeadState,
    OpenTask,
    RejectedInput,
    SwitchTrack,
    Touch,
    Wait,
)
from tests.engine.plans import OFFICE, call, days, email, end, make_plan

T0 = datetime(2026, 11, 2, 14, 0, tzinfo=timezone.utc)  # Monday 09:00 New York
LEAD = {"id": "L-1", "email": "pat@buyer.example", "company": "Buyer Inc", "owner": "dana", "source": "marketing"}


def run(engine: Engine, now: datetime = T0, *, max_steps: int = 200, on_task=None) -> tuple[list, datetime]:
    """Drive the engine like the workflow does, skipping time at every wait."""
    log: list = []
    for _ in range(max_steps):
        cmd = engine.next_command(now)
        log.append((now, cmd))
        if isinstance(cmd, Touch):
            engine.touch_done(cmd, now)
        elif isinstance(cmd, OpenTask):
            engine.task_opened(cmd, "brief", now)
            if on_task is not None:
                on_task(engine, cmd, now)
        elif isinstance(cmd, Wait):
            assert cmd.until is not None, "engine waits forever"
            now = cmd.until
        elif isinstance(cmd, (Finish, SwitchTrack)):
            if isinstance(cmd, Finish):
                engine.finished(cmd, now)
            return log, now
    raise AssertionError("did not finish")


def kinds(log: list) -> list[str]:
    return [f"{c.kind}:{getattr(c, 'step_id', '')}" for _, c in log if not isinstance(c, Wait)]


def test_touches_run_in_order_with_their_waits_then_the_end():
    plan = make_plan([email("one", wait=3), email("two", wait=5), end("give-up")])
    log, now = run(Engine.start(plan, LEAD, T0))
    assert kinds(log) == ["touch:one", "touch:two", "finish:"]
    touch_times = [t for t, c in log if isinstance(c, Touch)]
    assert touch_times == [T0, T0 + timedelta(days=3)]
    assert now == T0 + timedelta(days=8)
    assert log[-1][1] == Finish("disqualified", "no_response", summary="disqualified: no_response (step give-up)")


def test_prequalify_rejects_junk_before_any_touch():
    rule = ir.PrequalRule("lead.company | lower in ['acme', 'test']", "bad_data", "placeholder company")
    plan = make_plan([email("one"), end("x")], prequalify=(rule,))
    engine = Engine.start(plan, {**LEAD, "company": "ACME"}, T0)
    log, _ = run(engine)
    assert kinds(log) == ["finish:"]
    assert engine.state.outcome["reason"] == "bad_data"
    assert engine.state.touches_by_channel == {"email": 0, "call": 0, "voicemail": 0, "letter": 0}
    assert engine.state.history[0]["detail"] == "bad_data: placeholder company"


def test_prequalify_sees_email_domain_and_lists():
    rule = ir.PrequalRule("email_domain in lists.competitors", "competitor")
    plan = make_plan([email("one"), end("x")], prequalify=(rule,),
                     lists=(ir.NamedList("competitors", ("rival.example",)),))
    engine = Engine.start(plan, {**LEAD, "email": "spy@Rival.example"}, T0)
    run(engine)
    assert engine.state.outcome["reason"] == "competitor"


def test_touches_wait_for_the_send_window_and_skip_holidays():
    plan = make_plan([email("one", wait=1), email("two"), end("x")], schedule=OFFICE)
    friday_evening = datetime(2026, 11, 6, 23, 0, tzinfo=timezone.utc)  # Fri 18:00 New York
    log, _ = run(Engine.start(plan, LEAD, friday_evening), friday_evening)
    touches = [t for t, c in log if isinstance(c, Touch)]
    # Mon 09:51:31: lead L-1's own second of the window's first hour (leads waiting for one opening spread out).
    assert touches[0] == datetime(2026, 11, 9, 14, 51, 31, tzinfo=timezone.utc)
    waits = [c for _, c in log if isinstance(c, Wait)]
    assert waits[0].summary == f"waiting for the send window: email one at {_describe(touches[0])}"
    wed = datetime(2026, 11, 25, 21, 30, tzinfo=timezone.utc)  # Wed 16:30; Thursday is a holiday
    log, _ = run(Engine.start(plan, LEAD, wed), wed)
    touches = [t for t, c in log if isinstance(c, Touch)]
    assert touches == [wed, datetime(2026, 11, 27, 14, 51, 31, tzinfo=timezone.utc)]


def test_leads_waiting_for_one_opening_wake_at_their_own_seconds_unless_they_started_before_the_change():
    plan = make_plan([email("one"), end("x")], schedule=OFFICE)
    friday_evening = datetime(2026, 11, 6, 23, 0, tzinfo=timezone.utc)
    monday = datetime(2026, 11, 9, 14, 0, tzinfo=timezone.utc)
    woken = []
    for i in range(300):
        engine = Engine.start(plan, {**LEAD, "id": f"L-{i}"}, friday_evening, f"lead-L-{i}")
        woken.append(engine.next_command(friday_evening).until)
    assert all(monday <= t < monday + timedelta(hours=1) for t in woken) and len(set(woken)) > 250
    before = Engine.start(plan, LEAD, friday_evening, "lead-L-1")
    asked = []
    before.runs = lambda change: asked.append(change) or False  # a lead whose history predates the change
    assert before.next_command(friday_evening).until == monday
    assert asked == [CHANGE_SPREAD_WINDOW]


def _describe(t: datetime) -> str:
    from cadence import schedule

    return schedule.describe(t, "America/New_York")


def test_gate_takes_the_first_rule_that_holds():
    gate = ir.GateStep("assess", (
        ir.GateRule("qualified_count >= 2", ir.HandoffAction("{{ lead.owner }}")),
        ir.GateRule("touches >= 2", ir.GotoAction("bye")),
        ir.GateRule(None, ir.GotoAction("one")),
    ))
    plan = make_plan([email("one", wait=1), gate, end("bye")])
    engine = Engine.start(plan, LEAD, T0)
    log, _ = run(engine)
    assert kinds(log) == ["touch:one", "touch:one", "finish:"]
    assert engine.state.outcome["reason"] == "no_response"
    gates = [h for h in engine.state.history if h["kind"] == "gate" and h["step"] == "assess"]
    assert [g["detail"] for g in gates] == ["else", "rule 2: touches >= 2"]


def test_gate_hands_off_with_the_rendered_assignee():
    gate = ir.GateStep("assess", (ir.GateRule("qualified_count >= 1", ir.HandoffAction("{{ lead.owner }}@example.com")),
                                  ir.GateRule(None, ir.GotoAction("bye"))))
    plan = make_plan([call("ring"), gate, end("bye")])

    def answer(engine, cmd, now):
        engine.log_outcome(cmd.task_id, "connected", "good chat", {"budget": "50k"}, "dana", now)

    engine = Engine.start(plan, LEAD, T0)
    log, _ = run(engine, on_task=answer)
    finish = log[-1][1]
    assert finish.outcome == "handoff" and finish.to == "dana@example.com"
    assert engine.state.qualification["budget"]["value"] == "50k"
    assert engine.state.engagement["connected_calls"] == 1
    assert engine.score() == 25
    assert [s["stage"] for s in engine.state.stages] == ["prequalify", "nurture", "sales_ready", "handed_off"]


def test_loop_is_bounded_and_then_acts():
    loop = ir.LoopStep("again", back_to="hello", every=days(30), times=3, then=ir.DisqualifyAction("no_response"))
    plan = make_plan([email("hello"), loop])
    log, now = run(Engine.start(plan, LEAD, T0))
    assert kinds(log).count("touch:hello") == 4
    assert now == T0 + timedelta(days=90)
    assert log[-1][1].reason == "no_response"


def test_reply_cuts_a_wait_short_and_follows_the_handler():
    handler = ir.EventHandler("reply", ir.GotoAction("hot"))
    plan = make_plan([email("one", wait=30), email("two"), end("bye"), ir.ActionStep("hot", ir.HandoffAction("queue:sales"))],
                     events=(handler,))
    engine = Engine.start(plan, LEAD, T0)
    assert isinstance(engine.next_command(T0), Touch)
    engine.touch_done(Touch("one", "email", 0, "", "emails/one.html.j2"), T0)
    wait = engine.next_command(T0)
    assert isinstance(wait, Wait) and wait.until == T0 + timedelta(days=30)
    reply_at = T0 + timedelta(days=2, minutes=5)
    engine.on_event("reply", {"detail": "interested"}, reply_at, source="smtp")
    cmd = engine.next_command(reply_at)
    assert cmd == Finish("handoff", "step hot", to="queue:sales", summary="hand off to queue:sales (step hot)")
    goto = [h for h in engine.state.history if h["outcome"] == "goto"]
    assert goto[-1]["detail"] == "event reply" and goto[-1]["by"] == "smtp" and goto[-1]["at"] == "2026-11-04T14:05:00Z"
    assert engine.state.engagement["replies"] == 1


def test_unsubscribe_disqualifies_by_default_and_blocks_email():
    plan = make_plan([email("one", wait=3), email("two"), end("bye")])
    engine = Engine.start(plan, LEAD, T0)
    engine.next_command(T0)
    engine.on_event("unsubscribe", {}, T0, source="link")
    assert engine.state.email_blocked == "unsubscribed"
    touch = Touch("one", "email", 0, "", "emails/one.html.j2")
    engine.touch_done(touch, T0)
    cmd = engine.next_command(T0)
    assert isinstance(cmd, Finish) and cmd.reason == "opted_out"


def test_unsubscribe_with_continue_keeps_other_channels_but_no_email():
    plan = make_plan([email("one", wait=1), call("ring"), email("two"), end("bye")],
                     events=(ir.EventHandler("unsubscribe", ir.ContinueAction()),))
    engine = Engine.start(plan, LEAD, T0)
    engine.on_event("unsubscribe", {}, T0)
    log, _ = run(engine)
    assert kinds(log) == ["open_task:ring", "finish:"]
    skipped = [h for h in engine.state.history if h["outcome"] == "skipped"]
    assert [h["step"] for h in skipped] == ["one", "two"]


def test_bounce_from_a_send_triggers_the_bounce_handler():
    plan = make_plan([email("one", wait=3), end("bye")],
                     events=(ir.EventHandler("bounce", ir.DisqualifyAction("bad_data")),))
    engine = Engine.start(plan, LEAD, T0)
    cmd = engine.next_command(T0)
    engine.touch_done(cmd, T0, bounced=True, detail="550 5.1.1 user unknown")
    final = engine.next_command(T0)
    assert isinstance(final, Finish) and final.reason == "bad_data"
    assert engine.state.touches_by_channel["email"] == 0


def test_missed_task_applies_on_missed():
    plan = make_plan([call("ring", due=2, on_missed=ir.GotoAction("bye")), email("never"), end("bye", "not_a_fit")])
    engine = Engine.start(plan, LEAD, T0)
    log, now = run(engine)
    assert kinds(log) == ["open_task:ring", "finish:"]
    assert now == T0 + timedelta(days=2)
    assert engine.state.history[-3]["outcome"] == "missed"


def test_outcome_rules_move_the_lead():
    rule = ir.OutcomeRule("wrong_number", ir.DisqualifyAction("bad_data"))
    plan = make_plan([call("ring", on_outcome=(rule,)), email("two"), end("bye")])
    engine = Engine.start(plan, LEAD, T0)
    log, _ = run(engine, on_task=lambda e, c, now: e.log_outcome(c.task_id, "wrong_number", "", {}, "dana", now))
    assert log[-1][1].reason == "bad_data"


@pytest.mark.parametrize(
    ("task_id", "outcome", "learned", "message"),
    [
        ("lead-L-1~ring~1", "conected", {}, "unknown outcome 'conected' (did you mean 'connected'?); expected one of: "
         "connected, voicemail_left, no_answer, wrong_number, call_back_later, meeting_booked, not_interested"),
        ("lead-L-1~ring~2", "connected", {}, "task lead-L-1~ring~2 is not open: the open task is lead-L-1~ring~1"),
        ("lead-L-1~ring~1", "connected", {"budgt": "x"}, "unknown qualification attribute 'budgt' (did you mean 'budget'?); "
         "expected one of: industry_code, firmographics, decision_makers, environment, decision_maker_engaged, "
         "pain_validated, decision_process, budget, competition, urgency"),
        ("lead-L-1~ring~1", "connected", {"budget": " "}, "qualification attribute 'budget' needs a text value of 1-2000 characters"),
    ],
)
def test_bad_outcomes_are_refused_with_a_clear_message(task_id, outcome, learned, message):
    plan = make_plan([call("ring"), end("bye")])
    engine = Engine.start(plan, LEAD, T0, workflow_id="lead-L-1")
    cmd = engine.next_command(T0)
    engine.task_opened(cmd, "brief", T0)
    before = engine.state.to_dict()
    with pytest.raises(RejectedInput) as info:
        engine.check_outcome(task_id, outcome, learned)
    assert str(info.value) == message
    assert engine.state.to_dict() == before


def test_no_open_task_is_refused():
    engine = Engine.start(make_plan([email("one"), end("bye")]), LEAD, T0, workflow_id="lead-L-1")
    with pytest.raises(RejectedInput, match=r"^task lead-L-1~x~1 is not open: lead L-1 has no open task$"):
        engine.check_outcome("lead-L-1~x~1", "connected", {})


def test_operator_disqualify_needs_a_declared_reason():
    engine = Engine.start(make_plan([email("one", wait=5), end("bye")]), LEAD, T0)
    with pytest.raises(RejectedInput) as info:
        engine.disqualify("spam", "", "ops", T0)
    assert str(info.value) == ("reason 'spam' is not declared by cadence test-cadence; expected one of: "
                               "no_response, opted_out, bad_data, not_a_fit, competitor")
    engine.disqualify("competitor", "works at a rival", "ops", T0)
    cmd = engine.next_command(T0)
    assert isinstance(cmd, Finish) and cmd.reason == "competitor" and cmd.by == "ops"


def test_pause_holds_touches_until_resume():
    plan = make_plan([email("one", wait=1), email("two"), end("bye")])
    engine = Engine.start(plan, LEAD, T0)
    engine.pause("ops", T0)
    assert engine.next_command(T0) == Wait(None, "paused by an operator")
    with pytest.raises(RejectedInput, match="is paused, not active"):
        engine.pause("ops", T0)
    engine.resume("ops", T0 + timedelta(days=3))
    assert isinstance(engine.next_command(T0 + timedelta(days=3)), Touch)


def test_track_switch_keeps_history():
    track = make_plan([email("monthly"), end("bye")], name="stale-monthly")
    gate = ir.GateStep("assess", (ir.GateRule(None, ir.TrackAction("stale-monthly")),))
    plan = make_plan([email("one"), gate], tracks=(track,))
    engine = Engine.start(plan, LEAD, T0)
    log, now = run(engine)
    assert isinstance(log[-1][1], SwitchTrack)
    engine.switch_to(track, now, "no engagement")
    log2, _ = run(engine, now)
    assert kinds(log2) == ["touch:monthly", "finish:"]
    assert engine.state.touches_by_channel["email"] == 2
    assert engine.state.tracks == [f"test-cadence@{plan.sha256[:12]}"]
    assert "track:stale-monthly" in [s["stage"] for s in engine.state.stages]
    assert not any("answer" in s for s in engine.state.stages)  # no handoff was answered


def test_ab_variant_is_deterministic_per_lead():
    variants = (ir.EmailVariant("a", 50, "emails/a.html.j2", "A"), ir.EmailVariant("b", 50, "emails/b.html.j2", "B"))
    plan = make_plan([ir.EmailStep("ab", "emails/a.html.j2", "A", variants=variants), end("bye")])
    chosen = {}
    for i in range(40):
        first = Engine.start(plan, {**LEAD, "id": f"L-{i}"}, T0).next_command(T0)
        again = Engine.start(plan, {**LEAD, "id": f"L-{i}"}, T0).next_command(T0)
        assert first == again
        chosen[first.variant] = chosen.get(first.variant, 0) + 1
    assert set(chosen) == {"a", "b"}


def test_state_round_trips_through_json():
    import json

    plan = make_plan([email("one", wait=3), call("ring"), end("bye")])
    engine = Engine.start(plan, LEAD, T0)
    engine.next_command(T0)
    data = json.loads(json.dumps(engine.state.to_dict()))
    clone = Engine(plan, LeadState.from_dict(data))
    assert clone.state == engine.state


def test_state_copy_is_what_asdict_gives_and_shares_nothing_with_the_lead():
    plan = make_plan([email("one", wait=3), call("ring"), end("bye")])
    engine = Engine.start(plan, LEAD, T0)
    engine.next_command(T0)
    engine.state.pending.append({"action": ("kept", "as a tuple"), "extra": [{"deep": True}]})
    expected = {k: v for k, v in dataclasses.asdict(engine.state).items() if k not in ("migrations", "soft_bounces")}
    copied = engine.state.to_dict()
    assert copied == expected and type(copied["pending"][0]["action"]) is tuple
    copied["history"][0]["outcome"] = "changed"
    copied["pending"][0]["extra"][0]["deep"] = False
    copied["lead"]["email"] = "changed@example.com"
    assert engine.state.history[0]["outcome"] != "changed"
    assert engine.state.pending[0]["extra"][0]["deep"] is True and engine.state.lead["email"] != "changed@example.com"


def test_lead_update_is_validated():
    engine = Engine.start(make_plan([email("one", wait=3), end("bye")]), LEAD, T0)
    with pytest.raises(RejectedInput, match=r"^invalid lead data: email: 'nope' is not a valid address$"):
        engine.check_lead_update({"email": "nope"})
    # A folder of the zone database is no zone: refused like any bad value, not an OSError in the workflow.
    with pytest.raises(RejectedInput, match=r"^invalid lead data: timezone: 'America' is not an IANA time zone "):
        engine.check_lead_update({"timezone": "America"})
    engine.update_lead({"phone": "+1 312 555 0100"}, "ops", T0)
    assert engine.state.lead["phone"] == "+1 312 555 0100"


def test_a_condition_failing_on_this_leads_data_counts_as_false_and_is_recorded():
    gate = ir.GateStep("assess", (ir.GateRule("lead.title | lower == 'cfo'", ir.HandoffAction("{{ lead.owner }}")),
                                  ir.GateRule(None, ir.HandoffAction("{{ lead.missing_field }}"))))
    plan = make_plan([gate])
    engine = Engine.start(plan, {"id": "L-2"}, T0)
    cmd = engine.next_command(T0)
    assert isinstance(cmd, Finish) and cmd.to == "queue:sales"
    errors = [h["detail"] for h in engine.state.history if h["outcome"] == "error"]
    assert errors == [
        "expression \"lead.title | lower == 'cfo'\": 'dict object' has no attribute 'title' (counted as false)",
        "assignee: handoff.to: 'dict object' has no attribute 'missing_field'; sent to queue:sales",
    ]


def _acceptance_plan(escalate_to: str = "queue:managers") -> ir.Plan:
    track = make_plan([email("monthly"), end("bye")], name="stale-monthly")
    gate = ir.GateStep("assess", (ir.GateRule(None, ir.HandoffAction("dana@seller.example")),))
    return ir.seal(ir.Plan(**{**{f: getattr(make_plan([email("one"), gate], tracks=(track,)), f)
                                 for f in ir.Plan.__dataclass_fields__},
                              "acceptance": ir.Acceptance(days(2), "stale-monthly", escalate_to)}))


def _to_handoff(engine: Engine) -> Finish:
    engine.touch_done(engine.next_command(T0), T0)
    cmd = engine.next_command(T0)
    assert isinstance(cmd, Finish) and cmd.deliver
    engine.handed_off(cmd, T0)
    return cmd


def test_sales_accepts_a_handed_off_lead():
    engine = Engine.start(_acceptance_plan(), LEAD, T0)
    _to_handoff(engine)
    wait = engine.next_command(T0)
    assert isinstance(wait, Wait) and wait.until == T0 + timedelta(days=2)
    assert wait.summary.startswith("waiting for dana@seller.example to accept the lead until")
    engine.accept("dana", "calling tomorrow", T0 + timedelta(hours=5))
    final = engine.next_command(T0 + timedelta(hours=5))
    assert final == Finish("handoff", "accepted by dana", to="dana@seller.example", by="dana", deliver=False,
                           summary="accepted by dana")
    engine.finished(final, T0 + timedelta(hours=5))
    assert [s["stage"] for s in engine.state.stages][-3:] == ["sales_ready", "handed_off", "accepted"]
    assert [s.get("answer") for s in engine.state.stages][-3:] == [None, None, "accepted"]


def test_an_answer_without_a_name_is_recorded_as_the_assignees_never_a_tools():
    accepted = Engine.start(_acceptance_plan(), LEAD, T0)
    _to_handoff(accepted)
    accepted.accept("", "", T0)
    assert accepted.next_command(T0).reason == "accepted by dana@seller.example"
    rejected = Engine.start(_acceptance_plan(), LEAD, T0)
    _to_handoff(rejected)
    rejected.reject("no budget", "", T0)
    assert [h["by"] for h in rejected.state.history if h["outcome"] == "rejected"] == ["dana@seller.example"]


def test_a_rejected_lead_is_recycled_with_its_history():
    engine = Engine.start(_acceptance_plan(), LEAD, T0)
    _to_handoff(engine)
    with pytest.raises(RejectedInput, match="^a rejection needs a reason"):
        engine.reject(" ", "dana", T0)
    engine.reject("no budget until next year", "dana", T0)
    cmd = engine.next_command(T0)
    assert cmd == SwitchTrack("stale-monthly", "rejected by sales: no budget until next year",
                              "recycle to stale-monthly: rejected by sales")
    with pytest.raises(RejectedInput, match="is not waiting for sales to accept it"):
        engine.accept("dana", "", T0)
    engine.switch_to(engine.plan.track("stale-monthly"), T0, cmd.reason)
    # The answer is a recorded fact, not words to parse: the report reads ``answer``.
    assert engine.state.stages[-1] == {"stage": "track:stale-monthly", "entered_at": "2026-11-02T14:00:00Z",
                                       "left_at": None, "why": cmd.reason, "answer": "rejected"}


def test_no_answer_escalates_once_then_recycles():
    engine = Engine.start(_acceptance_plan(), LEAD, T0)
    _to_handoff(engine)
    later = T0 + timedelta(days=2)
    escalation = engine.next_command(later)
    assert isinstance(escalation, Finish) and escalation.to == "queue:managers" and escalation.deliver
    assert (escalation.escalated_from, escalation.missed_deadline) == ("dana@seller.example", "2026-11-04T14:00:00Z")
    assert engine.answer_by(later) == later + timedelta(days=2)
    engine.handed_off(escalation, later)
    recycle = engine.next_command(later + timedelta(days=2))
    assert isinstance(recycle, SwitchTrack) and recycle.reason == "nobody accepted the lead by the deadline"
    engine.switch_to(engine.plan.track("stale-monthly"), later + timedelta(days=2), recycle.reason)
    assert engine.state.stages[-1]["answer"] == "recycled"
    misses = [h["detail"] for h in engine.state.history if h["outcome"] == "not_accepted"]
    assert misses == ["dana@seller.example did not accept by 2026-11-04T14:00:00Z",
                      "queue:managers did not accept by 2026-11-06T14:00:00Z"]


def test_an_answer_given_while_the_escalation_is_delivered_is_kept():
    engine = Engine.start(_acceptance_plan(), LEAD, T0)
    _to_handoff(engine)
    later = T0 + timedelta(days=2)
    escalation = engine.next_command(later)
    engine.accept("kim", "mine", later + timedelta(seconds=5))  # the escalation's delivery is in flight
    engine.handed_off(escalation, later + timedelta(seconds=10))
    final = engine.next_command(later + timedelta(seconds=10))
    assert isinstance(final, Finish) and final.reason == "accepted by kim" and not final.deliver


def test_a_request_carries_only_the_variables_its_templates_read():
    plan = make_plan([email("one", wait=3), email("two"), end("x")])
    engine = Engine.start(plan, LEAD, T0)
    run(engine)
    body = "Hi {{ lead.first_name }}, {{ history | length }} touches so far ({% for q in missing %}{{ q }}{% endfor %})"
    ctx = engine.context_for(T0, "two", 0, body, "About {{ cadence.name }}")
    assert sorted(ctx) == ["cadence", "history", "missing"]  # the lead travels beside the context, once
    assert [h["step"] for h in ctx["history"] if h["kind"] == "touch"] == ["one", "two"]
    assert engine.context_for(T0, "two", 0, "no variables") == {}


def test_a_template_that_does_not_parse_gets_every_variable():
    engine = Engine.start(make_plan([email("one"), end("x")]), LEAD, T0)
    ctx = engine.context_for(T0, "one", 0, "fine {{ step }}", "{% if %}")
    assert ctx == engine.template_context(T0, "one", 0)
    assert {"lead", "history", "qualification", "step", "iteration"} <= set(ctx)


def test_every_refusal_is_the_engines_own_check_and_the_action_agrees():
    engine = Engine.start(_acceptance_plan(), LEAD, T0)
    checks = [(engine.check_resume, "lead L-1 is active, not paused"),
              (engine.check_acceptance_answer, "lead L-1 is not waiting for sales to accept it (stage prequalify)"),
              (lambda: engine.check_reject("x"), "lead L-1 is not waiting for sales to accept it (stage prequalify)"),
              (lambda: engine.check_reason("spam"), "reason 'spam' is not declared by cadence test-cadence; "
                                                    "expected one of: " + ", ".join(engine.plan.disqualify_reasons)),
              (lambda: engine.check_update_lead({"id": "L-2"}), "the lead id cannot be changed")]
    for check, message in checks:
        with pytest.raises(RejectedInput) as refused:
            check()
        assert str(refused.value) == message
    with pytest.raises(RejectedInput, match="^lead L-1 is active, not paused$"):
        engine.resume("dana", T0)
    engine.pause("dana", T0)
    with pytest.raises(RejectedInput, match="^lead L-1 is paused, not active$"):
        engine.check_pause()
    engine.state.status = "ended"
    for check in (engine.check_active, lambda: engine.check_update_lead({"phone": "+1 312 555 0100"}),
                  lambda: engine.check_reason("no_response")):
        with pytest.raises(RejectedInput, match="^lead L-1 has already ended$"):
            check()
    before = len(engine.state.history)
    with pytest.raises(RejectedInput, match="has already ended"):
        engine.update_lead({"phone": "+1 312 555 0100"}, "ops", T0)
    assert len(engine.state.history) == before  # refused: nothing recorded


def test_the_workflows_validators_only_ask_the_engine():
    import ast
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "workflows" / "nurture.py"
    functions = [f for f in ast.walk(ast.parse(source.read_text()))
                 if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
    validators = [f for f in functions if any(isinstance(d, ast.Attribute) and d.attr == "validator"
                                              for d in f.decorator_list)]
    updates = [f for f in functions if any("workflow.update" in ast.unparse(d) for d in f.decorator_list)]
    assert len(validators) == len(updates) == 10  # every update has one
    for fn in validators:
        text = ast.unparse(fn.body[0])
        assert len(fn.body) == 1 and text.startswith("_reject_on(") and "self.engine.check_" in text, text


def test_events_while_sales_decides_are_recorded_but_leave_the_lead_with_sales():
    plan = ir.seal(dataclasses.replace(_acceptance_plan(), events=(
        ir.EventHandler("reply", ir.GotoAction("one")), ir.EventHandler("meeting_booked", ir.HandoffAction("x@y.z")))))
    engine = Engine.start(plan, LEAD, T0)
    _to_handoff(engine)
    engine.on_event("reply", {"detail": "any news?"}, T0 + timedelta(hours=1), source="smtp")
    engine.on_event("meeting_booked", {}, T0 + timedelta(hours=2), source="calendar")
    wait = engine.next_command(T0 + timedelta(hours=3))
    assert isinstance(wait, Wait) and wait.summary.startswith("waiting for dana@seller.example to accept")
    assert engine.state.engagement["replies"] == 1 and engine.state.engagement["meetings"] == 1
    engine.accept("dana", "", T0 + timedelta(hours=4))
    assert engine.next_command(T0 + timedelta(hours=4)).reason == "accepted by dana"
    old = Engine.start(plan, LEAD, T0)  # leads that ran before the rule keep their behaviour on replay
    _to_handoff(old)
    old.on_event("reply", {}, T0 + timedelta(hours=1), source="smtp", keep_with_sales=False)
    assert isinstance(old.next_command(T0 + timedelta(hours=1)), Touch)  # pulled back to step one


def test_a_task_cancelled_by_an_event_is_a_visit_so_the_reopened_task_has_a_new_id():
    plan = make_plan([call("ring", wait=1, due=2), end("bye")],
                     events=(ir.EventHandler("reply", ir.GotoAction("ring")),))

    def reopened(runs: bool) -> tuple[str, str]:
        engine = Engine.start(plan, LEAD, T0)
        engine.runs = lambda change: runs
        first = engine.next_command(T0)
        assert isinstance(first, OpenTask)
        engine.task_opened(first, "brief", T0)
        engine.on_event("reply", {}, T0 + timedelta(hours=1), source="smtp")
        again = engine.next_command(T0 + timedelta(hours=1))
        assert isinstance(again, OpenTask)
        return first.task_id, again.task_id

    assert reopened(True) == ("L-1~ring~1", "L-1~ring~2")
    assert reopened(False) == ("L-1~ring~1", "L-1~ring~1")  # leads from before the change keep their ids
