"""Render a :class:`~cadence.report.figures.Report`: terminal tables, JSON, self-contained HTML.

The terminal and HTML tables share one list of sections (:func:`sections`):
every figure side by side for all leads and for marketing- and sales-generated
ones. The HTML page has no external JS, CSS, fonts or images: three inline SVG
charts (funnel, days in stage, where leads exit) and the tables.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from cadence import utc
from cadence.report.figures import Figures, Report, Stat

NOT_TRACKED = "not tracked yet"
COLORS = {"all": "#334155", "marketing": "#2563eb", "sales": "#d97706"}
_OTHER_COLORS = ("#7c3aed", "#0d9488", "#db2777")
_GROUP_LABELS = {"all": "All leads", "marketing": "Marketing-generated", "sales": "Sales-generated"}

Row = tuple[str, list[str]]
Section = tuple[str, list[Row]]


# ---------------------------------------------------------------- formatting


def money(value: float | None) -> str:
    """``$3.5M``, ``$12.3k``, ``$47.30``; ``-`` for none."""
    if value is None:
        return "-"
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.1f}M".replace(".0M", "M")
    if abs(value) >= 1e4:
        return f"${value / 1e3:,.1f}k".replace(".0k", "k")
    return f"${value:,.2f}".replace(".00", "")


def pct(rate: float | None) -> str:
    """``42%``; ``-`` for none."""
    return "-" if rate is None else f"{rate * 100:.0f}%"


def days(value: float | None) -> str:
    """``3.2 d``; ``-`` for none."""
    return "-" if value is None else f"{value:.1f} d"


def duration(value: float | None) -> str:
    """A time given in days, in the unit that reads best: ``2.5 d``, ``5.2 h`` below a day, ``40 min`` below an hour.

    A demo's sped-up clock makes hours common where real leads take days. ``-`` for none.
    """
    if value is None:
        return "-"
    hours = value * 24
    if round(hours * 60) < 60:
        return f"{hours * 60:.0f} min"
    if round(hours, 1) < 24:
        return f"{hours:.1f} h"
    return f"{value:.1f} d"


def stat(s: Stat, unit: str = "d") -> str:
    """``avg / median (n)``."""
    if not s.n:
        return "-"
    fmt = (lambda v: f"{v:.1f}") if unit == "d" else (lambda v: f"{v:.1f}".replace(".0", ""))
    return f"{fmt(s.mean)} / {fmt(s.median)} {unit} (n {s.n})".replace("  ", " ")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def period_phrase(report: Report) -> str:
    """``in the 30 days to 23 Nov 2026``."""
    p = report.period
    n = p.days
    length = f"{n:.0f} days" if abs(n - round(n)) < 1e-6 else f"{n:.1f} days"
    if length == "1 days":
        length = "day"
    return f"in the {length} to {p.until.astimezone(UTC):%d %b %Y %H:%M} UTC".replace(" 00:00 UTC", "")


def period_note(report: Report) -> str | None:
    """Why the period ends after the wall clock's now, when it was extended (``None`` otherwise)."""
    p = report.period
    if p.extended_from is None:
        return None
    return (f"Leads recorded events after this computer's clock ({_utc(p.extended_from)}), as leads on a sped-up "
            f"clock do (--time-scale, cadence dev --demo): the period ends just after the latest, at {_utc(p.until)}. "
            "Pass --until to end it elsewhere.")


