"""A local SMTP sink for laptops: every message becomes a ``.eml`` file.

``cadence dev`` runs it so emails can be read without a mail server:
``<outbox>/mail/*.eml`` plus one JSON line per message in ``index.jsonl``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _FileHandler:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or envelope.content
        msg = message_from_bytes(raw, policy=policy.default)
        message_id = str(msg.get("Message-ID", ""))
        now = datetime.now(timezone.utc)
        name = f"{now:%Y%m%dT%H%M%S%f}-{hashlib.sha256(message_id.encode() or raw).hexdigest()[:12]}.eml"
        with self.lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.directory / (name + ".tmp")
            tmp.write_bytes(raw)
            tmp.replace(self.directory / name)
            entry = {"at": now.isoformat(), "from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                     "subject": str(msg.get("Subject", "")), "message_id": message_id, "file": name}
            with (self.directory / "index.jsonl").open("a", encoding="utf-8") as index:
                index.write(json.dumps(entry) + "\n")
            self.count += 1
        return "250 stored by the cadence sink"


@dataclass
class SmtpSink:
    """An SMTP server on ``host:port`` storing messages under ``directory``."""

    directory: Path
    host: str = "127.0.0.1"
    port: int = 1025
    _controller: Controller | None = field(default=None, repr=False)
    _handler: _FileHandler | None = field(default=None, repr=False)

    def start(self) -> None:
        """Start serving in a background thread."""
        self._handler = _FileHandler(self.directory)
        self._controller = Controller(self._handler, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop serving."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def received(self) -> int:
        """Messages stored since start."""
        return self._handler.count if self._handler else 0

    def __enter__(self) -> SmtpSink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["SmtpSink"]
