"""Show simulations: terminal tables (rich), JSON, and one lead's dated calendar.

The terminal and the HTML page share :func:`sections`: every figure as labelled
rows, one group of columns per cadence, so ``--compare`` puts two cadences side
by side with the same code that shows one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cadence import utc
from cadence.simulate.behaviour import behaviour_to_dict
from cadence.simulate.metrics import CHANNELS, EARLY_TOUCHES, ChannelCounts, Spread, Summary
from cadence.simulate.records import LeadRun, SimulationRun, TraceEntry

BUSIEST_DAYS = 5
"""Busiest days listed in the terminal (every day is in the JSON and the HTML page)."""


@dataclass(frozen=True)
class Section:
    """A table: a title, column headers and rows ``(label, cells)``."""

    title: str
    """What the table shows."""
    columns: tuple[str, ...]
    """Headers of the value columns (the label column has none)."""
    rows: tuple[tuple[str, tuple[str, ...]], ...]
    """Each row's label and cells."""


# ---------------------------------------------------------------- formatting


def number(value: float | None, digits: int = 1) -> str:
    """``12``, ``12.5``; ``-`` for none."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.{digits}f}"


def share(part: int, whole: int) -> str:
    """``12%`` (``-`` of nothing)."""
    return "-" if not whole else f"{100 * part / whole:.0f}%"


def spread_text(s: Spread) -> str:
    """``7 / 12`` (median / p90); ``-`` without values."""
    return "-" if not s.count else f"{number(s.median)} / {number(s.p90)}"


def day_text(d: date | None) -> str:
    """``Mon 1 Mar 2027``."""
    return "-" if d is None else f"{d:%a} {d.day} {d:%b %Y}"


def local_text(at: datetime, tz: str) -> str:
    """``Mon 1 Mar 2027 09:00`` in zone ``tz``."""
    local = at.astimezone(ZoneInfo(tz))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M}"


def headline(summary: Summary) -> str:
    """What was simulated, in one line."""
    return (f"{summary.cadence} ({summary.version}): {summary.leads:,} lead{'s' if summary.leads != 1 else ''} "
            f"from {local_text(summary.start, summary.zone)} {summary.zone} for {(summary.end - summary.start).days} days, "
            f"seed {summary.seed}")


# ---------------------------------------------------------------- sections


def _joined(summaries: Sequence[Summary], title: str, columns: Sequence[str], cells: Any,
            labels: Sequence[str] | None = None) -> Section:
    """One table over every summary: ``cells(summary)`` maps labels to that summary's cells."""
    per = [cells(s) for s in summaries]
    if labels is None:
        seen: dict[str, None] = {}
        for p in per:
            for label in p:
                seen.setdefault(label, None)
        labels = list(seen)
    blank = tuple("-" for _ in columns)
    multi = len(summaries) > 1
    heads = tuple((f"{s.cadence}: {c}" if c else s.cadence) if multi else c for s in summaries for c in columns)
    rows = tuple((label, tuple(cell for p in per for cell in p.get(label, blank))) for label in labels)
    return Section(title, heads, rows)


def _channel_cells(counts: ChannelCounts) -> tuple[str, ...]:
    return (*(f"{getattr(counts, c):,}" for c in CHANNELS), f"{counts.total:,}")


