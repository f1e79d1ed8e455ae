"""What the workspace's pages show, computed from a lead's state: pure functions, no clock of their own.

Times are shown in the reader's zone; "overdue" and "in 3 h" are measured
against the lead's own clock (the state's ``now``), never the machine's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from cadence.channels.dossier import QUALIFICATION_LABELS, attribute_label

CONTACT_KINDS = frozenset({"touch", "task", "event", "operator", "stage"})
"""History entries a person reads as the lead's contact history (gate bookkeeping is left out)."""
_EVENT_WORDS = {
    "reply": "replied",
    "callback_requested": "asked to be called back",
    "meeting_booked": "booked a meeting",
    "out_of_office": "is out of office",
    "lead_updated": "lead data changed",
}


def instant(text: str | None) -> datetime | None:
    """An ISO 8601 time of the state, or ``None``."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


def local(text: str | None, tz: str) -> str:
    """``Tue 3 Mar 14:05 CET``: an instant of the state in zone ``tz``; empty when absent."""
    at = instant(text)
    if at is None:
        return ""
    shown = at.astimezone(ZoneInfo(tz))
    return f"{shown:%a} {shown.day} {shown:%b %H:%M} {shown.tzname() or tz}"


def relative(text: str | None, now: str | None) -> str:
    """``in 3 h``, ``2 d ago``, ``now``: how far ``text`` is from ``now`` (both instants of the state)."""
    at, ref = instant(text), instant(now)
    if at is None or ref is None:
        return ""
    seconds = (at - ref).total_seconds()
    size = abs(seconds)
    if size < 60:
        return "now"
    amount = (f"{size // 60:.0f} min" if size < 3600 else f"{size // 3600:.0f} h" if size < 86400
              else f"{size // 86400:.0f} d")
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def lead_name(lead: Mapping[str, Any]) -> str:
    """The contact's name, else the lead id."""
    name = " ".join(str(lead.get(k) or "").strip() for k in ("first_name", "last_name")).strip()
    return name or f"lead {lead.get('id', '')}"


def markdown_html(text: str, *, below: int = 1) -> Markup:
    """A brief or dossier in markdown as HTML; raw HTML in it is escaped, never passed through.

    Args:
        below: the page's heading level the text sits under; its ``#`` headings become the levels after it
            (a page has one ``h1``).
    """
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").render(text)
    return Markup(_HEADING.sub(lambda m: f"<{m[1]}h{min(6, int(m[2]) + below)}>", html))


_HEADING = re.compile(r"<(/?)h([1-6])>")


def touch_position(state: Mapping[str, Any]) -> str:
    """``touch 4 of 7``: the touch an open task is, among the touches the cadence plans."""
    planned = int(state.get("plan_touches") or 0)
    n = int(state.get("touches") or 0) + 1
    if planned and n <= planned:
        return f"touch {n} of {planned}"
    return f"touch {n}" + (f" ({planned} planned)" if planned else "")


def _what(entry: Mapping[str, Any]) -> str:
    kind, outcome, step = entry.get("kind"), str(entry.get("outcome") or ""), str(entry.get("step") or "")
    channel = str(entry.get("channel") or "")
    if kind == "event":
        return _EVENT_WORDS.get(outcome, outcome.replace("_", " "))
    if kind == "stage":
        return f"stage: {outcome.replace('_', ' ')}" if outcome else "stage"
    parts = [p for p in (channel or str(kind), step, outcome.replace("_", " ")) if p]
    return " · ".join(parts)


def why(state: Mapping[str, Any]) -> str:
    """The one line saying why the lead's open task exists: an engagement, a gate, or the next step after a touch."""
    task = state.get("open_task") or {}
    history = list(state.get("history") or [])
    marker = f"task {task.get('task_id')} "
    opened = next((i for i in range(len(history) - 1, -1, -1)
                   if history[i].get("kind") == "task" and history[i].get("outcome") == "opened"
                   and task.get("task_id") and f"{history[i].get('detail')} ".startswith(marker)), len(history))
    for entry in reversed(history[:opened]):
        if entry.get("kind") == "event" and entry.get("outcome") in ("reply", "callback_requested", "meeting_booked"):
            return f"the lead {_EVENT_WORDS[entry['outcome']]} {relative(entry.get('at'), state.get('now'))}"
        if entry.get("kind") == "gate" and entry.get("outcome") == "goto":
            return f"sent here by {entry.get('detail') or 'a gate'}"
        if entry.get("kind") == "touch":
            outcome = str(entry.get("outcome") or "").replace("_", " ")
            return (f"next step after {entry.get('channel')} {entry.get('step')} ({outcome}, "
                    f"{relative(entry.get('at'), state.get('now'))})")
    return f"first touch of {state.get('cadence')}"


