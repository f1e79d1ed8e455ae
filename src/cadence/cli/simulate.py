"""``cadence simulate``: run leads through a cadence on a simulated clock, before anyone is touched.

A thin command over :mod:`cadence.simulate`: it reads the cadence, the leads and
the behaviour, runs the simulation, and shows it (terminal, ``--json``,
``--html``). Every error is one line with exit code 1. Imports no temporalio.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from cadence import utc
from cadence.cli.main import CadenceCLIError, set_exit_code

DEFAULT_ZONE = "America/New_York"
MAX_DAYS = 3650
MAX_LEADS = 1_000_000
MAX_PROCESSES = 64
"""More processes than leads' groups or cores only cost their start."""


def _now() -> datetime:
    """The wall clock (one place, so that tests state their instant)."""
    return datetime.now(timezone.utc)


def _whole(value: str, option: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip().replace("_", ""))
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise CadenceCLIError(f"{option} {value!r}: expected a whole number from {low:,} to {high:,}")
    return number


def _zone(value: str) -> str:
    from cadence.schedule import is_valid_timezone

    if not is_valid_timezone(value):
        raise CadenceCLIError(f"--zone {value!r} is not an IANA time zone (like America/New_York)")
    return value


def parse_start(value: str | None, zone: str, now: Callable[[], datetime]) -> datetime:
    """``--start``: an ISO date or date and time (in ``zone`` unless it gives an offset); ``None``: ``now()``,
    to the minute (the clock is read only then).

    Raises:
        CadenceCLIError: for anything else.
    """
    tz = ZoneInfo(zone)
    if value is None:
        return now().astimezone(tz).replace(second=0, microsecond=0)
    try:
        parsed = utc.parse(value.strip())
    except ValueError:
        raise CadenceCLIError(f"--start {value!r}: expected a date or a date and time, like 2027-03-01T09:00") from None
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def _plan(path: str, templates: Path | None) -> Any:
    from cadence.dsl.compiler import compile_file
    from cadence.dsl.errors import ValidationFailed

    if not Path(path).is_file():
        raise CadenceCLIError(f"no cadence file {path}")
    try:
        return compile_file(path, templates)
    except ValidationFailed as exc:
        e = exc.errors[0]
        first = f"{e.file}:{e.line}:{e.column}: {e.message}" + (f" (hint: {e.hint})" if e.hint else "")
        more = len(exc.errors) - 1
        tail = f" (and {more} more error{'s' if more != 1 else ''}: cadence validate {path})" if more else ""
        raise CadenceCLIError(f"{first}{tail}") from None


def _leads(source: Path | None, mapping: tuple[str, ...], synthetic: str | None, owners: str, seed: int,
           quiet: bool) -> list[Any]:
    from cadence.simulate import synthetic_leads
    from cadence.sources import distinct_leads, parse_mapping, read_leads, skipped_warning

    if source is not None and synthetic is not None:
        raise CadenceCLIError("give a lead file or --synthetic N, not both")
    if source is None and synthetic is None:
        raise CadenceCLIError("no leads: give a lead file (.csv, .jsonl, .json) or --synthetic N")
    if synthetic is not None:
        count = _whole(synthetic, "--synthetic", 1, MAX_LEADS)
        return synthetic_leads(count, seed, owner_count=_whole(owners, "--owners", 1, 10_000))
    assert source is not None
    leads, skipped = distinct_leads(read_leads(source, parse_mapping(list(mapping))))
    if not leads:
        detail = f" ({len(skipped)} rejected; {skipped[0]})" if skipped else ""
        raise CadenceCLIError(f"no valid lead in {source}{detail}")
    if skipped and not quiet:
        click.echo(skipped_warning(source, skipped), err=True)
    return leads


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("leads", required=False, type=click.Path(path_type=Path))
@click.option("--synthetic", metavar="N", help="Simulate N made-up leads (mixed time zones and owners) instead of a file.")
@click.option("--owners", default="5", show_default=True, metavar="N", help="Owners (reps) of --synthetic leads.")
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN", help="Map a CSV column to a lead field (as enroll).")
@click.option("--start", metavar="WHEN", help="When the clock starts: 2027-03-01T09:00 (in --zone unless it has an "
              "offset). Default: now.")
@click.option("--zone", default=DEFAULT_ZONE, show_default=True, metavar="ZONE",
              help="Zone of --start and of the days and weeks counted.")
@click.option("--days", default="365", show_default=True, metavar="N", help="Horizon: how many days to simulate.")
@click.option("--spread", default="0", show_default=True, metavar="DAYS",
              help="Leads enter at random over this many days instead of all at --start.")
