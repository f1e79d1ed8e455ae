"""Read leads from the files CRMs export: one JSON lead, JSON lines, or CSV.

Each record comes with the line it started on, validated with
:func:`cadence.lead.parse_lead`; a bad record becomes a one-line message
(never an exception), so the good rows of a file still go in. A CSV file may
be separated by commas, semicolons (what a European Excel saves) or tabs: the
separator is detected from the header and the first rows, as spreadsheets do.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from types import MappingProxyType
from typing import TextIO

from cadence.errors import Refusal
from cadence.lead import Lead, LeadError, parse_lead

MAX_LINE_BYTES = 64 * 1024

DELIMITERS = (",", ";", "\t")
"""The CSV separators recognised, in order of preference when a file fits several equally well."""

_SNIFF_CHARS = 64 * 1024
_SNIFF_ROWS = 20
_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


class SourceError(Refusal):
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


def detect_delimiter(sample: str, *, truncated: bool = False) -> str:
    """The separator of the CSV text ``sample`` (its beginning): ``,``, ``;`` or a tab.

    Each candidate of :data:`DELIMITERS` splits the header and the first rows,
    quotes honoured (so ``"Acme; Inc"`` in a comma file is one cell). The one
    under which most rows have as many cells as the header wins, then the one
    giving the header more columns. A file no candidate splits (one column,
    or empty) is comma-separated.

    Args:
        sample: the first lines of the file.
        truncated: the sample stops before the end of the file (its last row may be cut short).
    """
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [row for row in islice(csv.reader(io.StringIO(sample), delimiter=delimiter), _SNIFF_ROWS + 1) if row]
        except csv.Error:
            continue
        if truncated and len(rows) > 1:
            rows.pop()
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(row) == width for row in rows[1:]), width)
        if score > best_score:  # strictly better: ties go to the earlier, preferred, delimiter
            best, best_score = delimiter, score
    return best


def describe_delimiter(delimiter: str) -> str:
    """``"';'-separated"``, ``"','-separated"``, ``"tab-separated"``."""
    return "tab-separated" if delimiter == "\t" else f"{delimiter!r}-separated"


@dataclass(frozen=True)
class LeadFile:
    """A lead file about to be read: iterate it for ``(line, lead or error message)``.

    Made by :func:`read_leads`, which has already checked that the file opens and,
    for a CSV file, detected its separator; each iteration reads the file again.
    """

    path: Path
    """The file, as given."""
    format: str
    """``csv``, ``jsonl`` or ``json``."""
    mapping: Mapping[str, str] = field(default_factory=dict)
    """Column -> lead field, from ``--map``."""
    delimiter: str | None = None
    """The CSV separator detected (``,``, ``;`` or a tab); ``None`` for JSON."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "mapping", MappingProxyType(dict(self.mapping)))

    @property
    def description(self) -> str | None:
        """``reading semi.csv as ';'-separated`` for a CSV file, to tell the user; ``None`` for JSON."""
        if self.delimiter is None:
            return None
        return f"reading {self.path} as {describe_delimiter(self.delimiter)}"

    def __iter__(self) -> Iterator[tuple[int, Lead | str]]:
        with _reading(self.path) as handle:
            if self.format == "csv":
                yield from _csv(handle, self.mapping, self.delimiter or ",")
            elif self.format == "json":
                yield from _json(handle.read(), self.mapping)
            else:
                yield from _jsonl(handle, self.mapping)


def read_leads(path: Path, mapping: Mapping[str, str] | None = None) -> LeadFile:
    """The leads of ``path``: iterate the result for ``(line, lead or error message)``.

    The format follows the extension: ``.csv`` (separated by commas, semicolons
    or tabs: see :func:`detect_delimiter`), ``.jsonl``/``.ndjson``, ``.json``
    (one object or a list of objects). The file is opened, and a CSV file's
    separator detected, here; the records are read while iterating.

    Raises:
        SourceError: when the file cannot be opened, is not of a known format, or
            (while iterating) is not UTF-8 text or a CSV file without an id column.
    """
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise SourceError(f"{path}: unknown lead file type {suffix or '(none)'!r}; use .csv, .jsonl or .json")
    kind = _FORMATS[suffix]
    delimiter = None
    with _reading(path) as handle:
        if kind == "csv":
            sample = handle.read(_SNIFF_CHARS)
            truncated = bool(handle.read(1))
            if truncated:  # whole lines only
                sample = sample[: sample.rfind("\n") + 1] or sample
            delimiter = detect_delimiter(sample, truncated=truncated)
    return LeadFile(path, kind, dict(mapping or {}), delimiter)


@contextmanager
def _reading(path: Path) -> Iterator[TextIO]:
    """``path`` open as UTF-8 text; a decoding error while reading it becomes a :class:`SourceError`."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise SourceError(f"{path}: {exc.strerror or exc}") from None
    with handle:
        try:
            yield handle
        except UnicodeDecodeError as exc:
            raise SourceError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _validated(line: int, record: object, mapping: Mapping[str, str]) -> tuple[int, Lead | str]:
    if not isinstance(record, dict):
        return line, f"a lead must be an object, got {type(record).__name__}"
    try:
        return line, parse_lead(_rename(record, mapping))
    except LeadError as exc:
        return line, str(exc)


def _csv(handle, mapping: Mapping[str, str], delimiter: str) -> Iterator[tuple[int, Lead | str]]:
    reader = csv.DictReader(handle, delimiter=delimiter)
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


def distinct_leads(records: Iterable[tuple[int, Lead | str]]) -> tuple[list[Lead], list[str]]:
    """The valid leads of ``records`` (as :func:`read_leads` yields them), each id once, and one message per
    record left out (``line 7: ...``, ``line 9: lead L-1 appears twice``)."""
    leads: list[Lead] = []
    skipped: list[str] = []
    seen: set[str] = set()
    for line, item in records:
        if isinstance(item, str):
            skipped.append(f"line {line}: {item}")
        elif item.id in seen:
            skipped.append(f"line {line}: lead {item.id} appears twice")
        else:
            seen.add(item.id)
            leads.append(item)
    return leads, skipped


def skipped_warning(source: Path, skipped: list[str]) -> str:
    """One line telling that ``skipped`` records of ``source`` were left out (simulate, preview)."""
    more = f" and {len(skipped) - 1} more" if len(skipped) > 1 else ""
    return (f"warning: skipped {len(skipped)} invalid lead{'s' if len(skipped) != 1 else ''} of {source} "
            f"({skipped[0]}{more}); enroll would reject them too")


__all__ = [
    "DELIMITERS",
    "LeadFile",
    "SourceError",
    "distinct_leads",
    "skipped_warning",
    "describe_delimiter",
    "detect_delimiter",
    "parse_mapping",
    "read_leads",
]
