"""``cadence server``, ``cadence config`` and ``cadence sink``: running cadence's infrastructure locally."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cadence.cli.main import CadenceCLIError

if TYPE_CHECKING:
    from cadence.config import Settings

_LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
    help="Config file (default: $CADENCE_CONFIG, else ./cadence.toml when present).",
)


def load(config_file: str | None) -> Settings:
    """The effective settings, or a one-line CLI error."""
    from cadence.config import ConfigError, load_settings

    try:
        return load_settings(config_file)
    except ConfigError as exc:
        raise CadenceCLIError(str(exc)) from None


def wait_for_stop(check: Callable[[], str | None], ready: Callable[[], None] = lambda: None,
                  interval: float = 0.5) -> str | None:
    """Block until SIGINT/SIGTERM (returns ``None``) or until ``check()`` returns a problem (returned).

    ``ready`` runs once the signals are handled: a banner printed there cannot
    lead to a Ctrl-C that arrives before anyone listens for it.
    """

    async def wait() -> str | None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        ready()
        while not stop.is_set():
            problem = check()
            if problem is not None:
                return problem
            try:
                await asyncio.wait_for(stop.wait(), interval)
            except asyncio.TimeoutError:
                pass
        return None

    return asyncio.run(wait())


@click.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {key: {value, source, env}}.")
def config(config_file: str | None, as_json: bool) -> None:
    """Show the effective settings and where each value comes from (secrets masked).

    Precedence: defaults < config file (TOML, flat keys named like the
    settings) < CADENCE_* environment variables. Secrets (api_key,
    smtp_password, unsubscribe_secret) are read from the environment only.

    \b
    Examples:
      cadence config
      cadence config --json
      CADENCE_TEMPORAL_ADDRESS=temporal.internal:7233 cadence config
      cadence config --config deploy/cadence.toml

    \b
    A cadence.toml:
      temporal_address = "temporal.internal:7233"
      namespace = "sales"
      smtp_host = "smtp.example.com"
      smtp_security = "starttls"
    """
    from cadence.config import ENV_VARS

    rows = load(config_file).describe()
    if as_json:
        data = {key: {"value": value, "source": source, "env": ENV_VARS[key]} for key, value, source in rows}
        click.echo(json.dumps(data, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table("setting", "value", "source", "variable", title="cadence settings")
    for key, value, source in rows:
        if isinstance(value, list):
            value = ", ".join(value) or None
        shown = "[dim](unset)[/dim]" if value is None else escape(str(value))
        table.add_row(key, shown, "[dim]default[/dim]" if source == "default" else escape(source), ENV_VARS[key])
    Console().print(table)


@click.command()
@config_option
@click.option("--ip", default=None, help="Bind address (default: server_ip, 127.0.0.1; the dev server has no auth).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="gRPC frontend port (default: server_port, 7233).")
@click.option("--ui-port", type=click.IntRange(1, 65535), default=None, help="Web UI port (default: ui_port, 8233).")
@click.option("--db", default=None, metavar="FILE|:memory:",
              help="SQLite database file, or :memory: for a throwaway server (default: db_file, .cadence/temporal.db).")
@click.option("--headless", is_flag=True, help="Run without the Web UI.")
def server(config_file: str | None, ip: str | None, port: int | None, ui_port: int | None, db: str | None,
           headless: bool) -> None:
    """Run the embedded Temporal dev server in the foreground until Ctrl-C.

    SQLite persistence, the Web UI and cadence's search attributes (what the
    UI filters leads on) registered at every start. One server per state
    directory (.cadence/): a second start says where the first one is.

    \b
    Examples:
      cadence server
      cadence server --db :memory: --port 7300 --ui-port 8300
      cadence server --headless --db /var/lib/cadence/temporal.db
    """
    from cadence.server import EmbeddedServer

    settings = load(config_file)
    database = db if db in (None, ":memory:") else str(Path(db).expanduser())
    srv = EmbeddedServer.from_settings(settings, ip=ip, port=port, ui_port=ui_port, database=database,
                                       headless=headless)
    srv.start()

    def banner() -> None:
        for note in srv.notes:
            click.echo(note)
        click.echo(f"Temporal server  {srv.address}  (database {srv.database})")
        click.echo(f"Web UI           {srv.ui_url}" if srv.ui_url else "Web UI           (headless)")
        click.echo(f"Log              {srv.log_file}")
        if srv.address != settings.temporal_address:
            click.echo(f"Point cadence at it: export CADENCE_TEMPORAL_ADDRESS={srv.address}")
        click.echo("Ctrl-C to stop.")

    def check() -> str | None:
        code = srv.exit_code()
        return None if code is None else f"the Temporal server stopped unexpectedly (exit code {code}): {srv.log_tail()}"

    try:
        problem = wait_for_stop(check, banner)
        if problem is not None:
            raise CadenceCLIError(problem)
        click.echo("stopping ...")
    finally:
        srv.stop()
    click.echo("stopped" + ("" if srv.database == ":memory:" else f"; state kept in {srv.database}"))


@click.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Bind address.")
@click.option("--port", type=click.IntRange(1, 65535), default=None,
              help="SMTP port (default: smtp_port when smtp_host is this machine, else 1025).")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=None,
              help="Where to store messages (default: <outbox_dir>/mail).")
def sink(config_file: str | None, host: str, port: int | None, directory: str | None) -> None:
    """Run a local SMTP server that stores every message as a file, until Ctrl-C.

    Each message becomes <dir>/<time>-<hash>.eml (open it with any mail
    client) plus one JSON line in <dir>/index.jsonl (from, to, subject,
    message_id, file, duplicate). Any login is accepted; nothing is relayed.

    \b
    Examples:
      cadence sink
      cadence sink --port 2525 --dir /tmp/mail
      tail -f .cadence/outbox/mail/index.jsonl
    """
    from cadence.sink import DEFAULT_PORT, SinkEntry, SmtpSink

    settings = load(config_file)
    local = settings.smtp_host in _LOCAL_HOSTS
    port = port or (settings.smtp_port if local else DEFAULT_PORT)
    mail_dir = Path(directory).expanduser() if directory else settings.outbox / "mail"

    def show(entry: SinkEntry) -> None:
        note = "  (duplicate Message-ID)" if entry.duplicate else ""
        click.echo(f"{entry.at[11:19]}  {entry.sender} -> {', '.join(entry.recipients)}: {entry.subject}{note}")

    smtp = SmtpSink(mail_dir, host=host, port=port, on_message=show)
    try:
        smtp.start()
    except OSError as exc:
        raise CadenceCLIError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None

    def banner() -> None:
        if not local or settings.smtp_port != smtp.port or settings.smtp_security != "none":
            click.echo(f"note: cadence sends to {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security}); "
                       f"to use this sink set CADENCE_SMTP_HOST=127.0.0.1 CADENCE_SMTP_PORT={smtp.port} "
                       "CADENCE_SMTP_SECURITY=none")
        click.echo(f"SMTP sink on {host}:{smtp.port}, storing mail in {mail_dir}; Ctrl-C to stop.")

    try:
        wait_for_stop(lambda: None, banner)
    finally:
        smtp.stop()
    click.echo(f"stopped; {smtp.received} message(s) stored")


__all__ = ["config", "config_option", "load", "server", "sink", "wait_for_stop"]
