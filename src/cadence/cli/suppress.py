"""``cadence suppress``: the do-not-contact list (unsubscribes, hard bounces, complaints, and by hand)."""

from __future__ import annotations

from typing import Any

import click

from cadence.cli.leads import _echo_json, _run
from cadence.cli.main import CadenceCLIError, set_exit_code
from cadence.cli.operator import operator


@click.group()
def suppress() -> None:
    """The do-not-contact list: addresses no cadence may email, however long ago their lead left.

    Unsubscribes, hard bounces and spam complaints land here by themselves;
    add a competitor's whole domain with *@domain.

    \b
    Examples:
      cadence suppress add '*@rivalsoft.com' --note "competitor"
      cadence suppress check pat@buyer.example
      cadence suppress list --json
      cadence suppress remove pat@buyer.example
    """


def _pattern(text: str) -> str:
    from cadence.suppression import pattern_of

    return pattern_of(text)


@suppress.command("add")
@click.argument("pattern")
@click.option("--note", default="", help="Why, for the record.")
@click.option("--by", default="", help="Who adds it (default: the operator's login).")
def add(pattern: str, note: str, by: str) -> None:
    """Add an address or *@domain (example: cadence suppress add '*@rivalsoft.com')."""
    from cadence import suppression

    canonical = _pattern(pattern)

    async def go(client: Any, settings: Any) -> Any:
        return await suppression.add(client, canonical, "manual", by=operator(by), note=note,
                                     task_queue=settings.task_queue)

    click.echo(f"{canonical}: {_run(go).message}")


@suppress.command("remove")
@click.argument("pattern")
@click.option("--by", default="", help="Who removes it (default: the operator's login).")
def remove(pattern: str, by: str) -> None:
    """Take an address or *@domain off the list (example: cadence suppress remove pat@buyer.example)."""
    from cadence import suppression

    canonical = _pattern(pattern)
    if not _run(lambda client, _s: suppression.remove(client, canonical, by=operator(by))):
        raise CadenceCLIError(f"{canonical} is not on the do-not-contact list")
    click.echo(f"{canonical}: removed")


@suppress.command("check")
@click.argument("address")
def check(address: str) -> None:
    """Say whether an address may be emailed; exit 1 when it may not (example: cadence suppress check pat@x.com)."""
    from cadence import suppression

    canonical = _pattern(address)
    found = _run(lambda client, _s: suppression.check(client, canonical))
    if found is None:
        click.echo(f"{canonical}: not on the do-not-contact list")
        return
    click.echo(f"{canonical}: {found.describe()}")
    set_exit_code(1)


@suppress.command("list")
@click.option("--limit", default=1000, show_default=True, type=click.IntRange(1), help="At most this many rows.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_(limit: int, as_json: bool) -> None:
    """Everything on the list, newest first (example: cadence suppress list --json)."""
    from cadence import suppression

    rows = _run(lambda client, _s: suppression.listed(client, limit))
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        click.echo("the do-not-contact list is empty")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    table.add_column("address or pattern", no_wrap=True)
    for name in ("reason", "since", "by", "note"):
        table.add_column(name, overflow="fold")
    for r in rows:
        table.add_row(r.get("pattern", ""), r.get("reason", ""), str(r.get("at", ""))[:10], r.get("by", ""),
                      r.get("note", ""))
    Console().print(table)


__all__ = ["suppress"]
