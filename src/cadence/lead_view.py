"""What operators see of a lead in the Temporal UI: search-attribute values and the details panel.

Pure functions of the engine's state (standard library and cadence's pure
modules only), so the workflow sandbox shares this module instead of
re-importing it for every lead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cadence import schedule, utc
from cadence import visibility as sa
from cadence.engine import Engine
from cadence.vocabulary import DISQUALIFIED


def attribute_values(engine: Engine, next_action_at: datetime | None) -> dict[str, Any]:
    """Values of :data:`cadence.visibility.SEARCH_ATTRIBUTES` (all but those enrollment alone sets,
    :data:`~cadence.visibility.ENROLLMENT_ONLY`); ``None`` or ``""`` means unset.

    Args:
        engine: the lead's engine.
        next_action_at: when the next action is due in real (workflow) time, if one is.
    """
    st = engine.state
    outcome = st.outcome or {}
    if st.status == "paused":
        running = sa.PAUSED
    else:
        running = sa.AWAITING_ACCEPTANCE if st.phase == "acceptance" else sa.ACTIVE
    return {
        sa.NAME: engine.plan.name,
        sa.VERSION: engine.plan.short_version,
        sa.STAGE: st.stage,
        sa.TOUCHES: sum(st.touches_by_channel.values()),
        sa.SCORE: engine.score(),
        sa.NEXT_ACTION_AT: next_action_at if st.status != "ended" else None,
        sa.OUTCOME: outcome.get("kind", "") or running,
        sa.REASON: outcome.get("reason", "") if outcome.get("kind") == DISQUALIFIED else "",
        sa.OWNER: str(st.lead.get("owner", "")),
        sa.SOURCE: str(st.lead.get("source", "")),
        sa.OPEN_TASK: (st.open_task or {}).get("kind", ""),
        sa.TASK_ASSIGNEE: (st.open_task or {}).get("assignee", ""),
    }


def stage_log(engine: Engine) -> list[list[Any]]:
    """The compact stage log of the workflow memo: ``[stage, entered_at, left_at, why]`` per stage, and
    ``answer`` fifth where the engine recorded sales' answer (:data:`cadence.vocabulary.ACCEPTANCE_ANSWERS`)."""
    return [[x["stage"], x["entered_at"], x["left_at"], x["why"], *([x["answer"]] if x.get("answer") else [])]
            for x in engine.state.stages]


def details_markdown(engine: Engine, now: datetime) -> str:
    """The lead's current state as markdown for the Temporal UI's details panel."""
    st = engine.state
    snap_touches = sum(st.touches_by_channel.values())
    lines = [
        f"**{engine.plan.name}** `{engine.plan.short_version}` · lead `{st.lead.get('id')}`",
        f"**Stage:** {st.stage} · **Status:** {st.status} · **Touches:** {snap_touches}/{engine.plan.touch_count}"
        f" · **Score:** {engine.score()}",
    ]
    if st.outcome:
        lines.append(f"**Outcome:** {st.outcome['kind']} — {st.outcome['reason']}" + (f" → {st.outcome['to']}" if st.outcome.get("to") else ""))
    elif st.next_action:
        at = utc.parse(st.next_action["at"])
        lines.append(f"**Next:** {st.next_action['what']} ({schedule.describe(at, engine.tz)})")
    if st.open_task:
        lines.append(f"**Open task:** {st.open_task['kind']} `{st.open_task['task_id']}` for {st.open_task['assignee']},"
                     f" due {st.open_task['due_at']}")
    qualified = engine.qualified()
    lines.append(f"**Qualified ({len(qualified)}/{len(engine.plan.qualification)}):** {', '.join(qualified) or 'nothing yet'}")
    touches = [h for h in st.history if h["kind"] in ("touch", "event")][-8:]
    if touches:
        lines += ["", "| when | what | outcome |", "|---|---|---|"]
        for h in touches:
            what = f"{h['channel'] or 'event'} {h['step']}".strip()
            lines.append(f"| {h['at'][:16].replace('T', ' ')} | {what} | {h['outcome']} |")
    return "\n".join(lines)


__all__ = ["attribute_values", "details_markdown", "stage_log"]
