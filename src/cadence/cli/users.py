"""``cadence users``: the people of the workspace (the users file the gateway reads)."""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

import click

from cadence.cli.main import CadenceCLIError


def _file(config: str | None) -> Any:
    from cadence.config import ConfigError, load_settings
    from cadence.gateway.workspace.users import UsersFile

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        raise CadenceCLIError(str(exc)) from None
    return UsersFile(settings.users_file)


def _users(users_file: Any) -> dict[str, Any]:
    from cadence.gateway.workspace.users import UsersFileError

    try:
        return users_file.users()
    except UsersFileError as exc:
        raise CadenceCLIError(str(exc)) from None


def _save(users_file: Any, users: dict[str, Any]) -> None:
    from cadence.gateway.workspace.users import UsersFileError

    try:
        users_file.save(users)
    except UsersFileError as exc:
        raise CadenceCLIError(str(exc)) from None


def _password(from_stdin: bool) -> str:
    from cadence.gateway.workspace.passwords import hash_password, password_problem

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        raise CadenceCLIError(problem)
    return hash_password(password)


_config = click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
                       help="Config file (default: $CADENCE_CONFIG or ./cadence.toml); its users_file is used.")


@click.group()
def users() -> None:
    """The people who use the workspace: reps, managers, sales.

    The gateway reads the users file (setting users_file, default
    <state_dir>/users.json) again whenever it changes: no restart needed.

    \b
    Examples:
      cadence users add dana --role rep --queue sdr --email dana@example.com
      cadence users add mia --role manager --timezone Europe/Berlin
      cadence users list
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["rep", "manager"]), required=True,
              help="rep: own tasks and their queues'; manager: everything, and pause/resume/hand off/disqualify.")
@click.option("--queue", "queues", multiple=True, metavar="NAME",
              help="A task queue they work (a cadence's assignee queue:NAME); repeatable.")
@click.option("--email", default="", help="Their address: tasks and handoffs assigned to it are theirs.")
@click.option("--timezone", default="UTC", show_default=True, help="The zone their pages show times in.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--no-password", is_flag=True, help="No password: they sign in only through the trusted proxy.")
@click.option("--replace", is_flag=True, help="Replace a user of that name (role, queues, password).")
@_config
def add(name: str, role: str, queues: tuple[str, ...], email: str, timezone: str, password_stdin: bool,
        no_password: bool, replace: bool, config: str | None) -> None:
    """Add NAME (prompting for a password, stored as a scrypt hash)."""
    from cadence.gateway.workspace.users import User, user_problems

    users_file = _file(config)
    users = _users(users_file)
    if name in users and not replace:
        raise CadenceCLIError(f"user {name!r} exists in {users_file.path}; use --replace to change them")
    queues = tuple(q.removeprefix("queue:") for q in queues)
    user = User(name=name, role=role, queues=queues, email=email, timezone=timezone)  # type: ignore[arg-type]
    problems = user_problems(user)
    if problems:
        raise CadenceCLIError("; ".join(problems))
    if no_password and password_stdin:
        raise CadenceCLIError("--no-password and --password-stdin exclude each other")
    user = dataclasses.replace(user, password="" if no_password else _password(password_stdin))
    _save(users_file, {**users, name: user})
    click.echo(f"{'replaced' if name in users else 'added'} {name} ({role}) in {users_file.path}")


@users.command("remove")
@click.argument("name")
@_config
def remove(name: str, config: str | None) -> None:
    """Remove NAME; their sign-ins end at their next page."""
    users_file = _file(config)
    users = _users(users_file)
    if name not in users:
        raise CadenceCLIError(f"no user {name!r} in {users_file.path}")
    del users[name]
    _save(users_file, users)
    click.echo(f"removed {name} from {users_file.path}")


@users.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@_config
def passwd(name: str, password_stdin: bool, config: str | None) -> None:
    """Set NAME's password; their other sign-ins end."""
    users_file = _file(config)
    users = _users(users_file)
    if name not in users:
        raise CadenceCLIError(f"no user {name!r} in {users_file.path}")
    users[name] = dataclasses.replace(users[name], password=_password(password_stdin))
    _save(users_file, users)
    click.echo(f"changed the password of {name}")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON lines (no password hashes).")
@_config
def list_(as_json: bool, config: str | None) -> None:
    """The users, without their password hashes."""
    users_file = _file(config)
    for user in sorted(_users(users_file).values(), key=lambda u: u.name):
        row = {"name": user.name, "role": user.role, "queues": list(user.queues), "email": user.email,
               "timezone": user.timezone, "password": bool(user.password)}
        if as_json:
            click.echo(json.dumps(row))
        else:
            queues = ",".join(user.queues) or "-"
            click.echo(f"{user.name}\t{user.role}\tqueues: {queues}\t{user.email or '-'}\t{user.timezone}"
                       f"\t{'password' if user.password else 'proxy only'}")


__all__ = ["users"]
