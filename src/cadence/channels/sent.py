"""Markers of emails the SMTP server accepted, so a retried activity does not send twice.

Temporal retries an activity whose result was lost (the worker died after the
server said 250): without a marker the lead would get the email twice. The
marker names the workflow run, so only a retry of the same run is skipped.
Markers live in the worker's outbox; workers on several machines should share it.
"""

from __future__ import annotations

import json
from pathlib import Path

from cadence.channels.ids import digest
from cadence.channels.outbox import write_json


class SentLog:
    """``<outbox>/sent/<hash of Message-ID>.json`` per accepted email."""

    def __init__(self, outbox_dir: Path) -> None:
        self.directory = Path(outbox_dir) / "sent"

    def _path(self, message_id: str) -> Path:
        return self.directory / f"{digest(message_id)}.json"

    def accepted(self, message_id: str, run_id: str) -> dict[str, str] | None:
        """The marker of ``message_id`` sent by run ``run_id``, or ``None``."""
        try:
            data = json.loads(self._path(message_id).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("run_id") != run_id or data.get("message_id") != message_id:
            return None
        return {str(k): str(v) for k, v in data.items()}

    def mark(self, message_id: str, run_id: str, subject: str, answer: str) -> None:
        """Record that the server accepted ``message_id``."""
        write_json(self._path(message_id), {"message_id": message_id, "run_id": run_id, "subject": subject,
                                            "answer": answer})


__all__ = ["SentLog"]
