"""Read leads from the files CRMs export: one JSON lead, JSON lines, or CSV.

Each record comes with the line it started on, validated with
:func:`cadence.lead.parse_lead`; a bad record becomes a one-line message
(never an exception), so the good rows of a file still go in.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from cadence.lead import Lead, LeadError, parse_lead

MAX_LINE_BYTES = 64 * 1024


class SourceError(Exception):
    """The file as a whole cannot be read (missing, wrong format, bad mapping)."""


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """Parse ``--map field=Column`` options into ``{column: field}``.

    Raises:
        SourceError: for a pair without ``=``.
    """
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise SourceError(f"column mapping {pair!r} must look like field=Column (e.g. company='Account Name')")
        mapping[column.strip()] = field.strip()
    return mapping


def _normalise(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _rename(record: Mapping[str, object], mapping: Mapping[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in record.items():
        if key is None:  # csv: more cells than headers
            continue
        out[mapping.get(key, _normalise(str(key)))] = value
    return out


def read_leads(path: Path, mapping: Mapping[str, str] | None = None) -> Iterator[tuple[int, Lead | str]]:
    """Yield ``(line, lead or error message)`` for every record in ``path``.

    The format follows the extension: ``.csv``, ``.jsonl``/``.ndjson``, ``.json``
    (one object or a list of objects).

    Raises:
        SourceError: when the file cannot be opened or is not of a known format.
    """
    mapping = dict(mapping or {})
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".json"):
        raise SourceError(f"{path}: unknown lead file type {suffix or '(none)'!r}; use .csv, .jsonl or .json")
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    with handle:
        try:
            if suffix == ".csv":
                yield from _csv(handle, mapping)
            elif suffix == ".json":
                yield from _json(handle.read(), mapping)
            else:
                yield from _jsonl(handle, mapping)
        except UnicodeDecodeError as exc:
            raise SourceError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _validated(line: int, record: object, mapping: Mapping[str, str]) -> tuple[int, Lead | str]:
    if not isinstance(record, dict):
        return line, f"a lead must be an object, got {type(record).__name__}"
    try:
        return line, parse_lead(_rename(record, mapping))
    except LeadError as exc:
        return line, str(exc)


def _csv(handle, mapping: Mapping[str, str]) -> Iterator[tuple[int, Lead | str]]:
    reader = csv.DictReader(handle)
    if not reader.fieldnames:
        raise SourceError("the CSV file is empty (no header row)")
    if "id" not in {mapping.get(c, _normalise(c)) for c in reader.fieldnames}:
        raise SourceError(f"the CSV has no id column (columns: {', '.join(reader.fieldnames)}); map one with --map id=COLUMN")
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, f"unreadable CSV row: {exc}"
            continue
        if None in row:
            yield line, f"row has {len(reader.fieldnames) + len(row[None])} cells but the header has {len(reader.fieldnames)}"
            continue
        yield _validated(line, row, mapping)


def _jsonl(handle, mapping: Mapping[str, str]) -> Iterator[tuple[int, Lead | str]]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        if len(text) > MAX_LINE_BYTES:
            yield number, f"line longer than {MAX_LINE_BYTES} bytes"
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, f"invalid JSON: {exc.msg} at column {exc.colno}"
            continue
        yield _validated(number, record, mapping)


def _json(text: str, mapping: Mapping[str, str]) -> Iterator[tuple[int, Lead | str]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    records = data if isinstance(data, list) else [data]
    for index, record in enumerate(records, start=1):
        # A JSON array has no useful line per record; report the position instead.
        yield _validated(index, record, mapping)


__all__ = ["SourceError", "parse_mapping", "read_leads"]
