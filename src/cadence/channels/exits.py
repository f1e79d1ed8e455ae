"""The exits log: one JSON line per lead that ended, for reporting (where leads go, and why)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from cadence.channels.ids import digest
from cadence.channels.outbox import append_jsonl
from cadence.channels.requests import ExitRecord


def exit_line(record: ExitRecord) -> dict[str, Any]:
    """The JSON line of ``record``, keyed by ``exit_id`` (the same on a retried activity)."""
    line = dataclasses.asdict(record)
    line["exit_id"] = digest(record.workflow_id, record.lead_id, record.outcome, record.ended_at, length=24)
    return line


def record_exit(outbox_dir: Path, record: ExitRecord) -> bool:
    """Append ``record`` to ``<outbox>/exits.jsonl`` once; return whether a line was written."""
    return append_jsonl(Path(outbox_dir) / "exits.jsonl", exit_line(record), key="exit_id")


__all__ = ["exit_line", "record_exit"]
