"""The workspace's people: the users file (``cadence users add``), one JSON document.

``{"format": 1, "users": [{"name", "role", "queues", "email", "timezone", "password"}]}``;
``password`` is a :mod:`~cadence.gateway.workspace.passwords` hash, empty for people
who sign in only through a trusted proxy. The gateway reads the file again when it
changes, so adding a person needs no restart.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cadence.channels.outbox import atomic_write

ROLES: tuple[str, ...] = ("rep", "manager")
"""``rep``: their own tasks and their queues'; ``manager``: everything, and the operator actions."""
FORMAT = 1
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
"""User and queue names: lower case, digits, ``. _ -``; the names cadences assign tasks to (``rep:NAME``,
``queue:NAME``)."""
Role = Literal["rep", "manager"]


class UsersFileError(Exception):
    """The users file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class User:
    """One person of the workspace."""

    name: str
    """What they sign in with, and what their actions are attributed to (``by``)."""
    role: Role
    """One of :data:`ROLES`."""
    queues: tuple[str, ...] = ()
    """Task queues they work (``queue:NAME`` assignees), without the ``queue:`` prefix."""
    email: str = ""
    """Their address: tasks and handoffs assigned to it are theirs too."""
    timezone: str = "UTC"
    """IANA zone their pages show times in."""
    password: str = field(default="", repr=False)
    """Password hash; empty: they sign in only through the trusted proxy."""

    @property
    def manager(self) -> bool:
        """Whether they see everything and may pause, resume, hand off and disqualify leads."""
        return self.role == "manager"

    def assignees(self) -> tuple[str, ...]:
        """The assignee names that mean them: their name, their address, ``queue:NAME`` of their queues."""
        return (self.name, *([self.email.lower()] if self.email else []), *(f"queue:{q}" for q in self.queues))

    def is_assignee(self, assignee: str) -> bool:
        """Whether a task or handoff assigned to ``assignee`` is theirs (or their queue's)."""
        wanted = assignee.strip()
        return wanted in self.assignees() or ("@" in wanted and wanted.lower() in self.assignees())

    def fingerprint(self) -> str:
        """Changes when their password or role does: sessions signed in before end."""
        return hashlib.sha256(f"{self.role}|{self.password}".encode()).hexdigest()[:16]


def user_problems(user: User) -> list[str]:
    """What is wrong with ``user`` (empty: nothing)."""
    problems = []
    if not NAME_RE.match(user.name):
        problems.append(f"name {user.name!r} must be 1-64 lower-case letters, digits or . _ - (starting with a "
                        "letter or digit)")
    if user.role not in ROLES:
        problems.append(f"role {user.role!r} is not one of: {', '.join(ROLES)}")
    for queue in user.queues:
        if not NAME_RE.match(queue):
            problems.append(f"queue {queue!r} must be lower-case letters, digits or . _ - (without 'queue:')")
    if user.email and (not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", user.email) or len(user.email) > 254):
        problems.append(f"email {user.email!r} is not an address")
    try:
        ZoneInfo(user.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"timezone {user.timezone!r} is not an IANA zone (like Europe/Berlin)")
    return problems


def _user(entry: Any, where: str) -> User:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise UsersFileError(f"{where}: a user is an object with a name")
    queues = entry.get("queues") or []
    if not isinstance(queues, list) or not all(isinstance(q, str) for q in queues):
        raise UsersFileError(f"{where}: user {entry['name']!r}: queues must be a list of names")
    texts = {k: entry.get(k, default) for k, default in (("role", ""), ("email", ""), ("timezone", "UTC"),
                                                          ("password", ""))}
    if not all(isinstance(v, str) for v in texts.values()):
        raise UsersFileError(f"{where}: user {entry['name']!r}: role, email, timezone and password are text")
    user = User(name=entry["name"], queues=tuple(queues), **texts)  # type: ignore[arg-type]
    problems = user_problems(user)
    if problems:
        raise UsersFileError(f"{where}: user {user.name!r}: {'; '.join(problems)}")
    return user


def parse_users(text: str, where: str) -> dict[str, User]:
    """The users of a users file's text, by name.

    Raises:
        UsersFileError: not JSON, an unknown format, a bad or repeated user.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UsersFileError(f"{where}: not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("users"), list):
        raise UsersFileError(f"{where}: not a cadence users file (expected {{\"format\": 1, \"users\": [...]}})")
    users: dict[str, User] = {}
    for entry in data["users"]:
        user = _user(entry, where)
        if user.name in users:
            raise UsersFileError(f"{where}: user {user.name!r} is listed twice")
        users[user.name] = user
    return users


class UsersFile:
    """The users file at ``path``, read again whenever it changes on disk.

    Args:
        path: the file (``users_file`` setting); a missing file means nobody can sign in yet.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._seen: tuple[int, int, int] | None = None
        self._users: dict[str, User] = {}

    def users(self) -> dict[str, User]:
        """Every user by name.

        Raises:
            UsersFileError: the file is unreadable or invalid.
        """
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise UsersFileError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        seen = (st.st_mtime_ns, st.st_size, st.st_ino)
        with self._lock:
            if seen != self._seen:
                try:
                    text = self.path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError) as exc:
                    raise UsersFileError(f"{self.path}: cannot read: {exc}") from None
                self._users, self._seen = parse_users(text, str(self.path)), seen
            return dict(self._users)

    def find(self, who: str) -> User | None:
        """The user named ``who``, or whose address is ``who`` (any case)."""
        users = self.users()
        if who in users:
            return users[who]
        wanted = who.strip().lower()
        return next((u for u in users.values() if wanted and u.email.lower() == wanted), None)

    def save(self, users: dict[str, User]) -> None:
        """Write ``users`` (readable by this account only: it holds password hashes).

        Raises:
            UsersFileError: a user is invalid.
        """
        for user in users.values():
            problems = user_problems(user)
            if problems:
                raise UsersFileError(f"user {user.name!r}: {'; '.join(problems)}")
        entries = []
        for user in sorted(users.values(), key=lambda u: u.name):
            entry = asdict(user)
            entry["queues"] = list(user.queues)
            entries.append(entry)
        text = json.dumps({"format": FORMAT, "users": entries}, indent=2, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, text)
        os.chmod(self.path, 0o600)


__all__ = ["NAME_RE", "ROLES", "User", "UsersFile", "UsersFileError", "parse_users", "user_problems"]
