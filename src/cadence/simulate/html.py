"""A simulation as one self-contained HTML page: inline CSS and SVG charts, no script, no network.

Charts: touches per channel per day and per week (stacked bars), each rep's
call and voicemail tasks per day against capacity (lines), emails per sender
per day (lines), and where leads end up (bars, cadences side by side). Every
table of the terminal follows, every day included; one lead's calendar when
asked for.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from cadence.report.render import svg_bars
from cadence.simulate.metrics import CHANNELS, ChannelCounts, Summary
from cadence.simulate.records import LeadRun, SimulationRun
from cadence.simulate.render import Section, calendar_rows, day_text, headline, lead_headline, sections, share, spread_text

CHANNEL_COLORS: dict[str, str] = {"email": "#2563eb", "call": "#d97706", "voicemail": "#7c3aed", "letter": "#0d9488"}
RUN_COLORS = ("#334155", "#db2777")
LINE_COLORS = ("#2563eb", "#d97706", "#7c3aed", "#0d9488", "#db2777", "#65a30d", "#0891b2", "#b91c1c")
MAX_LINES = len(LINE_COLORS)
"""Reps or senders drawn in one chart (the busiest); the tables list them all."""

_W, _H, _LEFT, _TOP, _BOTTOM = 1000, 230, 44, 26, 30

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#0f172a;margin:0;background:#f8fafc}
main{max-width:1100px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:16px;margin:0 0 10px}
.meta{color:#475569;font-size:13px;margin:2px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 14px}
.card .k{font-size:12px;color:#64748b;text-transform:uppercase;letter-spacing:.04em}
.card .n{font-size:24px;font-weight:700;margin:2px 0}
.card .s{font-size:12px;color:#475569}
.panel{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 16px;margin:16px 0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #eef2f7;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal}
thead th{color:#475569;font-weight:600}
table.calendar td,table.calendar th{text-align:left;white-space:normal}
.panel{overflow-x:auto}
tr.wait td{color:#0e7490}
tr.touch td{font-weight:600}
tr.rep td{color:#b91c1c}
summary{cursor:pointer;font-weight:600}
svg text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
svg .h{font-size:14px;font-weight:600;fill:#0f172a}
svg .l{font-size:12px;fill:#334155}
svg .v{font-size:11px;fill:#475569}
svg .axis{stroke:#cbd5e1;stroke-width:1}
@media print{body{background:#fff}.panel,.card{break-inside:avoid}}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _svg_open(label: str, height: int = _H) -> str:
    return (f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" width="100%" '
            f'role="img" aria-label="{_e(label)}">')


def _legend(items: Sequence[tuple[str, str]]) -> str:
    parts, x = [], _LEFT
    for name, color in items:
        parts.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{color}"/>'
                     f'<text x="{x + 17}" y="16" class="l">{_e(name)}</text>')
        x += 24 + 7 * len(name)
    return "".join(parts)


def _axes(top_value: float, first: date, days: int, step_days: int) -> str:
    """Y ticks (0, half, top) and a label at the first of each month (or every ``step_days`` days)."""
    plot_h = _H - _TOP - _BOTTOM
    parts = [f'<line class="axis" x1="{_LEFT}" y1="{_H - _BOTTOM}" x2="{_W - 6}" y2="{_H - _BOTTOM}"/>']
    for frac in (0.0, 0.5, 1.0):
        y = _H - _BOTTOM - plot_h * frac
        parts.append(f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="v">{top_value * frac:,.0f}</text>')
        if frac:
            parts.append(f'<line class="axis" x1="{_LEFT}" y1="{y:.1f}" x2="{_W - 6}" y2="{y:.1f}" stroke-dasharray="2 4"/>')
    width = (_W - _LEFT - 6) / max(1, days)
    for i in range(days):
        d = first + timedelta(days=i * step_days)
        if (step_days == 1 and d.day == 1) or (step_days > 1 and i % 4 == 0):
            x = _LEFT + i * width
            text = f"{d:%b}" if step_days == 1 else f"{d:%b} {d.day}"
            parts.append(f'<text x="{x:.1f}" y="{_H - _BOTTOM + 16}" class="v">{text}</text>')
    return "".join(parts)


def svg_stacked(counts: Sequence[ChannelCounts], label: str, *, step_days: int = 1) -> str:
    """Stacked bars of touches per channel, one bar per day (or week, ``step_days=7``)."""
    top_value = max((c.total for c in counts), default=0) or 1
    plot_h = _H - _TOP - _BOTTOM
    width = (_W - _LEFT - 6) / max(1, len(counts))
    parts = [_svg_open(label), _legend([(c, CHANNEL_COLORS[c]) for c in CHANNELS])]
    if counts:
        parts.append(_axes(top_value, counts[0].day, len(counts), step_days))
    for i, c in enumerate(counts):
        if not c.total:
            continue
        x, y = _LEFT + i * width, float(_H - _BOTTOM)
        tip = f"{'week of ' if step_days > 1 else ''}{day_text(c.day)}: " + ", ".join(
            f"{ch} {getattr(c, ch)}" for ch in CHANNELS if getattr(c, ch)) + f" (total {c.total})"
        parts.append(f"<g><title>{_e(tip)}</title>")
        for ch in CHANNELS:
            n = getattr(c, ch)
            if not n:
                continue
            h = plot_h * n / top_value
            y -= h
            parts.append(f'<rect x="{x:.2f}" y="{y:.2f}" width="{max(0.8, width - 0.6):.2f}" height="{h:.2f}" '
                         f'fill="{CHANNEL_COLORS[ch]}"/>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def svg_lines(first: date, days: int, lines: Sequence[tuple[str, Mapping[date, int]]], label: str,
              capacities: Sequence[int] = ()) -> str:
    """One line per series of daily values (missing days are 0), and dashed capacity lines."""
    shown = list(lines)[:MAX_LINES]
    top_value = max([*(max(values.values(), default=0) for _name, values in shown), *capacities, 1])
    plot_h = _H - _TOP - _BOTTOM
    width = (_W - _LEFT - 6) / max(1, days)
    parts = [_svg_open(label), _legend([(name, LINE_COLORS[i]) for i, (name, _v) in enumerate(shown)]),
             _axes(top_value, first, days, 1)]
    for capacity in sorted(set(capacities)):
        y = _H - _BOTTOM - plot_h * capacity / top_value
        parts.append(f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_W - 6}" y2="{y:.1f}" stroke="#b91c1c" stroke-width="1.2" '
                     f'stroke-dasharray="6 4"><title>capacity {capacity} per day</title></line>'
                     f'<text x="{_W - 8}" y="{y - 4:.1f}" text-anchor="end" class="v">capacity {capacity}</text>')
    for i, (name, values) in enumerate(shown):
        ys = (_H - _BOTTOM - plot_h * values.get(first + timedelta(days=k), 0) / top_value for k in range(days))
        points = " ".join(f"{_LEFT + (k + 0.5) * width:.1f},{y:.1f}" for k, y in enumerate(ys))
        peak_day, peak = max(values.items(), key=lambda item: (item[1], -item[0].toordinal()), default=(first, 0))
        parts.append(f'<polyline fill="none" stroke="{LINE_COLORS[i]}" stroke-width="1.4" points="{points}">'
                     f'<title>{_e(name)}: peak {peak} on {_e(day_text(peak_day))}</title></polyline>')
    parts.append("</svg>")
    return "".join(parts)


def svg_outcomes(summaries: Sequence[Summary]) -> str:
    """Where leads end up at the horizon, cadences side by side."""
    seen: dict[str, None] = {}
    for s in summaries:
        for key, _n in s.outcomes:
            seen.setdefault(key, None)
    categories = list(seen)
    series = []
    for i, s in enumerate(summaries):
        counts = dict(s.outcomes)
        values = [float(counts.get(k, 0)) for k in categories]
        series.append((s.cadence, RUN_COLORS[i % len(RUN_COLORS)], values,
                       [f"{v:,.0f} ({share(int(v), s.leads)})" for v in values]))
    return svg_bars("Outcomes at the horizon", categories, series, "outcomes")


def _table(section: Section, css: str = "") -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in section.columns)
    body = "".join(f"<tr><td>{_e(label)}</td>{''.join(f'<td>{_e(v)}</td>' for v in cells)}</tr>"
                   for label, cells in section.rows)
    return f'<table class="{css}"><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>'


def _card(title: str, value: str, note: str = "") -> str:
    return (f'<div class="card"><div class="k">{_e(title)}</div><div class="n">{_e(value)}</div>'
            f'<div class="s">{_e(note)}</div></div>')


def _cards(s: Summary) -> str:
    busiest = max(s.reps, key=lambda r: (r.peak, r.assignee), default=None)
    return '<div class="cards">' + "".join([
        _card("Leads", f"{s.leads:,}", s.cadence),
        _card("Handed off", f"{s.handoffs:,}", share(s.handoffs, s.leads)),
        _card("Touches to handoff", spread_text(s.touches_to_handoff), "median / p90"),
        _card("Days to handoff", spread_text(s.days_to_handoff), "median / p90"),
        _card("Given up early", f"{s.given_up_early:,}", f"{share(s.given_up_early, s.leads)} no_response before touch 7"),
        _card("Busiest rep day", "-" if busiest is None else f"{busiest.peak:,} tasks",
              "" if busiest is None or busiest.peak_day is None else
              f"{busiest.assignee}, {day_text(busiest.peak_day)} (capacity {busiest.capacity})"),
    ]) + "</div>"


def _charts(s: Summary) -> str:
    first = s.per_day[0].day if s.per_day else s.start.date()
    days = len(s.per_day)
    reps = sorted(s.reps, key=lambda r: (-r.peak, r.assignee))
    senders = sorted(s.senders, key=lambda x: (-x.total, x.sender))
    more_reps = f" (the {MAX_LINES} busiest of {len(reps)})" if len(reps) > MAX_LINES else ""
    more_senders = f" (the {MAX_LINES} busiest of {len(senders)})" if len(senders) > MAX_LINES else ""
    return "".join([
        f'<section class="panel"><h2>{_e(s.cadence)}: touches per channel per day</h2>',
        svg_stacked(s.per_day, "Touches per day"), "</section>",
        f'<section class="panel"><h2>{_e(s.cadence)}: touches per channel per week</h2>',
        svg_stacked(s.per_week, "Touches per week", step_days=7), "</section>",
        f'<section class="panel"><h2>{_e(s.cadence)}: call and voicemail tasks per rep per day{_e(more_reps)}</h2>',
        svg_lines(first, days, [(r.assignee, {d.day: d.demand for d in r.days}) for r in reps], "Tasks per rep per day",
                  capacities=[r.capacity for r in reps[:MAX_LINES]]) if reps else "<p class=\"meta\">no tasks</p>",
        "</section>",
        f'<section class="panel"><h2>{_e(s.cadence)}: emails per sender per day{_e(more_senders)}</h2>',
        svg_lines(first, days, [(x.sender, dict(x.days)) for x in senders], "Emails per sender per day")
        if senders else "<p class=\"meta\">no emails</p>",
        "</section>",
    ])


def _calendar(run: SimulationRun, lead: LeadRun) -> str:
    rows = "".join(f'<tr class="{_e(r["kind"])}"><td>{_e(r["local"])}</td><td>{_e(r["what"])}</td>'
                   f'<td>{_e(r["why"] or r["detail"])}</td></tr>' for r in calendar_rows(lead))
    return (f'<section class="panel"><h2>{_e(lead_headline(run, lead))}</h2><table class="calendar"><thead><tr>'
            f"<th>when ({_e(lead.timezone)})</th><th>what</th><th>why / detail</th></tr></thead><tbody>{rows}"
            "</tbody></table></section>")


def render_html(summaries: Sequence[Summary], *, calendars: Sequence[tuple[SimulationRun, LeadRun]] = ()) -> str:
    """The page for one or two simulated cadences (and lead calendars)."""
    title = "cadence simulation: " + " vs ".join(s.cadence for s in summaries)
    tables = []
    for section in sections(summaries, busiest=None):
        table = _table(section)
        if section.title.startswith(("Touches per day", "Touches per week")):
            table = f"<details><summary>{_e(section.title)}</summary>{table}</details>"
            tables.append(f'<section class="panel">{table}</section>')
        else:
            tables.append(f'<section class="panel"><h2>{_e(section.title)}</h2>{table}</section>')
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        *[f'<p class="meta">{_e(headline(s))}</p>' for s in summaries],
        *[_cards(s) for s in summaries],
        *[_calendar(run, lead) for run, lead in calendars],
        '<section class="panel"><h2>Where leads are at the horizon</h2>', svg_outcomes(summaries), "</section>",
        *[_charts(s) for s in summaries],
        *tables,
        '<p class="meta">Generated by cadence simulate: the cadence engine on a simulated clock, with modelled '
        "buyers, reps and sales.</p>",
        "</main></body></html>\n",
    ])


__all__ = ["CHANNEL_COLORS", "render_html", "svg_lines", "svg_outcomes", "svg_stacked"]
