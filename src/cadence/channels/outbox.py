"""Small, crash-safe file primitives for the outbox.

Files are written to a temporary name and renamed (a reader never sees half
a file), and manifest lines are appended under an exclusive lock and at most
once per key, so a retried activity neither corrupts nor duplicates.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: single-process outboxes only
    fcntl = None  # type: ignore[assignment]

TAIL_BYTES = 1 << 20
"""How much of a manifest's end is searched for a retry's earlier line (retries come soon after)."""


def atomic_write(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file and a rename; return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    return atomic_write(path, json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[Any]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        if fcntl is not None:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield fh
        finally:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def append_jsonl(path: Path, record: dict[str, Any], *, key: str | None = None) -> bool:
    """Append ``record`` as one JSON line; with ``key``, skip it if a recent line has the same ``record[key]``.

    Returns:
        ``True`` when a line was written, ``False`` when it was already there.
    """
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode() + b"\n"
    with _locked(path) as fh:
        if key is not None:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - TAIL_BYTES))
            wanted = record[key]
            for raw in fh.read().splitlines():
                try:
                    if json.loads(raw).get(key) == wanted:
                        return False
                except (ValueError, AttributeError):
                    continue  # a partial first line of the tail window, or a foreign line
        fh.seek(0, os.SEEK_END)
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())
    return True


__all__ = ["TAIL_BYTES", "append_jsonl", "atomic_write", "write_json"]