def _utc(when: datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def headline(report: Report, group: str = "all") -> str:
    """The report in one sentence, like the monthly report practitioners write."""
    f = report.groups[group]
    verb = "is" if f.in_development == 1 else "are"
    return (f"{_plural(f.entered_nurture, 'new prospect', 'new prospects')} entered nurture; "
            f"{f.in_development:,} {verb} under development; "
            f"{_plural(f.handed_off, 'fully nurtured opportunity', 'fully nurtured opportunities')} went to sales "
            f"{period_phrase(report)}, worth {money(f.revenue.potential)} in potential revenue.")


# ---------------------------------------------------------------- sections (shared by terminal and HTML)


def _keys(report: Report, pick: Any) -> list[str]:
    seen: dict[str, None] = {}
    for f in report.groups.values():
        for key in pick(f):
            seen.setdefault(key, None)
    return list(seen)


def sections(report: Report) -> list[Section]:
    """Every figure as labelled rows, one value per group (all, marketing, sales ...)."""
    groups = list(report.groups.values())

    def row(label: str, value: Any) -> Row:
        return label, [value(f) for f in groups]

    pipeline = [
        row("Leads worked in the period", lambda f: f"{f.leads:,}"),
        row("Enrolled", lambda f: f"{f.enrolled:,}"),
        row("Entered nurture", lambda f: f"{f.entered_nurture:,}"),
        row("Discontinued at pre-qualification", lambda f: f"{sum(f.discontinued_immediately.values()):,}"
            + (f" ({pct(sum(f.discontinued_immediately.values()) / f.enrolled)} of enrolled)" if f.enrolled else "")),
        row("Under development (end of period)", lambda f: f"{f.in_development:,}"),
        row("Handed off to sales", lambda f: f"{f.handed_off:,}"),
        row("Disqualified", lambda f: f"{f.disqualified:,}"),
        row("Ended without an outcome", lambda f: f"{sum(f.lost.values()):,}"),
    ]
    if report.acceptance_tracked:
        def answer(f: Figures, what: str) -> str:
            a = f.acceptance
            n = getattr(a, what) if a is not None else 0
            return f"{n:,}" + (f" ({pct(a.rate)})" if what == "accepted" and a is not None and a.rate is not None else "")

        pipeline.append(row("Waiting for sales to accept (end of period)", lambda f: f"{f.awaiting_acceptance:,}"))
        pipeline += [row(label, lambda f, w=what: answer(f, w)) for label, what in (
            ("Accepted by sales", "accepted"), ("Rejected by sales (back to nurture)", "rejected"),
            ("Not accepted in time (back to nurture)", "recycled"), ("Sales has not answered yet", "pending"),
            ("Handed off by cadences without acceptance", "untracked"))]
        pipeline.append(row("Potential revenue accepted by sales",
                            lambda f: money(f.acceptance.revenue if f.acceptance else 0.0)))
        pipeline.append(row("Average time to accept",
                            lambda f: duration(f.acceptance.days_to_accept if f.acceptance else None)))
    else:
        pipeline.append(row("Sales acceptance", lambda f: NOT_TRACKED))
    stages = [row(stage, lambda f, s=stage: f"{f.in_development_by_stage.get(s, 0):,}")
              for stage in _keys(report, lambda f: f.in_development_by_stage)]
    reasons = [row(reason, lambda f, r=reason: f"{f.disqualified_by_reason.get(r, 0):,}"
                   + (f" ({f.discontinued_immediately[r]:,} at pre-qualification)" if f.discontinued_immediately.get(r) else ""))
               for reason in _keys(report, lambda f: f.disqualified_by_reason)]
    reasons += [row(f"ended without outcome: {status}", lambda f, s=status: f"{f.lost.get(s, 0):,}")
                for status in _keys(report, lambda f: f.lost)]
    funnel = [row(level.label, lambda f, i=i: f"{f.funnel[i].reached:,}"
                  + (f" ({pct(f.funnel[i].rate)})" if f.funnel[i].rate is not None else ""))
              for i, level in enumerate(report.all.funnel)]
    in_stage = [row(stage, lambda f, s=stage: stat(f.time_in_stage.get(s, Stat())))
                for stage in _keys(report, lambda f: f.time_in_stage)]
    ages = [row(stage, lambda f, s=stage: stat(f.age_in_stage.get(s, Stat())))
            for stage in _keys(report, lambda f: f.age_in_stage)]
    qualify = [
        row("Velocity: enrollment to handoff", lambda f: stat(f.velocity)),
        row("Days to qualify (to sales ready)", lambda f: stat(f.days_to_qualify)),
        row("Touches to qualify", lambda f: stat(f.touches_to_qualify, "touches")),
    ]
    cost = [
        row("Touch spend on leads that ended", lambda f: money(f.cost.spend)),
        *[row(f"  of which {channel}", lambda f, c=channel: money(f.cost.by_channel.get(c, 0.0)))
          for channel in _keys(report, lambda f: f.cost.by_channel)],
        row("Cost per lead nurtured", lambda f: money(f.cost.per_lead_nurtured)),
        row("Cost per handoff", lambda f: money(f.cost.per_handoff)),
        row("Spend so far on leads under development", lambda f: money(f.cost.work_in_progress)),
        row("Potential revenue handed off", lambda f: money(f.revenue.potential)),
        row("Average opportunity", lambda f: money(f.revenue.average)),
        row("Handoffs with no deal size", lambda f: f"{f.revenue.without_value:,}"),
    ]
    flows = [row(f"{src} -> {dst}", lambda f, a=src, b=dst: f"{f.flow.get(a, {}).get(b, 0):,}")
             for src in _keys(report, lambda f: f.flow)
             for dst in _keys(report, lambda f, a=src: f.flow.get(a, {}))]
    out: list[Section] = [
        ("Pipeline", pipeline),
        ("Under development, by stage", stages),
        ("Exits: disqualified by reason", reasons),
        ("Funnel: leads enrolled in the period (conversion from the level above)", funnel),
        ("Days in stage, stays that ended in the period (avg / median)", in_stage),
        ("Age in current stage of the leads under development (avg / median)", ages),
        ("Qualification (leads handed off in the period)", qualify),
        ("Cost and revenue", cost),
        ("Stage flow: moves in the period", flows),
    ]
    return [(title, rows) for title, rows in out if rows]


def _group_label(name: str) -> str:
    return _GROUP_LABELS.get(name, f"Source: {name}")


def _costs_line(report: Report) -> str:
    return "Cost per touch: " + ", ".join(f"{k} {money(v)}" for k, v in sorted(report.costs.items()))


def _filters_line(report: Report) -> str:
    if not report.filters:
        return "All cadences, sources and owners"
    return ", ".join(f"{k} = {v}" for k, v in report.filters.items())


# ---------------------------------------------------------------- terminal


def render_terminal(report: Report, console: Any) -> None:
    """Print the headline and one rich table per section to ``console``."""
    from rich.table import Table
    from rich.text import Text

    p = report.period
    console.print(Text(headline(report), style="bold"))
    console.print(f"{p.since:%Y-%m-%d %H:%M} to {p.until:%Y-%m-%d %H:%M} UTC · {_filters_line(report)} · "
                  f"{_costs_line(report)}", style="dim", highlight=False)
    note = period_note(report)
    if note:
        console.print(note, style="yellow", highlight=False)
    if not report.acceptance_tracked:
        console.print(f"Sales acceptance: {NOT_TRACKED}.", style="dim")
    if report.incomplete:
        console.print(f"{_plural(report.incomplete, 'lead', 'leads')} predate the stage memo: "
                      "counted, without stage times.", style="yellow")
    for title, rows in sections(report):
        table = Table(title=title, title_justify="left", title_style="bold")
        table.add_column("")
        for name in report.groups:
            table.add_column(_group_label(name), justify="right")
        for label, values in rows:
            table.add_row(label, *values)
        console.print(table)


# ---------------------------------------------------------------- JSON


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return utc.iso(value)
    if isinstance(value, float):
        return round(value, 4)
    return value


def report_to_dict(report: Report) -> dict[str, Any]:
    """The report as JSON-ready data (see docs/report.md for the shape)."""
    return {
        "headline": headline(report),
        "period": {"since": _plain(report.period.since), "until": _plain(report.period.until),
                   "days": round(report.period.days, 4), "extended_from": _plain(report.period.extended_from)},
        "filters": dict(report.filters),
        "costs": _plain(report.costs),
        "acceptance": "tracked" if report.acceptance_tracked else NOT_TRACKED,
        "incomplete": report.incomplete,
        "groups": {name: _plain(f) for name, f in report.groups.items()},
    }


# ---------------------------------------------------------------- HTML


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _color(name: str, index: int) -> str:
    return COLORS.get(name) or _OTHER_COLORS[index % len(_OTHER_COLORS)]


def svg_funnel(report: Report) -> str:
    """Side-by-side funnels (one per group) of the cohort enrolled in the period."""
    groups = list(report.groups.items())
    levels = report.all.funnel
    col_w, bar_h, label_h, gap, top = 300, 22, 16, 8, 30
    step = label_h + bar_h + gap
    width = col_w * len(groups)
    height = top + len(levels) * step + 6
    parts = [(f'<svg class="chart funnel" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
              f'width="100%" role="img" aria-label="Funnel">')]
    for g, (name, f) in enumerate(groups):
        x0, mid = g * col_w, g * col_w + col_w / 2
        color = _color(name, g)
        parts.append(f'<text x="{mid}" y="18" text-anchor="middle" class="h">{_e(_group_label(name))}</text>')
        base = max((lv.reached for lv in f.funnel), default=0) or 1
        for i, lv in enumerate(f.funnel):
            y = top + i * step
            rate = f" · {pct(lv.rate)}" if lv.rate is not None else ""
            parts.append(f'<text x="{mid}" y="{y + label_h - 4}" text-anchor="middle" class="l">'
                         f'{_e(lv.label)}: <tspan class="b">{lv.reached:,}</tspan>{_e(rate)}</text>')
            w = max(2.0, (col_w - 40) * lv.reached / base)
            parts.append(f'<rect x="{x0 + (col_w - w) / 2:.1f}" y="{y + label_h}" width="{w:.1f}" height="{bar_h}" '
                         f'rx="3" fill="{color}" fill-opacity="{1.0 - 0.13 * i:.2f}">'
                         f'<title>{_e(lv.label)}: {lv.reached:,}{_e(rate)}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def svg_bars(title: str, categories: Sequence[str], series: Sequence[tuple[str, str, Sequence[float | None], Sequence[str]]],
             css_class: str) -> str:
    """Horizontal grouped bars: one row per category, one bar per series ``(name, color, values, labels)``."""
    label_w, chart_w, bar_h, gap, top = 190, 480, 14, 12, 28
    per_cat = bar_h * len(series) + gap
    height = top + per_cat * max(1, len(categories)) + 10
    width = label_w + chart_w + 230
    top_value = max((v for _, _, values, _ in series for v in values if v is not None), default=0.0) or 1.0
    parts = [(f'<svg class="chart {css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
              f'width="100%" role="img" aria-label="{_e(title)}">')]
    for i, (name, color, _, _) in enumerate(series):  # legend
        parts.append(f'<rect x="{label_w + i * 150}" y="6" width="12" height="12" fill="{color}"/>'
                     f'<text x="{label_w + i * 150 + 18}" y="16" class="l">{_e(name)}</text>')
    if not categories:
        parts.append(f'<text x="{label_w}" y="{top + 14}" class="l">nothing in this period</text>')
    for c, category in enumerate(categories):
        y0 = top + c * per_cat
        parts.append(f'<text x="{label_w - 8}" y="{y0 + bar_h * len(series) / 2 + 4}" text-anchor="end" class="l">'
                     f'{_e(category)}</text>')
        for s, (name, color, values, labels) in enumerate(series):
            value = values[c]
            y = y0 + s * bar_h
            if value is None:
                continue
            w = max(1.0, chart_w * value / top_value) if value > 0 else 0.0
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{color}">'
                         f'<title>{_e(name)} · {_e(category)}: {_e(labels[c])}</title></rect>'
                         f'<text x="{label_w + w + 5:.1f}" y="{y + bar_h - 4}" class="v">{_e(labels[c])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _source_series(report: Report) -> list[tuple[str, str, Figures]]:
    sources = [(n, f) for n, f in report.groups.items() if n != "all"]
    return [(_group_label(n), _color(n, i), f) for i, (n, f) in enumerate(sources)]


def svg_time_in_stage(report: Report) -> str:
    """Average days in each stage, marketing vs sales (median in the label)."""
    stages = _keys(report, lambda f: f.time_in_stage)
    series = []
    for label, color, f in _source_series(report):
        stats = [f.time_in_stage.get(s) for s in stages]
        series.append((label, color, [st.mean if st else None for st in stats],
                       [f"avg {st.mean:.1f} d · median {st.median:.1f} d" if st and st.n else "" for st in stats]))
    return svg_bars("Days in stage", stages, series, "time-in-stage")


def svg_exits(report: Report) -> str:
    """Where leads left the pipeline in the period: handed off, each disqualify reason, lost."""
    reasons = _keys(report, lambda f: f.disqualified_by_reason)
    lost = _keys(report, lambda f: f.lost)
    categories = ["handed off", *[f"disqualified: {r}" for r in reasons], *[f"lost: {s}" for s in lost]]
    series = []
    for label, color, f in _source_series(report):
        values = [float(f.handed_off), *[float(f.disqualified_by_reason.get(r, 0)) for r in reasons],
                  *[float(f.lost.get(s, 0)) for s in lost]]
        series.append((label, color, values, [f"{v:,.0f}" for v in values]))
    return svg_bars("Exits", categories, series, "exits")


_CSS = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#0f172a;margin:0;background:#f8fafc}
main{max-width:1100px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:22px;margin:0 0 4px}
.headline{font-size:20px;font-weight:600;margin:14px 0 6px;line-height:1.35}
.meta{color:#475569;font-size:13px;margin:2px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:20px 0}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 14px}
.card .k{font-size:12px;color:#64748b;text-transform:uppercase;letter-spacing:.04em}
.card .n{font-size:26px;font-weight:700;margin:2px 0}
.card .s{font-size:12px;color:#475569}
.panel{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 16px;margin:16px 0}
h2{font-size:16px;margin:0 0 10px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:5px 8px;border-bottom:1px solid #eef2f7;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left;white-space:normal}
thead th{color:#475569;font-weight:600}
svg text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
svg .h{font-size:14px;font-weight:600;fill:#0f172a}
svg .b{font-weight:700}
svg .l{font-size:12px;fill:#334155}
svg .v{font-size:11px;fill:#475569}
.note{color:#92400e;background:#fffbeb;border:1px solid #fde68a;border-radius:6px;padding:6px 10px;font-size:13px}
@media print{body{background:#fff}.panel,.card{break-inside:avoid}}
"""


def _card(title: str, value: str, by_source: str) -> str:
    return (f'<div class="card"><div class="k">{_e(title)}</div><div class="n">{_e(value)}</div>'
            f'<div class="s">{_e(by_source)}</div></div>')


def _split(report: Report, fmt: Any) -> str:
    return " · ".join(f"{name} {fmt(f)}" for name, f in report.groups.items() if name != "all")


def render_html(report: Report, title: str = "cadence pipeline report") -> str:
    """A self-contained HTML page (inline CSS and SVG; no scripts, no network)."""
    a = report.all
    p = report.period
    cards = "".join([
        _card("Entered nurture", f"{a.entered_nurture:,}", _split(report, lambda f: f"{f.entered_nurture:,}")),
        _card("Under development", f"{a.in_development:,}", _split(report, lambda f: f"{f.in_development:,}")),
        _card("Handed off", f"{a.handed_off:,}", _split(report, lambda f: f"{f.handed_off:,}")),
        _card("Potential revenue", money(a.revenue.potential), _split(report, lambda f: money(f.revenue.potential))),
        _card("Disqualified", f"{a.disqualified:,}", _split(report, lambda f: f"{f.disqualified:,}")),
        _card("Median days to handoff", "-" if a.velocity.median is None else f"{a.velocity.median:.1f}",
              _split(report, lambda f: "-" if f.velocity.median is None else f"{f.velocity.median:.1f}")),
        _card("Cost per handoff", money(a.cost.per_handoff), _split(report, lambda f: money(f.cost.per_handoff))),
        _card("Sales acceptance", NOT_TRACKED if a.acceptance is None else pct(a.acceptance.rate),
              "" if a.acceptance is None else _split(report, lambda f: pct(f.acceptance.rate) if f.acceptance else "-")),
    ])
    notes = [note] if (note := period_note(report)) else []
    if not report.acceptance_tracked:
        notes.append(f"Sales acceptance (accepted / rejected / recycled): {NOT_TRACKED}.")
    if report.incomplete:
        notes.append(f"{_plural(report.incomplete, 'lead', 'leads')} predate the stage memo: counted, without stage times.")
    if sum(a.lost.values()):
        notes.append(f"{_plural(sum(a.lost.values()), 'lead', 'leads')} ended without an outcome "
                     "(terminated, failed or timed out): look at them.")
    tables = []
    head = "".join(f"<th>{_e(_group_label(n))}</th>" for n in report.groups)
    for section_title, rows in sections(report):
        body = "".join(f"<tr><td>{_e(label)}</td>{''.join(f'<td>{_e(v)}</td>' for v in values)}</tr>"
                       for label, values in rows)
        tables.append(f'<section class="panel"><h2>{_e(section_title)}</h2><table><thead><tr><th></th>{head}</tr>'
                      f"</thead><tbody>{body}</tbody></table></section>")
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">{p.since:%Y-%m-%d %H:%M} to {p.until:%Y-%m-%d %H:%M} UTC · {_e(_filters_line(report))}</p>',
        f'<p class="headline">{_e(headline(report))}</p>',
        *[f'<p class="meta">{_e(_group_label(n))}: {_e(headline(report, n))}</p>' for n in report.groups if n != "all"],
        f'<div class="cards">{cards}</div>',
        *[f'<p class="note">{_e(n)}</p>' for n in notes],
        '<section class="panel"><h2>Funnel of the leads enrolled in the period</h2>', svg_funnel(report), "</section>",
        '<section class="panel"><h2>Days in stage (stays that ended in the period)</h2>', svg_time_in_stage(report),
        "</section>",
        '<section class="panel"><h2>Where leads left the pipeline</h2>', svg_exits(report), "</section>",
        *tables,
        f'<p class="meta">{_e(_costs_line(report))}. Generated by cadence report.</p>',
        "</main></body></html>\n",
    ])


__all__ = [
    "NOT_TRACKED",
    "days",
    "duration",
    "headline",
    "money",
    "pct",
    "period_note",
    "period_phrase",
    "render_html",
    "render_terminal",
    "report_to_dict",
    "sections",
    "stat",
    "svg_bars",
    "svg_exits",
    "svg_funnel",
    "svg_time_in_stage",
]
