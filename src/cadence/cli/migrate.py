"""``cadence migrate``: move running leads to another version of their cadence, or back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from cadence.cli.leads import _echo_json, _load_plan, _parse_pairs, _run, _settings
from cadence.cli.main import CadenceCLIError, set_exit_code
from cadence.cli.operator import operator
from cadence.cli.progress import ProgressBar


@click.command()
@click.option("--cadence", "cadence", help="The cadence whose running leads move (leads on its tracks move too).")
@click.option("--from", "from_version", default="all", show_default=True, metavar="VERSION|all",
              help="Only leads on this version (its sha256 or first digits, as `cadence list` shows).")
@click.option("--to", "to_file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The new version: a cadence file (compiled and validated first).")
@click.option("--map", "mapping", multiple=True, metavar="OLD_STEP=NEW_STEP",
              help="Where leads standing at a renamed or removed step go (repeatable).")
@click.option("--where", default="", metavar="QUERY", help="A visibility query that narrows the leads further.")
@click.option("--dry-run", is_flag=True, help="Print the plan (who moves where, what changes) and change nothing.")
@click.option("--undo", "undo_record", type=click.Path(dir_okay=False, path_type=Path), metavar="RECORD",
              help="Move the leads a migration moved back where that is still possible.")
@click.option("--lead", "lead_ids", multiple=True, metavar="ID", help="Only this lead (repeatable).")
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Leads read or moved at once.")
@click.option("--by", default=None, help="Who migrates (default: the operator's login); recorded in every lead's history.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def migrate(cadence: str | None, from_version: str, to_file: Path | None, mapping: tuple[str, ...], where: str,
            dry_run: bool, undo_record: Path | None, lead_ids: tuple[str, ...], concurrency: int, by: str | None,
            as_json: bool) -> None:
    """Move running leads onto another version of their cadence, at the same step (or a mapped one).

    Each lead keeps its history, qualification and open task; it is moved only
    while it waits (never in the middle of a touch), so no touch is sent twice
    or skipped because of the move. A lead whose position has no counterpart is
    refused and listed, never guessed. Every run writes a record under
    <state_dir>/migrations/; running the same migration again resumes it, and
    --undo RECORD moves the leads back. Exit code 1 when any lead was refused.

    \b
    Examples:
      cadence migrate --cadence enterprise-nurture --to cadences/enterprise-nurture.yaml --dry-run
      cadence migrate --cadence enterprise-nurture --from 3f2a9c --to v2.yaml --map roi-email=value-email
      cadence migrate --undo .cadence/migrations/20261202T101500-enterprise-nurture-8d1c2e3f.jsonl
    """
    from cadence.migration import records
    from cadence.migration.runner import MigrationError, Request, check_request, plan, run, undo, undo_requests

    who = operator(by)
    settings = _settings()
    if undo_record is not None:
        if cadence or to_file or mapping or dry_run or lead_ids or where:
            raise click.UsageError("--undo takes only the record (and --by, --concurrency, --json)")

        try:
            moved = records.read(undo_record)
            undo_requests(moved, who)  # refuses a record with nothing to undo before anything connects
        except (MigrationError, records.RecordError) as exc:
            raise CadenceCLIError(str(exc)) from None

        async def back(client: Any, _s: Any) -> Any:
            with ProgressBar("moving back", quiet=as_json) as advance:
                return await undo(client, moved, settings.state_dir, who, advance, concurrency)

        _report(_run(back), as_json)
        return
    if not cadence or to_file is None:
        raise click.UsageError("give --cadence NAME and --to FILE (or --undo RECORD)")
    root = _load_plan(str(to_file), settings)
    request = Request(cadence=cadence, root=root, from_version=from_version,
                      mapping=_parse_pairs(mapping, "--map"), where=where, lead_ids=lead_ids, to_file=str(to_file),
                      by=who)
    try:
        check_request(request)
    except MigrationError as exc:
        raise CadenceCLIError(str(exc)) from None

    async def work(client: Any, _s: Any) -> Any:
        with ProgressBar("planning" if dry_run else "moving", quiet=as_json) as advance:
            if dry_run:
                return await plan(client, request, advance, concurrency=concurrency)
            return await run(client, request, settings.state_dir, advance, concurrency=concurrency)

    try:
        result = _run(work)
    except MigrationError as exc:
        raise CadenceCLIError(str(exc)) from None
    if dry_run:
        _print_plan(result, request, as_json)
    else:
        _report(result, as_json)


def _print_plan(lines: list[Any], request: Any, as_json: bool) -> None:
    counts = {v: sum(1 for x in lines if x.verdict == v) for v in ("move", "already", "refuse")}
    if as_json:
        _echo_json({"cadence": request.cadence, "to": request.root.sha256, "mapping": request.mapping,
                    "counts": counts, "leads": [x.to_dict() for x in lines]})
    else:
        from rich.table import Table

        table = Table(title=f"{request.cadence} -> {request.root.short_version} (dry run: nothing changed)")
        for column in ("lead", "runs", "now", "moves to", "next touch before", "next touch after", "ahead +/-"):
            table.add_column(column, overflow="fold")
        for x in lines:
            if x.verdict == "move":
                ahead = " ".join([*(f"+{s}" for s in x.gains), *(f"-{s}" for s in x.losses)])
                table.add_row(x.lead_id, x.runs, x.position, x.to_step + (f" ({x.deadline_change})" if x.deadline_change else ""),
                              _touch(x.next_before), _touch(x.next_after), ahead)
            else:
                table.add_row(x.lead_id, x.runs, x.position, "already there" if x.verdict == "already"
                              else f"[red]refused[/red]: {x.reason}", "", "", "")
        _stdout_console().print(table)
        click.echo(f"{counts['move']} would move, {counts['already']} already on {request.root.short_version}, "
                   f"{counts['refuse']} refused")
    if counts["refuse"]:
        set_exit_code(1)


def _touch(value: Any) -> str:
    if value is None:
        return ""
    return f"{value.what} {value.local}".strip()


def _stdout_console() -> Any:
    from rich.console import Console

    return Console(width=200 if not sys.stdout.isatty() else None)


def _report(record: Any, as_json: bool) -> None:
    counts = record.counts()
    if as_json:
        _echo_json({"record": str(record.path), "id": record.id, "counts": counts,
                    "refused": [x for x in record.leads if x["outcome"] == "refused"]})
    else:
        for line in record.leads:
            if line["outcome"] == "refused":
                click.echo(f"{line['lead']}: refused: {line['reason']}", err=True)
        click.echo(f"migration {record.id}: {counts['moved']} moved, {counts['already']} already there, "
                   f"{counts['refused']} refused (record: {record.path})")
    if counts["refused"]:
        set_exit_code(1)


__all__ = ["migrate"]
