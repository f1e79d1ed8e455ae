"""What operators see of a lead in the Temporal UI: search-attribute values and the details panel.

Pure functions of the engine's state (standard library and cadence's pure
modules only), so the workflow sandbox shares this module instead of
re-importing it for every lead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cadence import schedule
from cadence.engine import Engine


def attribute_values(engine: Engine, next_action_at: datetime | None) -> dict[str, Any]:
    """Values of :data:`cadence.visibility.SEARCH_ATTRIBUTES`; ``None`` or ``""`` means unset.

    Args:
        engine: the lead's engine.
        next_action_at: when the next action is due in real (workflow) time, if one is.
    """
    st = engine.state
    outcome = st.outcome or {}
    status = "paused" if st.status == "paused" else "awaiting_acceptance" if st.phase == "acceptance" else "active"
    return {
        "CadenceName": engine.plan.name,
        "CadenceVersion": engine.plan.short_version,
        "CadenceStage": st.stage,
        "CadenceTouches": sum(st.touches_by_channel.values()),
        "CadenceScore": engine.score(),
        "CadenceNextActionAt": next_action_at if st.status != "ended" else None,
        "CadenceOutcome": outcome.get("kind", "") or status,
        "CadenceReason": outcome.get("reason", "") if outcome.get("kind") == "disqualified" else "",
        "CadenceOwner": str(st.lead.get("owner", "")),
        "CadenceSource": str(st.lead.get("source", "")),
        "CadenceOpenTask": (st.open_task or {}).get("kind", ""),
    }


def stage_log(engine: Engine) -> list[list[Any]]:
    """The compact stage log of the workflow memo: ``[stage, entered_at, left_at, why]`` per stage."""
    return [[x["stage"], x["entered_at"], x["left_at"], x["why"]] for x in engine.state.stages]


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
        at = datetime.fromisoformat(st.next_action["at"].replace("Z", "+00:00"))
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
