"""The handoff dossier: what sales needs to call the lead as an informed advisor.

Pure functions over the lead record and the workflow's state (no I/O, no
clock), so the dossier is reproducible and unit-testable. Facts come from
the qualification attributes reps recorded (with who and when); rep notes
that mention a topic are quoted under it, labelled as notes, never merged
into facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cadence import utc

DOSSIER_FORMAT = 1

DOSSIER_SECTIONS: tuple[str, ...] = (
    "history",
    "company",
    "qualification",
    "budget",
    "timeline",
    "people",
    "events",
    "pain_points",
    "hot_buttons",
    "competition",
    "engagement",
    "score",
)
"""Section names a handoff may ask for (``dossier: [...]``); empty means all. Contact and summary are always in."""

QUALIFICATION_LABELS: dict[str, str] = {
    "industry_code": "Industry code (SIC or NAICS)",
    "firmographics": "Firmographics (revenue, employees, locations)",
    "decision_makers": "Decision makers and influencers identified",
    "environment": "Environment documented",
    "decision_maker_engaged": "Decision maker engaged",
    "pain_validated": "Business pain uncovered and validated",
    "decision_process": "Decision process and timeframe documented",
    "budget": "Budget allocated, or budgeting process documented",
    "competition": "Competitive landscape documented",
    "urgency": "Sense of urgency or a compelling event",
}
"""The ten attributes of :data:`cadence.ir.DEFAULT_QUALIFICATION`, in order, with how a rep reads them."""

HISTORY_KINDS: frozenset[str] = frozenset({"touch", "task", "event", "operator"})
"""History entries that are contact history (gate and stage bookkeeping is left out)."""


@dataclass(frozen=True)
class Topic:
    """A dossier topic: its title, the attributes that answer it, and words that flag a note about it."""

    title: str
    attributes: tuple[str, ...]
    keywords: tuple[str, ...]


TOPICS: dict[str, Topic] = {
    "budget": Topic(
        "Budget",
        ("budget",),
        (r"budget", r"\$\s?\d", r"pric(e|ing)", r"cost", r"spend", r"fund(ed|ing)", r"purchase order", r"quote"),
    ),
    "timeline": Topic(
        "Decision timeline",
        ("decision_process", "timeline", "timeframe", "decision_timeline"),
        (r"timeline", r"time ?frame", r"deadline", r"quarter", r"q[1-4]\b", r"fiscal", r"\bfy\d*", r"go[- ]live",
         r"roll ?out", r"decid", r"decision", r"next (month|year|week)", r"end of (the )?(year|month|quarter)", r"\brfp\b",
         # Month names ("May" left out: too common a word).
         r"\b(january|february|march|april|june|july|august|september|october|november|december"
         r"|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b"),
    ),
    "people": Topic(
        "People involved",
        ("decision_makers", "decision_maker_engaged", "authority", "champion", "influencers", "stakeholders"),
        (r"\bc[eftio]o\b", r"\bvp\b", r"vice president", r"director", r"head of", r"manager", r"decision maker",
         r"sign[- ]?off", r"signs off", r"approv", r"champion", r"procurement", r"\bboard\b", r"\bboss\b"),
    ),
    "events": Topic(
        "Events driving the decision",
        ("urgency", "compelling_event", "events", "trigger_event"),
        (r"merger", r"acqui", r"funding round", r"raised", r"\bipo\b", r"audit", r"complian", r"regulat", r"renewal",
         r"expir", r"contract (ends|end|runs out)", r"launch", r"new (ceo|cto|cio|cfo|hire|head)", r"reorg",
         r"outage", r"breach", r"migrat", r"urgen", r"deadline"),
    ),
    "pain_points": Topic(
        "Pain points",
        ("pain_validated", "pain", "need", "pain_points", "business_pain"),
        (r"pain", r"problem", r"issue", r"struggl", r"frustrat", r"challeng", r"manual", r"too slow", r"broken",
         r"complain", r"churn"),
    ),
    "hot_buttons": Topic(
        "Hot buttons",
        ("hot_buttons", "priorities", "key_requirements"),
        (r"cares? about", r"priorit", r"important", r"must[- ]have", r"hot button", r"concern", r"worr",
         r"key requirement", r"deal ?breaker"),
    ),
    "competition": Topic(
        "Competition",
        ("competition", "competitors", "competitive_landscape"),
        (r"competit", r"rival", r"incumbent", r"alternative", r"evaluat", r"shortlist", r"current vendor",
         r"other vendor", r"versus", r"switch(ing)? from"),
    ),
}
"""The "what is known" topics of a dossier, in reading order."""

_COMPANY_ATTRIBUTES = ("industry_code", "firmographics", "environment")
_CONTACT_FIELDS = ("title", "email", "phone", "timezone", "owner", "source", "campaign")
_COMPANY_FIELDS = ("company", "industry", "employees", "revenue", "website", "deal_size")
_ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "region", "postal_code", "country")


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else ""


def _compact(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v not in (None, "", [], {})}


def _attribute_names(state: Mapping[str, Any]) -> list[str]:
    known = list((state.get("qualification") or {}).keys())
    missing = list(state.get("missing") or [])
    present = set(known) | set(missing)
    ordered = [a for a in QUALIFICATION_LABELS if a in present]
    return list(dict.fromkeys(ordered + known + missing))


def attribute_label(name: str) -> str:
    """How a rep reads attribute ``name``."""
    return QUALIFICATION_LABELS.get(name) or name.replace("_", " ").capitalize()


def _fact(name: str, entry: Any) -> dict[str, Any]:
    if isinstance(entry, Mapping):
        return _compact({"attribute": name, "label": attribute_label(name), "value": _text(entry.get("value")),
                         "by": entry.get("by"), "at": entry.get("at")})
    return _compact({"attribute": name, "label": attribute_label(name), "value": _text(entry)})


def _notes(history: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What people wrote or said: call notes, and the detail of inbound events (a reply's excerpt)."""
    found = []
    for h in history:
        text = _text(h.get("notes"))
        if not text and h.get("kind") == "event":
            text = _text(h.get("detail"))
        if text:
            found.append(_compact({"at": h.get("at"), "by": h.get("by"), "step": h.get("step"),
                                   "channel": h.get("channel"), "text": text}))
    return found


