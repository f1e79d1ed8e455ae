"""``cadence enroll/event/tasks/status/list/handoff/disqualify/pause/resume``.

Thin commands over :mod:`cadence.client`. Output that is data has ``--json``;
errors are one line with exit code 1; usage errors exit 2.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

import click

from cadence import utc
from cadence.cli.main import CadenceCLIError, set_exit_code
from cadence.cli.operator import operator

T = TypeVar("T")


def _settings(ctx: click.Context | None = None) -> Any:
    from cadence.config import load_settings

    try:
        return load_settings()
    except Exception as exc:  # ConfigError: already one line
        raise CadenceCLIError(str(exc)) from None


def _run(fn: Callable[[Any, Any], Awaitable[T]]) -> T:
    """Connect with the effective settings and run ``fn(client, settings)``; a refusal (no server, a lead that
    says no) reaches :func:`cadence.cli.main.main`, which prints it as one line."""
    from cadence.connect import connect

    settings = _settings()

    async def main() -> T:
        client = await connect(settings)
        return await fn(client, settings)

    return asyncio.run(main())


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str, ensure_ascii=False))


async def _echo_json_pages(pages: AsyncIterator[list[Any]]) -> None:
    """Print the items of ``pages`` as :func:`_echo_json` prints the list of them, each page as it arrives.

    Thousands of leads start printing at once and are never all held; a failure part way leaves
    the list unclosed (and the command exits 1 with the reason on stderr).
    """
    opened = False
    async for page in pages:
        if page:
            items = json.dumps(page, indent=2, default=str, ensure_ascii=False)[2:-2]  # without "[\n" and "\n]"
            click.echo(("," if opened else "[") + "\n" + items, nl=False)
            opened = True
    click.echo("\n]" if opened else "[]")


def _load_plan(cadence: str, settings: Any) -> Any:
    from cadence.dsl.compiler import ValidationFailed, compile_file

    path = Path(cadence)
    if not path.suffix:
        path = Path(settings.cadences_dir) / f"{cadence}.yaml"
    if not path.is_file():
        raise CadenceCLIError(f"no cadence {cadence!r}: {path} does not exist")
    try:
        return compile_file(path)
    except ValidationFailed as exc:
        for err in exc.errors:
            click.echo(err.render() if hasattr(err, "render") else str(err), err=True)
        raise CadenceCLIError(f"{path} is not a valid cadence ({len(exc.errors)} errors); nothing enrolled") from None


# ---------------------------------------------------------------- enroll


@click.command()
@click.option("--cadence", "-c", "cadence", required=True, help="Cadence name (in the cadences directory) or a .yaml file.")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--map", "mapping", multiple=True, metavar="FIELD=COLUMN", help="Map a CSV column to a lead field (repeatable).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), help="Where to write rejected rows (default: SOURCE.rejects.jsonl).")
@click.option("--concurrency", default=64, show_default=True, type=click.IntRange(1, 1000), help="Workflow starts in flight.")
@click.option("--time-scale", type=click.FloatRange(min=1.0), default=None, help="Clock speed-up recorded in each lead (demos).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def enroll(cadence: str, source: Path, mapping: tuple[str, ...], rejects: Path | None, concurrency: int,
           time_scale: float | None, as_json: bool) -> None:
    """Enroll the leads of SOURCE (.json, .jsonl or CRM .csv) into a cadence.

    Each lead gets one durable workflow pinned to the cadence's current
    version. Re-running the same file enrolls nobody twice; bad rows are
    reported with their line numbers in a rejects file and the good rows go in.

    \b
    Examples:
      cadence enroll --cadence enterprise-nurture leads.csv
      cadence enroll -c cadences/inbound-fast-follow.yaml lead.json
      cadence enroll -c enterprise-nurture export.csv --map company="Account Name" --map id="Lead ID"
    """
    from cadence.cli.progress import ProgressBar
    from cadence.client import EnrollResult, enroll_many, register_search_attributes
    from cadence.contacts import ContactKeys
    from cadence.sources import parse_mapping, read_leads

    settings = _settings()
    plan = _load_plan(cadence, settings)
    leads = read_leads(source, parse_mapping(list(mapping)))
    records = list(leads)
    if leads.description and not as_json:
        click.echo(leads.description, err=True)  # "reading semi.csv as ';'-separated"
    rejects_path = rejects or source.with_name(source.name + ".rejects.jsonl")
    rejected: list[dict[str, Any]] = []
    counts = {"enrolled": 0, "already_enrolled": 0, "rejected": 0}
    scale = time_scale if time_scale is not None else settings.time_scale

    async def work(client: Any, _settings: Any) -> None:
        await register_search_attributes(client, settings.namespace)
        with ProgressBar("enrolling", quiet=as_json) as advance:
            def on_result(result: EnrollResult) -> None:
                counts[result.status] += 1
                if result.status == "rejected":
                    rejected.append({"line": result.line, "error": result.message})
                advance(sum(counts.values()), len(records))

            await enroll_many(client, plan, records, task_queue=settings.task_queue, time_scale=scale,
                              concurrency=concurrency, enrolled_by=operator(), on_result=on_result,
                              contacts=ContactKeys.configured(settings))

    _run(work)
    if rejected:
        rejected.sort(key=lambda r: r["line"])
        tmp = rejects_path.with_name(rejects_path.name + ".tmp")
        tmp.write_text("".join(json.dumps({"file": str(source), **r}) + "\n" for r in rejected), encoding="utf-8")
        tmp.replace(rejects_path)
    summary = {"cadence": plan.name, "version": plan.short_version, **counts, "rejects_file": str(rejects_path) if rejected else None}
    if as_json:
        _echo_json(summary)
    else:
        for r in rejected[:20]:
            click.echo(f"{source}:{r['line']}: rejected: {r['error']}", err=True)
        if len(rejected) > 20:
            click.echo(f"... and {len(rejected) - 20} more in {rejects_path}", err=True)
        click.echo(f"{plan.name} ({plan.short_version}): {counts['enrolled']} enrolled, "
                   f"{counts['already_enrolled']} already enrolled, {counts['rejected']} rejected"
                   + (f" (see {rejects_path})" if rejected else ""))
    if rejected:
        set_exit_code(1)


# ---------------------------------------------------------------- events


def _parse_pairs(pairs: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r} must look like name=value", param_hint=what)
        out[key.strip()] = value.strip()
    return out


@click.command()
@click.argument("lead_id")
@click.argument("kind")
@click.option("--data", "-d", "data", multiple=True, metavar="KEY=VALUE", help="Event details; for lead_updated, the changed fields.")
def event(lead_id: str, kind: str, data: tuple[str, ...]) -> None:
    """Send an event to a lead: reply, meeting, callback, unsubscribe, bounce, lead_updated.

    A reply, a call back or a meeting request moves the lead at once, by
    the cadence's event handlers; unsubscribe stops every further touch and
    puts the address on the do-not-contact list (see cadence suppress).

    \b
    Examples:
      cadence event L-1001 reply
      cadence event L-1001 meeting -d detail="demo on Tuesday"
      cadence event L-1001 lead_updated -d phone="+1 312 555 0100"
    """
    from cadence import client as api

    details: dict[str, Any] = dict(_parse_pairs(data, "--data"))
    normalised = api.EVENT_ALIASES.get(kind.replace("-", "_"), kind.replace("-", "_"))
    if normalised == "lead_updated":
        # Changed data goes through the validated update, so a bad value is refused here and now.
        from cadence.contacts import ContactKeys

        result = _run(lambda client, settings: api.update_lead(client, lead_id, details, by=operator(),
                                                               contacts=ContactKeys.configured(settings)))
        click.echo(f"lead {lead_id}: {result.message}")
        return
    if normalised == "unsubscribe":
        # The address goes on the do-not-contact list too, which outlives this lead's nurture.
        done = _run(lambda client, settings: api.opt_out(client, lead_id, source="cli", task_queue=settings.task_queue))
        click.echo(f"lead {lead_id}: {done}")
        return
    _run(lambda client, _s: api.send_event(client, lead_id, kind, details, source="cli"))
    click.echo(f"sent {normalised} to lead {lead_id}")


# ---------------------------------------------------------------- tasks


@click.group(invoke_without_command=True)
@click.option("--assignee", help="Only tasks of this rep or queue.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def tasks(ctx: click.Context, assignee: str | None, as_json: bool) -> None:
    """List open call and voicemail tasks (the rep's queue); see the subcommands.

    \b
    Examples:
      cadence tasks
      cadence tasks --assignee dana
      cadence tasks show lead-L-1001~intro-call~1
      cadence tasks complete lead-L-1001~intro-call~1 --outcome connected \\
          --notes "budget approved in Q3" --learned budget="120k approved" --learned urgency="renewal in May"
    """
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from cadence import client as api

    rows = _run(lambda client, _s: api.open_tasks(client, assignee))
    if as_json:
        _echo_json([{k: v for k, v in t.items() if k != "brief"} for t in rows])
        return
    if not rows:
        click.echo("no open tasks")
        return
    table = Table("task", "kind", "assignee", "lead", "cadence", "due")
    for t in rows:
        table.add_row(t["task_id"], t["kind"], t["assignee"], t["lead_id"], t["cadence"], _when(t["due_at"]))
    _console().print(table)


@tasks.command("show")
@click.argument("task_id")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def tasks_show(task_id: str, as_json: bool) -> None:
    """Show one open task with its brief (history, company, gaps to probe, talk track)."""
    from cadence import client as api

    t = _run(lambda client, _s: api.task(client, task_id))
    if as_json:
        _echo_json(t)
        return
    click.echo(f"task {t['task_id']} ({t['kind']}) for {t['assignee']} - lead {t['lead_id']} - due {_when(t['due_at'])}")
    click.echo(f"outcomes: {', '.join(t['outcomes'])}\n")
    click.echo(t["brief"])


@tasks.command("complete")
@click.argument("task_id")
@click.option("--outcome", "-o", required=True, help="What happened (one of the task's outcomes).")
@click.option("--notes", "-n", default="", help="Notes for the contact history.")
@click.option("--learned", "-l", multiple=True, metavar="ATTRIBUTE=WHAT", help="A qualification fact learned (repeatable).")
@click.option("--by", default="", help="Who made the call (default: the task's assignee).")
def tasks_complete(task_id: str, outcome: str, notes: str, learned: tuple[str, ...], by: str) -> None:
    """Record the outcome of a call or voicemail task; the lead moves on at once."""
    from cadence import client as api

    facts = _parse_pairs(learned, "--learned")
    result = _run(lambda client, _s: api.log_outcome(client, task_id, outcome, notes=notes, learned=facts, by=by))
    click.echo(result.message)


# ---------------------------------------------------------------- status / list


@click.command()
@click.argument("lead_id")
@click.option("--json", "as_json", is_flag=True, help="Print the full state as JSON.")
def status(lead_id: str, as_json: bool) -> None:
    """Show where a lead is: stage, touches, qualification, next action, history.

    \b
    Examples:
      cadence status L-1001
      cadence status L-1001 --json | jq .history
    """
    from cadence import client as api

    async def full_or_visible(client: Any, _s: Any) -> tuple[dict[str, Any] | None, Any, str]:
        try:
            return await api.state(client, lead_id), None, ""
        except api.NoWorker as exc:
            row = await api.lead_row(client, lead_id)
            if row is None:
                raise
            return None, row, str(exc)

    st, row, no_worker = _run(full_or_visible)
    if st is None:
        _status_from_visibility(row, no_worker, as_json)
        return
    if as_json:
        _echo_json(st)
        return
    outcome = st.get("outcome")
    click.echo(f"lead {st['lead_id']} - {st['cadence']} ({str(st['version'])[:12]}) - {st['status']}, stage {st['stage']}")
    click.echo(f"touches {st['touches']}/{st.get('plan_touches', '?')}, score {st['score']}, "
               f"qualified: {', '.join(k for k in st['qualification']) or 'nothing yet'}")
    if outcome:
        click.echo(f"outcome: {outcome['kind']} ({outcome['reason']})" + (f" to {outcome['to']}" if outcome.get("to") else ""))
    elif st.get("next_action"):
        click.echo(f"next: {st['next_action']['what']}")
    if st.get("open_task"):
        t = st["open_task"]
        click.echo(f"open task: {t['task_id']} ({t['kind']}) for {t['assignee']}, due {_when(t['due_at'])}")
    from rich.table import Table

    table = Table("when", "kind", "channel", "step", "outcome", "notes / detail")
    for h in st["history"][-15:]:
        table.add_row(_when(h["at"]), h["kind"], h["channel"] or "", h["step"], h["outcome"], (h["notes"] or h["detail"])[:60])
    _console().print(table)


def lead_table(rows: list[Any]) -> Any:
    """The rich table of ``cadence list`` for :class:`cadence.client.LeadRow` rows.

    A lead id is what the reader copies into the next command: it is never cut; the other
    columns fold onto more lines in a narrow terminal (or a pipe's 80 columns).
    """
    from rich.table import Table

    table = Table()
    table.add_column("lead", no_wrap=True, min_width=max(len(r.lead_id) for r in rows))
    for name in ("cadence", "stage", "outcome", "touches", "score", "owner", "next action"):
        table.add_column(name, overflow="fold")
    for r in rows:
        table.add_row(r.lead_id, r.cadence, r.stage, r.outcome + (f" ({r.reason})" if r.reason else ""), str(r.touches),
                      str(r.score), r.owner, _when(r.next_action_at) if r.next_action_at else "")
    return table


def _status_from_visibility(row: Any, no_worker: str, as_json: bool) -> None:
    """What the list shows of one lead, when no worker can answer for its full state."""
    note = f"{no_worker}; shown: what visibility knows (the history, qualification and open task need a worker)"
    if as_json:
        _echo_json({**row.__dict__, "complete": False, "note": note})
    else:
        click.echo(f"lead {row.lead_id} - {row.cadence} ({row.version[:12]}) - {row.outcome or row.status}, "
                   f"stage {row.stage}")
        click.echo(f"touches {row.touches}, score {row.score}, owner {row.owner or '-'}"
                   + (f", open task: {row.open_task}" if row.open_task else ""))
        if row.next_action_at:
            click.echo(f"next action at {_when(row.next_action_at)}")
    click.echo(f"note: {note}", err=True)


@click.command("list")
@click.option("--cadence", help="Only leads on this cadence.")
@click.option("--stage", help="Only leads in this stage (nurture, track:NAME, handed_off, disqualified ...).")
@click.option("--outcome", help="active, paused, handoff or disqualified.")
@click.option("--owner", help="Only leads of this owner.")
@click.option("--limit", default=200, show_default=True, type=click.IntRange(1), help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_(cadence: str | None, stage: str | None, outcome: str | None, owner: str | None, limit: int, as_json: bool) -> None:
    """List leads from Temporal visibility (the same filters work in the Temporal UI).

    \b
    Examples:
      cadence list --cadence enterprise-nurture --stage nurture
      cadence list --outcome disqualified --json
    """
    from cadence import client as api

    query = api.list_query(cadence, stage, outcome, owner)
    if as_json:
        async def stream(client: Any, _s: Any) -> None:
            await _echo_json_pages([row.__dict__ for row in page] async for page in api.list_lead_pages(client, query, limit))

        _run(stream)
        return

    async def fetch(client: Any, _s: Any) -> list[Any]:
        return [row async for row in api.list_leads(client, query, limit)]

    rows = _run(fetch)
    if not rows:
        click.echo("no leads match")
        return
    _console().print(lead_table(rows))
    click.echo(f"query: {query}", err=True)


# ---------------------------------------------------------------- operator overrides


@click.command()
@click.argument("lead_id")
@click.option("--to", default="", help="Assignee (default: the lead's owner).")
@click.option("--note", default="", help="Why, for the history.")
def handoff(lead_id: str, to: str, note: str) -> None:
    """Hand a lead to sales now, with its dossier.

    \b
    Example:
      cadence handoff L-1001 --to dana@example.com --note "asked for pricing at the event"
    """
    from cadence import client as api

    click.echo(_run(lambda client, _s: api.force_handoff(client, lead_id, to=to, note=note, by=operator())).message)


@click.command()
@click.argument("lead_id")
@click.option("--reason", required=True, help="A disqualify reason the lead's cadence declares.")
@click.option("--note", default="", help="Details, for the history.")
def disqualify(lead_id: str, reason: str, note: str) -> None:
    """Disqualify a lead with a declared reason.

    \b
    Example:
      cadence disqualify L-1001 --reason competitor --note "works at RivalSoft"
    """
    from cadence import client as api

    click.echo(_run(lambda client, _s: api.disqualify(client, lead_id, reason, note=note, by=operator())).message)


@click.command()
@click.argument("lead_id")
@click.option("--note", default="", help="For the history (e.g. when you will call).")
@click.option("--by", default="", help="Who accepts (default: the assignee).")
def accept(lead_id: str, note: str, by: str) -> None:
    """Sales accepts a handed-off lead before the cadence's deadline.

    \b
    Example:
      cadence accept L-1001 --by dana --note "calling Tuesday"
    """
    from cadence import client as api

    click.echo(_run(lambda client, _s: api.accept(client, lead_id, note=note, by=by)).message)


@click.command()
@click.argument("lead_id")
@click.option("--reason", required=True, help="Why sales does not take the lead now.")
@click.option("--by", default="", help="Who rejects (default: the assignee).")
def reject(lead_id: str, reason: str, by: str) -> None:
    """Sales rejects a handed-off lead: it goes back to nurture with its history.

    \b
    Example:
      cadence reject L-1001 --reason "no budget until Q3" --by dana
    """
    from cadence import client as api

    click.echo(_run(lambda client, _s: api.reject(client, lead_id, reason, by=by)).message)


@click.command()
@click.argument("lead_id")
def pause(lead_id: str) -> None:
    """Pause a lead: no touches until resumed (example: cadence pause L-1001)."""
    from cadence import client as api

    click.echo(_run(lambda client, _s: api.pause(client, lead_id, by=operator())).message)


@click.command()
@click.argument("lead_id")
def resume(lead_id: str) -> None:
    """Resume a paused lead (example: cadence resume L-1001)."""
    from cadence import client as api

    click.echo(_run(lambda client, _s: api.resume(client, lead_id, by=operator())).message)


def _console() -> Any:
    from rich.console import Console

    return Console()


def _when(value: Any) -> str:
    if isinstance(value, str):
        try:
            value = utc.parse(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)
