"""A preview (:class:`~cadence.preview.model.Preview`) as one self-contained HTML page.

Inline CSS, no script, nothing fetched: a Content-Security-Policy forbids every
load but inline styles and ``data:`` images, and it holds inside the frames too.
Each email's HTML part and each letter is shown in an ``<iframe sandbox srcdoc>``
(escaped, so a template's markup can neither break the page nor run a script).
One section per template, one column per sample lead; the column of the lead
without optional fields says whether it differs from its full lead, and how.
"""

from __future__ import annotations

import html

from cadence import schedule
from cadence.preview.model import Preview, Rendering, SampleLead, Touchpoint

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#0f172a;margin:0;background:#f8fafc}
main{max-width:1400px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 4px}
h3{font-size:14px;margin:0 0 2px}
.meta{color:#475569;font-size:13px;margin:2px 0}
.panel{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 16px;margin:16px 0;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #eef2f7;text-align:left;vertical-align:top}
thead th{color:#475569;font-weight:600}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f5f9;padding:1px 4px;
  border-radius:3px}
.badge{display:inline-block;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;
  border-radius:4px;padding:1px 6px;margin-left:6px;vertical-align:middle;color:#fff}
.badge.email{background:#2563eb}.badge.call{background:#d97706}.badge.voicemail{background:#7c3aed}
.badge.letter{background:#0d9488}
.leads{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:12px;margin-top:10px}
.lead{border:1px solid #e2e8f0;border-radius:6px;padding:10px 12px;background:#fff;min-width:0}
.lead.sparse{border-left:4px solid #f59e0b;background:#fffbeb}
.when{color:#64748b;font-size:12px;margin:0 0 6px}
dl.headers{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;font-size:13px;margin:6px 0}
dl.headers dt{color:#64748b}dl.headers dd{margin:0;overflow-wrap:anywhere}
dd.subject{font-weight:600}
iframe{width:100%;border:1px solid #cbd5e1;border-radius:4px;background:#fff}
iframe.email{height:380px}iframe.letter{height:720px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
  background:#f8fafc;border:1px solid #e2e8f0;border-radius:4px;padding:8px;margin:6px 0}
.skipped{color:#b45309;font-style:italic}
.note{color:#b45309;font-size:13px}
.marker{font-size:13px;font-weight:600;margin:8px 0 2px}
.marker.differs{color:#b91c1c}.marker.same{color:#15803d}
pre.diff .add{background:#dcfce7;display:block}pre.diff .del{background:#fee2e2;display:block}
pre.diff .hunk{color:#64748b;display:block}
summary{cursor:pointer;font-size:13px;font-weight:600;color:#334155}
ol.contents{columns:2;font-size:14px;margin:6px 0;padding-left:22px}
ol.contents .differs{color:#b91c1c;font-size:12px}
@media print{body{background:#fff}.touch{break-inside:avoid}}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def render_page(preview: Preview) -> str:
    """The page: the leads, a table of contents, then one section per template."""
    plan = preview.plan
    differing = set(preview.differing())
    zone = plan.schedule.default_timezone
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>Preview: {_e(plan.name)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n",
        f"<h1>Preview of {_e(plan.name)}</h1>\n",
        f'<p class="meta">{_e(preview.file)} &middot; version {_e(plan.short_version)}'
        + (f" ({_e(plan.version_label)})" if plan.version_label else "")
        + (f" &middot; {_e(plan.description)}" if plan.description else "") + "</p>\n",
        f'<p class="meta">{_count(len(preview.touchpoints), "template")} for '
        f'{_count(len(preview.leads), "sample lead")}, enrolled {_e(schedule.describe(preview.at, zone))}; '
        "rendered as the workers render them. Emails and letters show in sandboxed frames: no script runs and no "
        "remote image loads.</p>\n",
        _leads_panel(preview),
        _contents(preview, differing),
    ]
    for n, point in enumerate(preview.touchpoints, start=1):
        parts.append(_section(preview, n, point))
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


def _leads_panel(preview: Preview) -> str:
    rows = []
    for lead in preview.leads:
        fields = ", ".join(f"{k}={v}" for k, v in lead.fields.items())
        about = ""
        if lead.sparse:
            about = f"<br>lacks: {_e(', '.join(lead.dropped) or 'nothing')}"
            if lead.kept:
                about += f"<br>keeps {_e(', '.join(lead.kept))}: pre-qualification needs it"
            count = sum(1 for t in preview.touchpoints if preview.diff(t, lead))
            about += f'<br><span class="marker differs">{count} of {len(preview.touchpoints)} templates differ</span>'
        rows.append(f'<tr class="{"sparse" if lead.sparse else "full"}" data-lead="{_e(lead.key)}">'
                    f"<td>{_e(lead.label)}</td><td><code>{_e(fields)}</code>{about}</td></tr>")
    return ('<section class="panel" id="leads"><h2>Sample leads</h2>\n'
            "<table><thead><tr><th>lead</th><th>fields</th></tr></thead><tbody>\n"
            + "\n".join(rows) + "\n</tbody></table></section>\n")


def _contents(preview: Preview, differing: set[Touchpoint]) -> str:
    items = []
    for point in preview.touchpoints:
        mark = ' <span class="differs">&ne; differs without optional fields</span>' if point in differing else ""
        where = f"{point.plan}: " if point.plan != preview.plan.name else ""
        items.append(f'<li><a href="#t-{_e(point.key)}">{_e(where + point.title)}</a>{mark}</li>')
    return ('<section class="panel"><h2>Templates</h2>\n<ol class="contents">\n'
            + "\n".join(items) + "\n</ol></section>\n")


def _section(preview: Preview, n: int, point: Touchpoint) -> str:
    track = f" &middot; track {_e(point.plan)}" if point.plan != preview.plan.name else ""
    subject = f" &middot; subject <code>{_e(point.subject)}</code>" if point.subject else ""
    head = (f'<section class="panel touch {point.channel}" id="t-{_e(point.key)}" data-touch="{_e(point.key)}">\n'
            f'<h2>{n}. {_e(point.title)}<span class="badge {point.channel}">{point.channel}</span></h2>\n'
            f'<p class="meta"><code>{_e(point.template)}</code>{subject}{track}</p>\n<div class="leads">\n')
    cells = [_cell(preview, point, lead) for lead in preview.leads]
    return head + "\n".join(cells) + "\n</div>\n</section>\n"


def _cell(preview: Preview, point: Touchpoint, lead: SampleLead) -> str:
    r = preview.rendering(point, lead)
    diff = preview.diff(point, lead)
    classes = ["lead"] + (["sparse", "differs" if diff else "same"] if lead.sparse else [])
    out = [f'<article class="{" ".join(classes)}" data-lead="{_e(lead.key)}">',
           f"<h3>{_e(lead.label)}</h3>"] + ([f'<p class="when">{_e(r.when)}</p>'] if r.when else [])
    if lead.sparse:
        base = preview.lead(lead.sparse_of).label
        out.append(f'<p class="marker differs">&ne; differs from {_e(base)}</p>' if diff
                   else f'<p class="marker same">= same as {_e(base)}</p>')
    out.append(_body(r, point))
    if r.note:
        out.append(f'<p class="note">{_e(r.note)}</p>')
    if diff:
        out.append(f'<details class="diff" open><summary>What changes without optional fields</summary>'
                   f'<pre class="diff">{_diff_lines(diff)}</pre></details>')
    out.append("</article>")
    return "\n".join(out)


def _body(r: Rendering, point: Touchpoint) -> str:
    if r.skipped:
        return f'<p class="skipped">{_e(r.skipped)}</p>'
    if point.channel == "email":
        headers = "".join(f"<dt>{_e(name)}</dt><dd>{_e(value)}</dd>" for name, value in r.headers
                          if name in ("From", "To", "Reply-To"))
        return (f'<dl class="headers"><dt>Subject</dt><dd class="subject">{_e(r.subject)}</dd>{headers}</dl>\n'
                f'<iframe class="email" sandbox="" title="HTML part: {_e(r.subject)}" srcdoc="{_e(r.html)}"></iframe>\n'
                f'<details class="text"><summary>Text part</summary><pre>{_e(r.text)}</pre></details>')
    if point.channel == "letter":
        return (f'<iframe class="letter" sandbox="" title="Letter {_e(point.step_id)}" '
                f'srcdoc="{_e(r.html)}"></iframe>')
    return f'<pre class="text">{_e(r.text)}</pre>'


def _diff_lines(lines: list[str]) -> str:
    out = []
    for line in lines[2:]:  # the ---/+++ header names the leads, which the column already says
        kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "")
        out.append(f'<span class="{kind}">{_e(line)}</span>' if kind else _e(line) + "\n")
    return "".join(out)


__all__ = ["render_page"]