def _topic(topic: Topic, qualification: Mapping[str, Any], notes: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    pattern = re.compile("|".join(topic.keywords), re.IGNORECASE)
    facts = [_fact(name, qualification[name]) for name in topic.attributes if name in qualification]
    mentions = [n for n in notes if pattern.search(n["text"])]
    return {"title": topic.title, "known": facts, "notes": mentions, "unknown": not facts and not mentions}


def build_dossier(
    lead: Mapping[str, Any],
    state: Mapping[str, Any],
    sections: Sequence[str] = (),
    plan_name: str = "",
    plan_version: str = "",
    assignee: str = "",
    reason: str = "",
    acceptance: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Assemble the dossier (JSON-ready) from the lead and the workflow state (see docs/architecture.md).

    Args:
        lead: the lead's fields.
        state: the workflow's state snapshot (history, qualification, missing, engagement, score ...).
        sections: :data:`DOSSIER_SECTIONS` to include; empty means all. Unknown names are listed under
            ``ignored_sections`` rather than failing a handoff at its last step.
        plan_name: the cadence's name.
        plan_version: the cadence's sha256.
        assignee: who receives the lead.
        reason: why it was handed off.
        acceptance: ``answer_by`` (when sales must accept or reject), and for an escalation
            ``escalated_from`` and ``missed_deadline``; empty values are left out.
    """
    wanted = [s for s in DOSSIER_SECTIONS if not sections or s in sections]
    qualification: Mapping[str, Any] = state.get("qualification") or {}
    history = [dict(h) for h in state.get("history") or [] if h.get("kind") in HISTORY_KINDS]
    notes = _notes(history)
    names = _attribute_names(state)
    by_channel = dict(state.get("touches_by_channel") or {})
    touches = state.get("touches")
    if touches is None:
        touches = sum(v for v in by_channel.values() if isinstance(v, int))
    engagement = dict(state.get("engagement") or {})
    known_count = sum(1 for n in names if n in qualification)
    name = " ".join(p for p in (_text(lead.get("first_name")), _text(lead.get("last_name"))) if p)

    dossier: dict[str, Any] = {
        "format": DOSSIER_FORMAT,
        "lead_id": str(lead.get("id", state.get("lead_id", ""))),
        "generated_at": state.get("now") or (state.get("outcome") or {}).get("at") or "",
        "assignee": assignee,
        "reason": reason,
        "cadence": {"name": plan_name or state.get("cadence", ""), "version": plan_version or state.get("version", "")},
        "sections": wanted,
        "contact": _compact({"name": name, **{f: _text(lead.get(f)) for f in _CONTACT_FIELDS}}),
        "summary": _compact({
            "score": state.get("score"),
            "qualified_count": known_count,
            "qualification_total": len(names),
            "touches": touches,
            "touches_by_channel": by_channel,
            "engaged": any(bool(v) for v in engagement.values()),
            "started_at": state.get("started_at"),
            "days_in_nurture": _days(state.get("started_at"), state.get("now")),
            "stage": state.get("stage"),
            "tracks": list(state.get("tracks") or []),
        }),
    }
    terms = _compact(dict(acceptance or {}))
    if terms:
        dossier["acceptance"] = terms
    ignored = [s for s in sections if s not in DOSSIER_SECTIONS]
    if ignored:
        dossier["ignored_sections"] = ignored
    if "history" in wanted:
        dossier["history"] = [_compact({k: h.get(k) for k in ("at", "kind", "channel", "step", "outcome", "notes",
                                                               "by", "detail")}) for h in history]
        dossier["stages"] = [_compact(dict(s)) for s in state.get("stages") or []]
    if "company" in wanted:
        address = ", ".join(p for p in (_text(lead.get(f)) for f in _ADDRESS_FIELDS) if p)
        company = {f: lead.get(f) for f in _COMPANY_FIELDS}
        company["address"] = address
        company.update({a: _fact(a, qualification[a])["value"] for a in _COMPANY_ATTRIBUTES if a in qualification})
        dossier["company"] = _compact(company)
    if "qualification" in wanted:
        attributes = []
        for n in names:
            entry = qualification.get(n)
            attributes.append(_compact({**_fact(n, entry), "known": True}) if entry is not None
                              else {"attribute": n, "label": attribute_label(n), "known": False})
        dossier["qualification"] = {
            "attributes": attributes,
            "known": known_count,
            "total": len(names),
            "missing": [n for n in names if n not in qualification],
        }
    for key, topic in TOPICS.items():
        if key in wanted:
            dossier[key] = _topic(topic, qualification, notes)
    if "engagement" in wanted:
        last = next((h for h in reversed(history) if h.get("outcome") in _ENGAGED_OUTCOMES), None)
        dossier["engagement"] = {**engagement, "last": _compact(dict(last)) if last else None}
    if "score" in wanted:
        dossier["score"] = _compact({"score": state.get("score"), "qualified_count": known_count,
                                     "qualification_total": len(names)})
    return dossier


_ENGAGED_OUTCOMES = frozenset({"reply", "connected", "meeting_booked", "call_back_later", "callback_requested"})


def _days(start: Any, end: Any) -> int | None:
    a, b = _parse(start), _parse(end)
    return None if a is None or b is None else max(0, (b - a).days)


def _parse(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return utc.parse(text)
    except ValueError:
        return None


# ---------------------------------------------------------------- markdown


def _when(text: Any) -> str:
    t = _parse(text)
    return t.strftime("%Y-%m-%d %H:%M UTC") if t else _text(text)


def _day(text: Any) -> str:
    t = _parse(text)
    return t.strftime("%Y-%m-%d") if t else _text(text)


def _num(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _text(value)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _cell(text: Any) -> str:
    return _text(text).replace("|", "\\|") or "—"


def _who_when(entry: Mapping[str, Any]) -> str:
    parts = [p for p in (_text(entry.get("by")), _day(entry.get("at"))) if p]
    return f" ({', '.join(parts)})" if parts else ""


def render_dossier_markdown(dossier: Mapping[str, Any]) -> str:
    """The dossier as markdown a sales rep reads top to bottom before the first call."""
    contact = dossier.get("contact") or {}
    summary = dossier.get("summary") or {}
    company = dossier.get("company") or {}
    who = contact.get("name") or f"lead {dossier.get('lead_id')}"
    title = ", ".join(p for p in (contact.get("title"), company.get("company")) if p)
    out: list[str] = [f"# Sales-ready lead: {who}" + (f" — {title}" if title else ""), ""]
    meta = [f"**Lead** `{dossier.get('lead_id')}`"]
    if dossier.get("assignee"):
        meta.append(f"**Handed to** {_text(dossier['assignee'])}")
    if dossier.get("reason"):
        meta.append(f"**Why** {_text(dossier['reason'])}")
    out.append(" · ".join(meta) + "  ")
    terms = dossier.get("acceptance") or {}
    if terms.get("escalated_from"):
        out.append(f"**Escalated** {_text(terms['escalated_from'])} did not accept or reject it by "
                   f"{_when(terms.get('missed_deadline'))}.  ")
    if terms.get("answer_by"):
        out.append(f"**Accept or reject by** {_when(terms['answer_by'])}  ")
    cad = dossier.get("cadence") or {}
    line = f"**Cadence** {cad.get('name') or '—'}" + (f" (`{str(cad.get('version'))[:12]}`)" if cad.get("version") else "")
    if dossier.get("generated_at"):
        line += f" · **As of** {_when(dossier['generated_at'])}"
    out += [line, ""]
    facts = []
    if summary.get("score") is not None:
        facts.append(f"Score **{summary['score']}**/100")
    if summary.get("qualification_total"):
        facts.append(f"Qualified **{summary.get('qualified_count', 0)}/{summary['qualification_total']}**")
    by_channel = ", ".join(f"{k} {v}" for k, v in (summary.get("touches_by_channel") or {}).items() if v)
    touches = f"**{summary.get('touches', 0)} touches**" + (f" ({by_channel})" if by_channel else "")
    if summary.get("days_in_nurture") is not None:
        touches += f" over **{summary['days_in_nurture']} days**"
    facts.append(touches)
    facts.append(f"Engaged: **{'yes' if summary.get('engaged') else 'no'}**")
    out += [" · ".join(facts), ""]

    out += ["## Contact", ""]
    labels = {"name": "Name", "title": "Title", "email": "Email", "phone": "Phone", "timezone": "Time zone",
              "owner": "Lead owner", "source": "Source", "campaign": "Campaign"}
    out += [f"- **{label}:** {_text(contact[k])}" for k, label in labels.items() if contact.get(k)]
    out.append("")

    if "company" in dossier:
        out += ["## Company profile", ""]
        labels = {"company": "Company", "industry": "Industry", "employees": "Employees", "revenue": "Revenue",
                  "deal_size": "Expected deal size", "website": "Website", "address": "Address",
                  "industry_code": "Industry code", "firmographics": "Firmographics", "environment": "Environment"}
        rows = [f"- **{label}:** {_num(company[k])}" for k, label in labels.items() if company.get(k) not in (None, "")]
        out += (rows or ["_No company data._"]) + [""]

    topics = [k for k in TOPICS if k in dossier]
    if topics:
        out += ["## What we know", ""]
        for key in topics:
            t = dossier[key]
            out += [f"### {t['title']}", ""]
            for fact in t["known"]:
                out.append(f"- **{fact['label']}:** {fact.get('value', '')}{_who_when(fact)}")
            for note in t["notes"]:
                where = " ".join(p for p in (_day(note.get("at")), note.get("channel"), note.get("by")) if p)
                out.append(f"- _Note ({where}):_ “{note['text']}”")
            if t["unknown"]:
                out.append("- _Nothing known yet: ask._")
            out.append("")

    if "qualification" in dossier:
        q = dossier["qualification"]
        out += [f"## Qualification: {q['known']} of {q['total']}", "",
                "| | Attribute | What is known | By | When |", "|---|---|---|---|---|"]
        for a in q["attributes"]:
            mark = "✓" if a.get("known") else "✗"
            out.append(f"| {mark} | {_cell(a['label'])} | {_cell(a.get('value'))} | {_cell(a.get('by'))} | "
                       f"{_cell(_day(a.get('at')))} |")
        out.append("")
        if q["missing"]:
            out += [f"**Missing:** {', '.join(attribute_label(m) for m in q['missing'])}.", ""]

    if "engagement" in dossier:
        e = dossier["engagement"]
        out += ["## Engagement", "",
                f"- Replies: {e.get('replies', 0)} · Connected calls: {e.get('connected_calls', 0)} · "
                f"Callbacks requested: {e.get('callbacks', 0)} · Meetings: {e.get('meetings', 0)}"]
        last = e.get("last")
        if last:
            out.append(f"- Last engagement: {_when(last.get('at'))}, {last.get('outcome')}"
                       + (f" ({last['channel']})" if last.get("channel") else ""))
        out.append("")

    if "history" in dossier:
        history = dossier["history"]
        out += [f"## Contact history ({len(history)})", ""]
        if not history:
            out.append("_No contact yet._")
        for i, h in enumerate(history, 1):
            head = " · ".join(p for p in (_when(h.get("at")), h.get("channel") or h.get("kind"),
                                          f"`{h['step']}`" if h.get("step") else "", h.get("outcome")) if p)
            line = f"{i}. {head}"
            if h.get("by"):
                line += f" — {_text(h['by'])}"
            if h.get("detail"):
                line += f": {_text(h['detail'])}"
            out.append(line)
            if h.get("notes"):
                out.append(f"   - Notes: {_text(h['notes'])}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


__all__ = [
    "DOSSIER_FORMAT",
    "DOSSIER_SECTIONS",
    "HISTORY_KINDS",
    "QUALIFICATION_LABELS",
    "TOPICS",
    "Topic",
    "attribute_label",
    "build_dossier",
    "render_dossier_markdown",
]
