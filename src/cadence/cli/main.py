"""Entry point of the ``cadence`` command.

Subcommands live in their own modules and are imported only when used, so
``cadence validate`` never pays for importing temporalio.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from cadence import __version__
from cadence.errors import Refusal

# command name -> "module:attribute"; each module owns its commands.
COMMANDS: dict[str, str] = {
    "validate": "cadence.cli.language:validate",
    "compile": "cadence.cli.language:compile_",
    "schema": "cadence.cli.language:schema",
    "enroll": "cadence.cli.leads:enroll",
    "event": "cadence.cli.leads:event",
    "tasks": "cadence.cli.leads:tasks",
    "status": "cadence.cli.leads:status",
    "list": "cadence.cli.leads:list_",
    "handoff": "cadence.cli.leads:handoff",
    "disqualify": "cadence.cli.leads:disqualify",
    "accept": "cadence.cli.leads:accept",
    "reject": "cadence.cli.leads:reject",
    "pause": "cadence.cli.leads:pause",
    "resume": "cadence.cli.leads:resume",
    "worker": "cadence.cli.run:worker",
    "dev": "cadence.cli.run:dev",
    "server": "cadence.cli.ops:server",
    "sink": "cadence.cli.ops:sink",
    "config": "cadence.cli.ops:config",
    "report": "cadence.cli.report:report",
    "codec-server": "cadence.cli.codec:codec_server",
    "gateway": "cadence.cli.gateway:gateway",
    "simulate": "cadence.cli.simulate:simulate",
    "preview": "cadence.cli.preview:preview",
    "suppress": "cadence.cli.suppress:suppress",
    "users": "cadence.cli.users:users",
    "contacts": "cadence.cli.contacts:contacts",
    "migrate": "cadence.cli.migrate:migrate",
}


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cadence")
def cli() -> None:
    """cadence: B2B lead-nurture cadences as code, run as durable Temporal workflows.

    \b
    Examples:
      cadence validate cadences/
      cadence dev --demo
      cadence enroll --cadence enterprise-nurture leads.csv
    """


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 usage)."""
    _EXIT[0] = 0  # main() may run many times in one process (tests, library use)
    try:
        cli.main(args=argv, prog_name="cadence", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.UsageError as exc:
        exc.show()
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except Refusal as exc:  # any module's refusal (cadence.errors): already one line for the user
        click.echo(f"error: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception as exc:  # the last line of defence: never a traceback for users
        if os.environ.get("CADENCE_DEBUG"):
            raise
        click.echo(f"error: {type(exc).__name__}: {exc} (set CADENCE_DEBUG=1 for a traceback)", err=True)
        return 1
    return _exit_code()


_EXIT: list[int] = [0]


def set_exit_code(code: int) -> None:
    """Let a command finish normally yet make the process exit with ``code``."""
    _EXIT[0] = code


def _exit_code() -> int:
    return _EXIT[0]


def run() -> None:
    """Console-script entry: exit with :func:`main`'s code."""
    code = main()
    if "cadence.tracing" in sys.modules:
        sys.modules["cadence.tracing"].flush()  # spans still buffered; os._exit below skips atexit
    if "temporalio.bridge" in sys.modules:
        # The Temporal SDK's native threads can abort interpreter finalisation
        # ("PyGILState_Release", exit 134); all work is done, so leave without it.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


class CadenceCLIError(click.ClickException):
    """A failure to report as one line ``error: ...`` with exit code 1."""

    def show(self, file=None) -> None:  # type: ignore[override]
        click.echo(f"error: {self.format_message()}", err=True)


__all__ = ["COMMANDS", "CadenceCLIError", "cli", "main", "run", "set_exit_code"]
