"""cadence migrate on the time-skipping server: 200 leads of enterprise-nurture, spread over its steps
(waiting, with open call tasks, on the monthly track), moved to an edited version with one step
removed, one renamed (mapped) and one added."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from cadence import client as api
from cadence import ir, utc
from cadence.dsl.compiler import compile_file
from cadence.lead import parse_lead
from cadence.migration import records, runner
from tests.workflow.test_shipped_cadences import record

ROOT = Path(__file__).resolve().parents[2]
BATCHES, PER_BATCH = 20, 10
PHASE_ONE = ("research-call", "intro-email", "intro-voicemail", "case-study", "personal-letter", "roi-email",
             "value-email", "customer-story", "follow-up-call")
"""Touch steps no loop goes back over: each may touch a lead once at most."""


def write_edited_version(tmp: Path) -> Path:
    """enterprise-nurture with case-study removed, roi-email renamed value-email and customer-story added,
    written to ``tmp/cadences`` (with its track, and the templates in ``tmp/templates``)."""
    folder = tmp / "cadences"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "cadences" / "stale-monthly.yaml", folder)
    shutil.copytree(ROOT / "templates", tmp / "templates")
    text = (ROOT / "cadences" / "enterprise-nurture.yaml").read_text()
    start, end = text.index("  - id: case-study\n"), text.index("  - id: early-check\n")
    text = text[:start] + text[end:]
    text = text.replace("  - id: roi-email\n", "  - id: value-email\n").replace('version: "2026.11"', 'version: "2026.12"')
    text = text.replace("  - id: value-email\n", """  - id: customer-story
    email:
      template: emails/enterprise-case-study.html.j2
      subject: "How a peer team answers every lead within a day"
    wait: 4 days
  - id: value-email\n""")
    path = folder / "enterprise-nurture.yaml"
    path.write_text(text)
    return path


async def spread_leads(rig: Any, plan: ir.Plan) -> list[str]:
    """Enroll batches a few days apart, so the leads stand at many steps; some go to the monthly track."""
    ids = []
    for batch in range(BATCHES):
        for i in range(PER_BATCH):
            lead = parse_lead(record(id=f"L-{batch:02d}{i}"))
            assert (await rig.enroll(plan, lead)).status == "enrolled"
            ids.append(lead.id)
        if batch < 6:  # the rep hears "not interested" on the research call: the lead goes to stale-monthly
            for _ in range(100):
                st = await api.state(rig.client, f"L-{batch:02d}0")
                if st.get("open_task"):
                    break
                await rig.sleep(timedelta(seconds=1))
            await api.log_outcome(rig.client, st["open_task"]["task_id"], "not_interested", by="rep")
        if batch < BATCHES - 1:
            await rig.sleep(timedelta(days=3, hours=7))
    return ids


def first_move_after_migration(history: list[dict[str, Any]]) -> tuple[str, str] | None:
    seen = False
    for entry in history:
        if entry["outcome"] == "migrated":
            seen = True
        elif seen and entry["kind"] == "touch":
            return f"{entry['channel']} {entry['step']}", entry["at"]
        elif seen and entry["kind"] == "task" and entry["outcome"] == "opened":
            return f"{entry['channel']} task {entry['step']}", entry["at"]
        elif seen and entry["kind"] == "stage" and entry["detail"].startswith("moved to track"):
            return entry["detail"].split(":")[0].replace("moved to track", "moves to track"), entry["at"]
    return None


async def test_two_hundred_leads_move_as_planned_none_lost_none_touched_twice(rig: Any, tmp_path: Path) -> None:
    v1 = compile_file(ROOT / "cadences" / "enterprise-nurture.yaml")
    v2 = compile_file(write_edited_version(tmp_path))
    ids = await spread_leads(rig, v1)
    # The time-skipping server has no visibility listing: the leads are named (the dev server test lists them).
    request = runner.Request(cadence="enterprise-nurture", root=v2, mapping={"roi-email": "value-email"}, by="tester",
                             lead_ids=tuple(ids))

    planned = {line.lead_id: line for line in await runner.plan(rig.client, request)}
    assert sorted(planned) == sorted(ids)  # every lead is in the plan: moved, or refused with its reason
    verdicts = Counter(line.verdict for line in planned.values())
    assert verdicts["move"] > 150 and verdicts["refuse"] >= 1, verdicts
    moving = [line for line in planned.values() if line.verdict == "move"]
    assert any(line.runs.startswith("stale-monthly@") for line in moving)
    assert any(line.position.startswith("task ") for line in moving)
    assert any(line.to_step == "value-email" for line in moving)
    for line in planned.values():
        if line.verdict == "refuse":  # only leads standing at the removed step, for the reason that says so
            assert "case-study" in line.position and line.reason == (
                f"step 'case-study' is not in version {v2.short_version}: "
                "map it to a step of the new version with --map case-study=STEP"), line

    state_dir = tmp_path / "state"
    record_ = await runner.run(rig.client, request, state_dir)
    outcomes = {line["lead"]: line for line in record_.leads}
    assert sorted(outcomes) == sorted(ids)
    for lead_id, line in planned.items():  # the real run does what the dry run said, refusals alike
        assert outcomes[lead_id]["outcome"] == {"move": "moved", "refuse": "refused"}[line.verdict], (lead_id, line)
        if line.verdict == "refuse":
            assert outcomes[lead_id]["reason"].endswith(line.reason)
    assert record_.finished and record_.counts()["moved"] == verdicts["move"]
    assert records.read(record_.path).counts() == record_.counts()

    for line in moving:
        st = await api.state(rig.client, line.lead_id)
        assert st["position"] == line.to_step and st["wait_until"] == line.wait_until, line
        migrated = [h for h in st["history"] if h["outcome"] == "migrated"]
        assert len(migrated) == 1 and migrated[0]["detail"].startswith(
            f"migrated from enterprise-nurture {v1.short_version} to {v2.short_version} (2026.12) by tester, at "), migrated
        assert st["migrations"][0]["to"] == v2.sha256

    again = await runner.run(rig.client, request, state_dir)  # a re-run moves nobody twice
    assert again.counts() == {"moved": 0, "already": verdicts["move"], "refused": verdicts["refuse"]}

    await rig.sleep(timedelta(days=21))
    checked = 0
    for line in moving:
        st = await api.state(rig.client, line.lead_id)
        touched = Counter(h["step"] for h in st["history"] if h["kind"] == "touch" and h["outcome"] != "skipped")
        assert all(touched[step] <= 1 for step in PHASE_ONE), (line.lead_id, touched)
        assert "case-study" not in {h["step"] for h in st["history"] if h["at"] > st["migrations"][0]["at"]}
        nxt = line.next_after
        if nxt is None or nxt.at is None or nxt.what.startswith(("ends", "paused")) or line.position.startswith("task "):
            continue
        happened = first_move_after_migration(st["history"])
        if nxt.at < st["now"]:
            assert happened is not None and happened[0] == nxt.what, (line, happened)
            assert abs((utc.parse(happened[1]) - utc.parse(nxt.at)).total_seconds()) < 120, (line, happened)
            checked += 1
    assert checked > 100