@dataclass(frozen=True)
class QueueRow:
    """One open task in a queue."""

    task_id: str
    lead_id: str
    lead: str
    """The contact's name."""
    company: str
    cadence: str
    step: str
    kind: str
    """``call`` or ``voicemail``."""
    assignee: str
    touch: str
    """``touch 2 of 5``."""
    due: str
    """Local due time in the reader's zone."""
    due_in: str
    """``in 3 h`` or ``20 min ago``."""
    overdue: bool
    why: str
    due_at: str
    """ISO UTC, for sorting."""


def queue_row(state: Mapping[str, Any], tz: str) -> QueueRow:
    """The queue's row of a lead's open task."""
    task = state.get("open_task") or {}
    lead = state.get("lead") or {}
    due_at = str(task.get("due_at") or "")
    due, now = instant(due_at), instant(state.get("now"))
    return QueueRow(
        task_id=str(task.get("task_id") or ""), lead_id=str(state.get("lead_id") or lead.get("id") or ""),
        lead=lead_name(lead), company=str(lead.get("company") or ""), cadence=str(state.get("cadence") or ""),
        step=str(task.get("step") or ""), kind=str(task.get("kind") or ""), assignee=str(task.get("assignee") or ""),
        touch=touch_position(state), due=local(due_at, tz), due_in=relative(due_at, state.get("now")),
        overdue=bool(due and now and due < now), why=why(state), due_at=due_at)


def queue(states: Sequence[Mapping[str, Any]], tz: str) -> list[QueueRow]:
    """Rows of the leads' open tasks: overdue first, then by due time."""
    rows = [queue_row(st, tz) for st in states if st.get("open_task")]
    far = datetime.max.replace(tzinfo=ZoneInfo("UTC"))
    return sorted(rows, key=lambda r: (not r.overdue, instant(r.due_at) or far, r.lead_id))


@dataclass(frozen=True)
class HistoryRow:
    """One entry of a lead's contact history, as people read it."""

    when: str
    what: str
    by: str
    notes: str
    detail: str


def history(state: Mapping[str, Any], tz: str) -> list[HistoryRow]:
    """The lead's contact history, newest first: every touch, task, event, operator action and stage."""
    rows = []
    for entry in reversed(list(state.get("history") or [])):
        if entry.get("kind") not in CONTACT_KINDS:
            continue
        rows.append(HistoryRow(local(entry.get("at"), tz), _what(entry), str(entry.get("by") or ""),
                               str(entry.get("notes") or ""), str(entry.get("detail") or "")))
    return rows


@dataclass(frozen=True)
class Attribute:
    """One qualification attribute: known (with what, who, when) or not."""

    name: str
    label: str
    known: bool
    value: str = ""
    by: str = ""
    when: str = ""


def qualification(state: Mapping[str, Any], tz: str) -> list[Attribute]:
    """Every attribute the lead's cadence tracks, known ones with their value; in the order of domain.md."""
    known: Mapping[str, Any] = state.get("qualification") or {}
    names = list(dict.fromkeys([*(a for a in QUALIFICATION_LABELS if a in known or a in (state.get("missing") or [])),
                                *known, *(state.get("missing") or [])]))
    rows = []
    for name in names:
        entry = known.get(name)
        if isinstance(entry, Mapping):
            rows.append(Attribute(name, attribute_label(name), True, str(entry.get("value") or ""),
                                  str(entry.get("by") or ""), local(entry.get("at"), tz)))
        else:
            rows.append(Attribute(name, attribute_label(name), False))
    return rows


def answered(state: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The answer sales gave to the lead's current handoff (its history entry: ``outcome`` accepted or rejected,
    ``by``, ``at``, ``detail``), or ``None``."""
    for entry in reversed(list(state.get("history") or [])):
        if entry.get("kind") == "operator" and entry.get("outcome") in ("accepted", "rejected"):
            return entry
        if entry.get("kind") == "stage" and entry.get("outcome") == "handed_off":
            return None
    return None


def closed_task(state: Mapping[str, Any], task_id: str) -> Mapping[str, Any] | None:
    """How task ``task_id`` of the lead was closed (its history entry), or ``None`` when it never was."""
    for entry in reversed(list(state.get("history") or [])):
        if f"task {task_id}" == str(entry.get("detail") or "") and entry.get("kind") == "touch":
            return entry
        if str(entry.get("detail") or "").startswith(f"task {task_id} ") and entry.get("outcome") in ("missed",
                                                                                                      "cancelled"):
            return entry
    return None


__all__ = [
    "CONTACT_KINDS",
    "Attribute",
    "HistoryRow",
    "QueueRow",
    "answered",
    "closed_task",
    "history",
    "instant",
    "lead_name",
    "local",
    "markdown_html",
    "qualification",
    "queue",
    "queue_row",
    "relative",
    "touch_position",
    "why",
]
