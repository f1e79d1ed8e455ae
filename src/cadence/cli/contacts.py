"""``cadence contacts``: finding running leads by their address where sender matching is on (docs/inbound.md)."""

from __future__ import annotations

from typing import Any

import click

from cadence.cli.leads import _echo_json, _run, _settings
from cadence.cli.main import CadenceCLIError, set_exit_code


@click.group()
def contacts() -> None:
    """Contact keys: how the gateway finds a running lead by who writes (inbound_match_sender).

    Each lead carries a keyed digest of its address, never the address. Leads
    enrolled before sender matching was turned on have none until a backfill
    gives them theirs.

    \b
    Examples:
      cadence contacts find pat@buyer.example
      cadence contacts backfill --dry-run
      cadence contacts backfill
    """


def _keys() -> Any:
    """The deployment's contact keys, before anything connects (a setting that is off fails at once)."""
    from cadence.contacts import ContactKeys

    keys = ContactKeys.configured(_settings())
    if keys is None:
        raise CadenceCLIError("sender matching is off: set CADENCE_INBOUND_MATCH_SENDER=true (with the gateway's "
                              "unsubscribe secret) to use contact keys")
    return keys


@contacts.command("find")
@click.argument("address")
def find(address: str) -> None:
    """The running leads with ADDRESS; exit 1 when none (example: cadence contacts find pat@buyer.example)."""
    from cadence import client as api
    from cadence.lead import is_email_address

    if not is_email_address(address.strip()):
        raise click.BadParameter(f"{address[:80]!r} is not an email address", param_hint="ADDRESS")

    key = _keys().of_address(address)
    found = _run(lambda client, _settings: api.leads_by_contact(client, key))
    if not found:
        click.echo("no running lead has that address (leads enrolled before sender matching was on need "
                   "`cadence contacts backfill`)")
        set_exit_code(1)
        return
    for lead_id in found:
        click.echo(lead_id)


@contacts.command("backfill")
@click.option("--dry-run", is_flag=True, help="Count the running leads without a key; change nothing.")
@click.option("--concurrency", default=8, show_default=True, type=click.IntRange(1, 100),
              help="Leads asked at once.")
@click.option("--by", default="", help="Who runs it (default: the operator's login).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def backfill(dry_run: bool, concurrency: int, by: str, as_json: bool) -> None:
    """Give every running lead without a contact key the key of its address.

    For deployments that turned sender matching on after leads were enrolled. A
    worker must run (each lead is asked for its current address); the leads'
    own histories are untouched, and running it again meets only the leads
    that have no address.
    Exit 1 when a lead refused (it ended or changed its address meanwhile).
    """
    from cadence import client as api
    from cadence import contacts_backfill
    from cadence.cli.operator import operator
    from cadence.cli.progress import ProgressBar

    keys = _keys()
    if dry_run:
        async def count(client: Any, _settings: Any) -> int:
            return (await client.count_workflows(api.without_contact_keys_query())).count

        found = _run(count)
        if as_json:
            _echo_json({"without_key": found, "dry_run": True})
        else:
            click.echo(f"{found:,} running lead{'s' if found != 1 else ''} without a contact key; nothing changed")
        return

    async def go(client: Any, _settings: Any) -> Any:
        with ProgressBar("publishing contact keys", quiet=as_json) as advance:
            return await contacts_backfill.backfill(client, keys, by=operator(by), concurrency=concurrency,
                                                    on_progress=advance)

    result = _run(go)
    if as_json:
        _echo_json({"found": result.found, "published": result.published,
                    "without_address": result.without_address,
                    "refused": [{"lead_id": lead_id, "reason": why} for lead_id, why in result.refused]})
    else:
        click.echo(f"{result.published:,} of {result.found:,} running leads without a contact key got theirs"
                   + (f"; {len(result.without_address):,} have no email address" if result.without_address else ""))
        for lead_id, why in result.refused:
            click.echo(f"{lead_id}: {why}", err=True)
    if result.refused:
        set_exit_code(1)


__all__ = ["contacts"]
