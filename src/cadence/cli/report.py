"""``cadence report``: where the leads went, how fast, at what cost; marketing vs sales generated."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from cadence import utc
from cadence.cli.leads import _console, _echo_json, _run
from cadence.cli.main import CadenceCLIError

_RELATIVE = re.compile(r"^\s*(\d+)\s*([dhw])\s*$")


def parse_when(value: str, now: datetime) -> datetime:
    """An ISO date or datetime (UTC unless it says otherwise), ``now``, or ``30d`` / ``12h`` / ``2w`` ago.

    Raises:
        click.BadParameter: anything else.
    """
    if value.strip().lower() == "now":
        return now
    match = _RELATIVE.match(value.lower())
    if match:
        n, unit = int(match.group(1)), match.group(2)
        return now - {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]
    try:
        parsed = utc.parse(value.strip())
    except ValueError:
        raise click.BadParameter(f"{value!r}: expected a date like 2026-11-01, a datetime, 'now' or 30d/12h/2w") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _now() -> datetime:
    """The wall clock (one place, so that tests state their instant)."""
    return datetime.now(UTC)


@click.command()
@click.option("--since", default="30d", show_default=True, help="Start of the period: ISO date/datetime (UTC) or 30d, 12h, 2w ago.")
@click.option("--until", default="now", show_default=True,
              help="End of the period (excluded): ISO date/datetime or 'now' (just after the latest event "
                   "when leads run ahead of the clock, as after cadence dev --demo).")
@click.option("--cadence", "-c", "cadence", help="Only leads of this cadence.")
@click.option("--source", type=click.Choice(["marketing", "sales"]), help="Only marketing- or sales-generated leads.")
@click.option("--owner", help="Only this rep's leads.")
@click.option("--cost", "costs", multiple=True, metavar="CHANNEL=AMOUNT",
              help="Cost of one touch (repeatable). Defaults: call=30 voicemail=10 letter=2.5 email=0.05.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML report (charts included) to this file.")
def report(since: str, until: str, cadence: str | None, source: str | None, owner: str | None,
           costs: tuple[str, ...], as_json: bool, html_file: Path | None) -> None:
    """Report on the pipeline: entries, leads under development, handoffs, exits and why.

    Conversion from stage to stage, days in each stage, velocity, touches to
    qualify, cost per lead nurtured and per handoff, and the potential revenue
    handed to sales; all of it for marketing- and sales-generated leads side by
    side. Read from Temporal visibility only (no lead is queried).

    Leads on a sped-up clock (--time-scale, cadence dev --demo) record their
    events ahead of the wall clock: a period ending "now" then ends just after
    their latest event instead, and the report says so.

    \b
    Examples:
      cadence report
      cadence report --since 2026-11-01 --until 2026-12-01 --cadence enterprise-nurture
      cadence report --source sales --cost call=45 --html report.html
    """
    from cadence.cli.progress import ProgressBar
    from cadence.report.collect import collect, count
    from cadence.report.figures import compute, default_until, parse_costs
    from cadence.report.render import (
        headline,
        render_html,
        render_terminal,
        report_to_dict,
    )

    now = _now()
    start, end = parse_when(since, now), parse_when(until, now)
    if end <= start:
        raise click.BadParameter(f"--since {since} is not before --until {until}", param_hint="--since")
    try:
        prices = parse_costs(costs)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--cost") from None
    filters = {k: v for k, v in (("cadence", cadence), ("source", source), ("owner", owner)) if v}

    async def fetch(client: Any, _settings: Any) -> list[Any]:
        # A report over many leads reads visibility for a while (about a minute at 100,000 on the dev server).
        bar = ProgressBar("reading leads", quiet=as_json)
        with bar as advance:
            total = await count(client, since=start, cadence=cadence, source=source, owner=owner) if bar.shown else None
            return await collect(client, since=start, cadence=cadence, source=source, owner=owner,
                                 on_page=lambda done: advance(done, total))

    records = _run(fetch)
    extended_from = None
    if until.strip().lower() == "now" and (later := default_until(records, now)) > end:
        end, extended_from = later, now
    result = compute(records, start, end, prices, filters=filters, extended_from=extended_from)
    if html_file is not None:
        try:
            html_file.write_text(render_html(result), encoding="utf-8")
        except OSError as exc:
            raise CadenceCLIError(f"cannot write {html_file}: {exc.strerror or exc}") from None
    if as_json:
        _echo_json(report_to_dict(result))
    elif html_file is not None:
        click.echo(headline(result))
        click.echo(f"report written to {html_file} ({len(records):,} leads read)")
    else:
        render_terminal(result, _console())


__all__ = ["parse_when", "report"]
