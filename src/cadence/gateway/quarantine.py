"""Inbound items no lead took: kept on disk for a person to route, never dropped.

Each item is ``<dir>/<sha256 prefix>.eml`` (or ``.json``) plus one line in
``<dir>/index.jsonl`` saying when, from where and why. The same item twice
(an SMTP retry, a second gateway) is kept once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cadence import utc
from cadence.channels.outbox import append_jsonl, atomic_write


@dataclass(frozen=True)
class Quarantine:
    """The quarantine directory."""

    directory: Path

    def keep(self, raw: bytes, reason: str, source: str, *, suffix: str = ".eml", now: datetime | None = None) -> Path:
        """Store ``raw`` (once) with ``reason``; returns its file."""
        digest = hashlib.sha256(raw).hexdigest()
        path = self.directory / f"{digest[:32]}{suffix}"
        if not path.exists():
            atomic_write(path, raw)
        at = utc.iso(now) if now else utc.now()
        append_jsonl(self.directory / "index.jsonl", {"at": at, "file": path.name, "source": source,
                                                      "reason": reason[:300], "sha256": digest}, key="sha256")
        return path

    def count(self) -> int:
        """Items kept so far."""
        try:
            with (self.directory / "index.jsonl").open(encoding="utf-8") as index:
                return sum(1 for line in index if line.strip() and json.loads(line))
        except OSError:
            return 0


__all__ = ["Quarantine"]