def sections(summaries: Sequence[Summary], *, busiest: int | None = BUSIEST_DAYS) -> list[Section]:
    """Every figure of ``summaries`` (one or two cadences) as tables.

    Args:
        summaries: the runs to show side by side.
        busiest: list only this many busiest days (``None``: every day, for the HTML page).
    """
    out = [
        _joined(summaries, "Outcomes at the horizon", ("leads", "share"),
                lambda s: {k: (f"{n:,}", share(n, s.leads)) for k, n in s.outcomes}),
        _joined(summaries, "Handoff and giving up", ("",), lambda s: {
            "Handed off": (f"{s.handoffs:,} ({share(s.handoffs, s.leads)})",),
            "Touches to handoff (median / p90)": (spread_text(s.touches_to_handoff),),
            "Days to handoff (median / p90)": (spread_text(s.days_to_handoff),),
            f"Given up before touch {EARLY_TOUCHES} (disqualified no_response)":
                (f"{s.given_up_early:,} ({share(s.given_up_early, s.leads)})",),
        }),
        _joined(summaries, "Touches per channel", (*CHANNELS, "total"),
                lambda s: {"Whole run": _channel_cells(s.touches)}),
    ]
    if busiest is not None:
        out.append(_joined(summaries, f"Busiest days ({summaries[0].zone})", ("day", *CHANNELS, "total"), lambda s: {
            f"{i + 1}": (day_text(c.day), *_channel_cells(c))
            for i, c in enumerate(sorted((c for c in s.per_day if c.total), key=lambda c: (-c.total, c.day))[:busiest])
        }))
    else:
        out.append(_joined(summaries, f"Touches per day ({summaries[0].zone})", (*CHANNELS, "total"),
                           lambda s: {day_text(c.day): _channel_cells(c) for c in s.per_day if c.total}))
    out += [
        _joined(summaries, "Touches per week (weeks start on Monday)", (*CHANNELS, "total"),
                lambda s: {f"week of {day_text(c.day)}": _channel_cells(c) for c in s.per_week}),
        _joined(summaries, "Call and voicemail tasks per rep per day, against capacity",
                ("capacity", "peak day", "tasks that day", "days over capacity", "logged", "missed"),
                lambda s: {r.assignee: (f"{r.capacity:,}", day_text(r.peak_day), f"{r.peak:,}",
                                        f"{r.days_over_capacity:,}", f"{r.done:,}", f"{r.missed:,}") for r in s.reps}),
        _joined(summaries, "Emails per sender per day", ("emails", "busiest day", "that day"),
                lambda s: {x.sender: (f"{x.total:,}", day_text(x.peak_day), f"{x.peak:,}") for x in s.senders}),
    ]
    return [s for s in out if s.rows]


# ---------------------------------------------------------------- one lead's calendar


def calendar_rows(lead: LeadRun) -> list[dict[str, Any]]:
    """``lead``'s dated calendar: every touch, task, event, decision and wait, in its zone."""
    return [_calendar_row(entry, lead.timezone) for entry in lead.trace]


def _calendar_row(entry: TraceEntry, tz: str) -> dict[str, Any]:
    why = entry.why
    if entry.cut_short_at is not None:
        early = f"ended early, at {local_text(entry.cut_short_at, tz)}"
        why = f"{why}; {early}" if why else early
    return {
        "at": utc.iso(entry.at),
        "local": local_text(entry.at, tz),
        "kind": entry.kind,
        "what": entry.what,
        "detail": entry.detail,
        "until": utc.iso(entry.until) if entry.until else None,
        "until_local": local_text(entry.until, tz) if entry.until else None,
        "why": why,
        "ended_early_at": utc.iso(entry.cut_short_at) if entry.cut_short_at else None,
    }


def lead_headline(run: SimulationRun, lead: LeadRun) -> str:
    """Where one lead ended, in one line."""
    if lead.outcome:
        end = f"{lead.outcome} ({lead.reason}) on {local_text(lead.ended_at, lead.timezone)}" if lead.ended_at else lead.outcome
    else:
        end = f"still {lead.stage} on {lead.cadence} at the horizon"
    return (f"lead {lead.lead_id} on {run.cadence}: {lead.touch_count} touches, {end}; "
            f"times in {lead.timezone}")


# ---------------------------------------------------------------- JSON


def _spread(s: Spread) -> dict[str, Any]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {"count": s.count, "median": rounded(s.median), "p90": rounded(s.p90)}


def _channels(c: ChannelCounts, key: str = "date") -> dict[str, Any]:
    return {key: c.day.isoformat(), **{ch: getattr(c, ch) for ch in CHANNELS}, "total": c.total}


