"""The migration record: who moved which leads from which version to which, and how each fared.

One JSON Lines file per migration under ``<state_dir>/migrations/``: a header
line (id, who, when, cadence, from, to, mapping, the plans involved), one line
per lead as it is moved (written and flushed before the next lead, so a crash
loses nothing), and a closing line with the counts. A migration whose record
has no closing line is unfinished: running the same migration again resumes it.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cadence import utc

FORMAT = "cadence-migration/1"
OUTCOMES = ("moved", "already", "refused")
"""What a lead's line says happened: moved now, found on the target version, or left where it was."""


class RecordError(ValueError):
    """A record file that cannot be read; the message names the file and the line."""


@dataclass
class Record:
    """A migration record as read back (or being written)."""

    path: Path
    header: dict[str, Any]
    leads: list[dict[str, Any]] = field(default_factory=list)
    closing: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        """The migration's id (also the leads' idempotency key)."""
        return str(self.header["id"])

    @property
    def finished(self) -> bool:
        """Whether the migration ran to its end."""
        return self.closing is not None

    def outcome_of(self, lead_id: str) -> dict[str, Any] | None:
        """The last line written for ``lead_id``, or ``None``."""
        found = None
        for line in self.leads:
            if line.get("lead") == lead_id:
                found = line
        return found

    def counts(self) -> dict[str, int]:
        """Leads per outcome (each lead's last line counts)."""
        last = {line["lead"]: line["outcome"] for line in self.leads}
        tally = Counter(last.values())
        return {name: tally.get(name, 0) for name in OUTCOMES}

    def append(self, line: dict[str, Any]) -> None:
        """Write one lead's line, durably, before going on."""
        self.leads.append(line)
        _write_line(self.path, line)

    def close(self) -> None:
        """Write the closing line with the counts."""
        self.closing = {"finished_at": utc.now(), "counts": self.counts()}
        _write_line(self.path, self.closing)


def directory(state_dir: Path) -> Path:
    """Where records live."""
    return state_dir / "migrations"


def create(state_dir: Path, header: dict[str, Any]) -> Record:
    """Start the record of a new migration (``header`` must carry its ``id``)."""
    folder = directory(state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{header['id']}.jsonl"
    header = {"format": FORMAT, **header}
    with open(path, "x", encoding="utf-8") as out:
        out.write(json.dumps(header, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())
    return Record(path, header)


def read(path: Path) -> Record:
    """Read a record file.

    Raises:
        RecordError: when it is missing or not a migration record.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RecordError(f"{path}: cannot read the migration record ({exc.strerror or exc})") from None
    lines = text.splitlines()
    record: Record | None = None
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            if number == len(lines):
                break  # a line cut short by a crash: the lead it names was not recorded
            raise RecordError(f"{path}:{number}: not a migration record line ({exc.msg})") from None
        if record is None:
            if not isinstance(data, dict) or data.get("format") != FORMAT:
                raise RecordError(f"{path}:1: not a cadence migration record (no {FORMAT!r} header)")
            record = Record(path, data)
        elif "lead" in data:
            record.leads.append(data)
        elif "finished_at" in data:
            record.closing = data
    if record is None:
        raise RecordError(f"{path}: the migration record is empty")
    return record


def unfinished(state_dir: Path, key: str) -> Record | None:
    """The unfinished record of the migration with identity ``key`` (see the header's ``key``), if any."""
    folder = directory(state_dir)
    if not folder.is_dir():
        return None
    for path in sorted(folder.glob("*.jsonl"), reverse=True):
        try:
            record = read(path)
        except RecordError:
            continue
        if record.header.get("key") == key and not record.finished:
            _cut_partial_line(path)
            return record
    return None


def _cut_partial_line(path: Path) -> None:
    """Drop a line a crash cut short, so the resumed run appends after whole lines only."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as out:
            out.truncate(data.rfind(b"\n") + 1)


def _write_line(path: Path, data: dict[str, Any]) -> None:
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(data, sort_keys=True) + "\n")
        out.flush()
        os.fsync(out.fileno())


__all__ = ["FORMAT", "OUTCOMES", "Record", "RecordError", "create", "directory", "read", "unfinished"]
