"""A local SMTP sink for trying cadence on a laptop: every message becomes a ``.eml`` file.

Messages land in ``<outbox>/mail/`` as ``<UTC time>-<hash of Message-ID>.eml``,
with one JSON line per message appended to ``index.jsonl`` there::

    {"at": "...", "from": "...", "to": [...], "subject": "...", "message_id": "<...>",
     "file": "20261123T003655123456Z-1a2b3c4d5e6f.eml", "duplicate": false}

``duplicate`` is true when a message with the same Message-ID was stored
before: cadence derives Message-IDs from (workflow, step, iteration), so a
duplicate is a retried send worth a look.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

DEFAULT_PORT = 1025
INDEX = "index.jsonl"


@dataclass(frozen=True)
class SinkEntry:
    """One stored message, as written to the index."""

    at: str
    """When it arrived (ISO 8601 UTC)."""
    sender: str
    """Envelope sender (``MAIL FROM``)."""
    recipients: tuple[str, ...]
    """Envelope recipients (``RCPT TO``, so Bcc included)."""
    subject: str
    message_id: str
    file: str
    """File name of the ``.eml`` in the sink's directory."""
    duplicate: bool = False
    """A message with this Message-ID was stored before."""

    def to_json(self) -> dict[str, Any]:
        """The index line's fields."""
        return {"at": self.at, "from": self.sender, "to": list(self.recipients), "subject": self.subject,
                "message_id": self.message_id, "file": self.file, "duplicate": self.duplicate}


def _accept_any_login(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    # A laptop sink: whatever credentials the channels were configured with will do.
    return AuthResult(success=True, auth_data=auth_data)


class _DropLoginDataWarning(logging.Filter):
    """aiosmtpd warns about its own deprecated attribute on every successful login."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "login_data is deprecated" not in record.getMessage()


_AIOSMTPD_LOG = logging.getLogger("mail.log")
if not any(isinstance(f, _DropLoginDataWarning) for f in _AIOSMTPD_LOG.filters):
    _AIOSMTPD_LOG.addFilter(_DropLoginDataWarning())


class _FileStore:
    """The aiosmtpd handler: writes each message and its index line."""

    def __init__(self, directory: Path, on_message: Callable[[SinkEntry], None] | None) -> None:
        self.directory = directory
        self.on_message = on_message
        self.lock = threading.Lock()
        self.count = 0
        self.seen = self._known_ids()

    def _known_ids(self) -> set[str]:
        try:
            lines = (self.directory / INDEX).read_text(encoding="utf-8").splitlines()
        except OSError:
            return set()
        ids = set()
        for line in lines:
            try:
                ids.add(json.loads(line)["message_id"])
            except (ValueError, KeyError, TypeError):
                continue
        return ids

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        raw: bytes = envelope.original_content or envelope.content
        msg = message_from_bytes(raw, policy=policy.default)
        message_id = str(msg.get("Message-ID", "")).strip()
        now = datetime.now(timezone.utc)
        digest = hashlib.sha256(message_id.encode() if message_id else raw).hexdigest()[:12]
        name = f"{now:%Y%m%dT%H%M%S%f}Z-{digest}.eml"
        with self.lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / f".{name}.tmp"
            tmp.write_bytes(raw)
            tmp.replace(self.directory / name)
            entry = SinkEntry(at=now.isoformat(), sender=envelope.mail_from or "", recipients=tuple(envelope.rcpt_tos),
                              subject=str(msg.get("Subject", "")), message_id=message_id, file=name,
                              duplicate=bool(message_id) and message_id in self.seen)
            with (self.directory / INDEX).open("a", encoding="utf-8") as index:
                index.write(json.dumps(entry.to_json(), ensure_ascii=False) + "\n")
            if message_id:
                self.seen.add(message_id)
            self.count += 1
        if self.on_message is not None:
            self.on_message(entry)
        return "250 OK stored by the cadence sink"


@dataclass(eq=False)
class SmtpSink:
    """An SMTP server on ``host:port`` (in a background thread) storing messages under ``directory``.

    Args:
        directory: where ``.eml`` files and ``index.jsonl`` go (usually ``<outbox>/mail``).
        host: bind address; loopback by default (it accepts mail from anyone who can connect).
        port: SMTP port; ``0`` picks a free one (read :attr:`port` after :meth:`start`).
        on_message: called (in the sink's thread) after each message is stored.
    """

    directory: Path
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    on_message: Callable[[SinkEntry], None] | None = None
    _controller: Controller | None = field(default=None, init=False, repr=False)
    _store: _FileStore | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        """Start serving; returns once the port accepts connections.

        Raises:
            OSError: the address cannot be bound (port in use, not a local address).
        """
        self.directory = Path(self.directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._store = _FileStore(self.directory, self.on_message)
        port = self.port or _free_port(self.host)
        _check_bindable(self.host, port)
        controller = Controller(self._store, hostname=self.host, port=port, enable_SMTPUTF8=True,
                                authenticator=_accept_any_login, auth_require_tls=False)
        try:
            controller.start()
        except BaseException:
            controller.loop.close()  # aiosmtpd leaves its loop open when the bind fails
            raise
        self._controller, self.port = controller, port

    def stop(self) -> None:
        """Stop serving (no-op when not started)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def index(self) -> Path:
        """The JSON-lines index of stored messages."""
        return Path(self.directory) / INDEX

    @property
    def received(self) -> int:
        """Messages stored since :meth:`start`."""
        return self._store.count if self._store else 0

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _check_bindable(host: str, port: int) -> None:
    """Raise the bind error now: aiosmtpd only reports it after its 5 s readiness timeout."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


__all__ = ["DEFAULT_PORT", "INDEX", "SinkEntry", "SmtpSink"]