def summary_to_dict(summary: Summary, run: SimulationRun | None = None) -> dict[str, Any]:
    """The figures as JSON-ready data (docs/simulate.md shows the shape)."""
    data: dict[str, Any] = {
        "cadence": summary.cadence,
        "version": summary.version,
        "zone": summary.zone,
        "start": summary.start.isoformat(),
        "end": summary.end.isoformat(),
        "days": (summary.end - summary.start).days,
        "seed": summary.seed,
        "leads": summary.leads,
        "outcomes": dict(summary.outcomes),
        "handoff": {"count": summary.handoffs, "touches": _spread(summary.touches_to_handoff),
                    "days": _spread(summary.days_to_handoff)},
        "given_up_early": {"below_touches": EARLY_TOUCHES, "count": summary.given_up_early,
                           "share": None if summary.given_up_early_share is None else round(summary.given_up_early_share, 4)},
        "touches": {
            "total": {k: v for k, v in _channels(summary.touches).items() if k != "date"},
            "per_day": [_channels(c) for c in summary.per_day],
            "per_week": [_channels(c, "week") for c in summary.per_week],
        },
        "reps": [{
            "assignee": r.assignee, "capacity": r.capacity, "logged": r.done, "missed": r.missed,
            "peak": {"date": r.peak_day.isoformat() if r.peak_day else None, "tasks": r.peak},
            "days_over_capacity": r.days_over_capacity,
            "per_day": [{"date": d.day.isoformat(), "tasks": d.demand, "logged": d.done, "missed": d.missed} for d in r.days],
        } for r in summary.reps],
        "senders": [{
            "sender": x.sender, "emails": x.total, "peak": {"date": x.peak_day.isoformat(), "emails": x.peak},
            "per_day": [{"date": d.isoformat(), "emails": n} for d, n in x.days],
        } for x in summary.senders],
    }
    if run is not None:
        data["behaviour"] = behaviour_to_dict(run.behaviour)
    return data


def lead_to_dict(run: SimulationRun, lead: LeadRun) -> dict[str, Any]:
    """One lead's calendar as JSON-ready data."""
    return {
        "cadence": run.cadence,
        "version": run.version[:12],
        "seed": run.seed,
        "lead": {
            "id": lead.lead_id, "timezone": lead.timezone, "owner": lead.owner,
            "outcome": lead.outcome or None, "reason": lead.reason or None,
            "ended_at": utc.iso(lead.ended_at) if lead.ended_at else None,
            "stage": lead.stage, "cadence": lead.cadence, "touches": lead.touch_count,
            "calendar": calendar_rows(lead),
        },
    }


# ---------------------------------------------------------------- terminal


def render_terminal(summaries: Sequence[Summary], console: Any) -> None:
    """Print what was simulated and one table per section to a rich ``console``."""
    from rich.table import Table

    for summary in summaries:
        console.print(headline(summary), style="bold", highlight=False)
    for section in sections(summaries):
        table = Table(title=section.title, title_justify="left", title_style="bold")
        table.add_column("")
        for column in section.columns:
            table.add_column(column, justify="right")
        for label, cells in section.rows:
            table.add_row(label, *cells)
        console.print(table)


def render_calendar(run: SimulationRun, lead: LeadRun, console: Any) -> None:
    """Print ``lead``'s dated calendar to a rich ``console``."""
    from rich.table import Table

    console.print(lead_headline(run, lead), style="bold", highlight=False)
    table = Table(title=f"{lead.lead_id} on {run.cadence} ({lead.timezone})", title_justify="left", title_style="bold")
    table.add_column("when", no_wrap=True)
    table.add_column("what")
    table.add_column("why / detail", style="dim")
    for row in calendar_rows(lead):
        style = {"wait": "cyan", "touch": "bold", "rep": "red"}.get(row["kind"])
        table.add_row(row["local"], row["what"], row["why"] or row["detail"], style=style)
    console.print(table)


__all__ = [
    "BUSIEST_DAYS",
    "Section",
    "calendar_rows",
    "day_text",
    "headline",
    "lead_headline",
    "lead_to_dict",
    "local_text",
    "number",
    "render_calendar",
    "render_terminal",
    "sections",
    "share",
    "spread_text",
    "summary_to_dict",
]