@click.option("--seed", default="0", show_default=True, metavar="N", help="Random seed: the same seed gives the same run.")
@click.option("--behaviour", "--behavior", "behaviour_file", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file of response probabilities and delays (docs/simulate.md).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override one behaviour setting, like email.reply=0.05 or call.connect=8% (repeatable).")
@click.option("--rep-capacity", metavar="N", help="Call and voicemail tasks one rep logs per day (reps.capacity).")
@click.option("--lead", "lead_id", metavar="ID", help="Show this lead's dated calendar instead of the figures.")
@click.option("--compare", "other", type=click.Path(dir_okay=False), metavar="OTHER.yaml",
              help="Simulate a second cadence on the same leads and seed, side by side.")
@click.option("--templates", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Templates directory (default: the nearest templates/ above each cadence file).")
@click.option("--processes", metavar="N", help="Processes to share the leads between (leads of one rep stay "
              "together; the run is the same with any number). Default: one per core, 500 leads each at least, or a few "
              "more when the reps' leads divide unevenly between the cores.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures (or the lead's calendar) as JSON.")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML page with charts to this file.")
def simulate(file: str, leads: Path | None, synthetic: str | None, owners: str, mapping: tuple[str, ...],
             start: str | None, zone: str, days: str, spread: str, seed: str, behaviour_file: Path | None,
             overrides: tuple[str, ...], rep_capacity: str | None, lead_id: str | None, other: str | None,
             templates: Path | None, processes: str | None, as_json: bool, html_file: Path | None) -> None:
    """Simulate a cadence: run LEADS (or --synthetic N) through FILE on a simulated clock.

    The same engine the workers run decides every step, on the real calendar
    (each lead's zone, business hours, holidays, clock changes); buyers, reps
    and sales are simulated from a behaviour model. Nothing is sent, nothing
    needs a server. Shows touches per channel per day and week, each rep's
    tasks per day against capacity, emails per sender, where leads end up,
    touches and days to handoff, and the leads given up before touch 7.

    \b
    Examples:
      cadence simulate cadences/enterprise-nurture.yaml --synthetic 1000 --start 2027-03-01T09:00
      cadence simulate cadences/enterprise-nurture.yaml leads.csv --behaviour buyers.yaml --html sim.html
      cadence simulate cadences/enterprise-nurture.yaml --synthetic 200 --lead S-00007
      cadence simulate cadences/inbound-fast-follow.yaml --synthetic 500 --compare cadences/enterprise-nurture.yaml
    """
    from cadence.simulate import SimulationError, read_behaviour
    from cadence.simulate import simulate as run_simulation
    from cadence.simulate.metrics import summarize

    set_exit_code(0)
    zone = _zone(zone)
    horizon = _whole(days, "--days", 1, MAX_DAYS)
    spread_days = _whole(spread, "--spread", 0, MAX_DAYS)
    seed_value = _whole(seed, "--seed", 0, 2**63 - 1)
    process_count = None if processes is None else _whole(processes, "--processes", 1, MAX_PROCESSES)
    began = parse_start(start, zone, _now)
    extra = list(overrides)
    if rep_capacity is not None:
        extra.append(f"reps.capacity={_whole(rep_capacity, '--rep-capacity', 0, 100_000)}")
    behaviour = read_behaviour(behaviour_file, extra)
    plans = [_plan(file, templates)] + ([_plan(other, templates)] if other else [])
    people = _leads(leads, mapping, synthetic, owners, seed_value, as_json)
    if lead_id is not None and lead_id not in {lead.id for lead in people}:
        raise CadenceCLIError(f"lead {lead_id!r} is not among the {len(people):,} leads simulated")
    runs = []
    with _progress(disable=as_json or not sys.stderr.isatty()) as progress:
        for plan in plans:
            bar = progress.add_task(plan.name, total=horizon)
            try:
                runs.append(run_simulation(
                    plan, people, start=began, days=horizon, behaviour=behaviour, seed=seed_value, zone=zone,
                    trace=[lead_id] if lead_id else (), spread_days=spread_days, processes=process_count,
                    on_progress=lambda done, total, bar=bar: progress.update(bar, completed=done, total=total)))
            except (SimulationError, ValueError) as exc:  # ValueError: a calendar with no send window at all
                raise CadenceCLIError(f"{plan.name}: {exc}") from None
    summaries = [summarize(run) for run in runs]
    calendars = [(run, run.lead(lead_id)) for run in runs] if lead_id else []
    if html_file is not None:
        _write_html(html_file, summaries, calendars)
    _show(runs, summaries, calendars, as_json)
    if html_file is not None and not as_json:
        click.echo(f"wrote {html_file}", err=True)


def _progress(disable: bool) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("simulating {task.description}"), BarColumn(),
                    TextColumn("day {task.completed:.0f}/{task.total:.0f}"), TimeElapsedColumn(),
                    console=Console(stderr=True), disable=disable, transient=True)


def _write_html(path: Path, summaries: list[Any], calendars: list[Any]) -> None:
    from cadence.simulate.html import render_html

    try:
        path.write_text(render_html(summaries, calendars=calendars), encoding="utf-8")
    except OSError as exc:
        raise CadenceCLIError(f"cannot write {path}: {exc.strerror or exc}") from None


def _show(runs: list[Any], summaries: list[Any], calendars: list[Any], as_json: bool) -> None:
    from cadence.simulate.render import (
        lead_to_dict,
        render_calendar,
        render_terminal,
        summary_to_dict,
    )

    if as_json:
        if calendars:
            items = [lead_to_dict(run, lead) for run, lead in calendars]
        else:
            items = [summary_to_dict(summary, run) for summary, run in zip(summaries, runs, strict=True)]
        data = items[0] if len(items) == 1 else {"runs": items}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from rich.console import Console

    console = Console()
    if calendars:
        for run, lead in calendars:
            render_calendar(run, lead, console)
    else:
        render_terminal(summaries, console)


__all__ = ["parse_start", "simulate"]
