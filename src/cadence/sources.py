"""Read leads from the files CRMs export: one JSON lead, JSON lines, or CSV.

Each record comes with the line it started on, validated with
:func:`cadence.lead.parse_lead`; a bad record becomes a one-line message
(never an exception), so the good rows of a file still go in. A CSV file may
be separated by commas, semicolons (what a European Excel saves) or tabs: the
separator is detected from the header and the first rows, as spreadsheets do.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
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
        field, column = field.strip(), column.strip()
        taken = next((c for c, f in mapping.items() if f == field and c != column), None)
        if taken is not None:
            raise SourceError(f"--map gives the lead field {field} two columns: {_shown(taken)} and {_shown(column)}; keep one")
        mapping[column] = field
    return mapping


def _shown(name: str) -> str:
    """A column name in a message: quoted, on one line whatever it holds."""
    return repr(name)


def _normalise(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _rename(record: Mapping[str, object], mapping: Mapping[str, str]) -> dict[str, object]:
    """A JSON record's keys as lead fields: mapped (``--map``), else normalised (``First Name`` -> ``first_name``)."""
    out: dict[str, object] = {}
    for key, value in record.items():
        name = str(key)
        out[mapping.get(name.strip(), _normalise(name))] = value
    return out


def _column_fields(path: Path, header: list[str], mapping: Mapping[str, str]) -> list[str | None]:
    """The lead field each CSV column fills (``None``: a column left out), checked against the mapping.

    Raises:
        SourceError: a mapped column the file lacks, two columns for one field, or no id column.
    """
    names = [cell.strip() for cell in header]
    columns = ", ".join(_shown(cell) for cell in header)
    for column, field_name in mapping.items():
        if column not in names:
            raise SourceError(f"{path}: --map {field_name}={column}: no such column (columns: {columns})")
    # A column without a name (a spreadsheet's trailing separator) fills nothing; _csv refuses a value in it.
    fields: list[str | None] = [mapping.get(name, _normalise(name)) if name else None for name in names]
    for index, field_name in enumerate(fields):
        if field_name is None:
            continue
        others = [i for i in range(index + 1, len(fields)) if fields[i] == field_name]
        if not others:
            continue
        mapped = [i for i in (index, *others) if names[i] in mapping]
        if len(mapped) != 1:
            raise SourceError(f"{path}: columns {_shown(header[index])} and {_shown(header[others[0]])} both give the "
                              f"lead field {field_name}; choose one with --map {field_name}=COLUMN")
        # The column named with --map is the one meant; the others that would fill its field are left out.
        for i in (index, *others):
            if i != mapped[0]:
                fields[i] = None
    if "id" not in fields:
        raise SourceError(f"{path}: the CSV has no id column (columns: {columns}); map one with --map id=COLUMN")
    return fields


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
                yield from _csv(self.path, handle, self.mapping, self.delimiter or ",")
            elif self.format == "json":
                yield from _json(self.path, handle.read(), self.mapping)
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
            raise SourceError(f"{path}: not UTF-8 text ({_decoding_error(path) or exc.reason})") from None


def _decoding_error(path: Path) -> str | None:
    """Where ``path`` stops being UTF-8: ``invalid start byte at line 3, byte 41 of the file``.

    The text reader's own error counts from its current chunk (and after a byte order mark),
    so the file is decoded again, as bytes, to name the place in the file.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = 0, 1
    try:
        with path.open("rb") as raw:
            while True:
                chunk = raw.read(1 << 20)
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    # exc.object is the undecoded tail of the last chunk (no line break in it) and this chunk.
                    at = offset - pending + exc.start
                    line = lines + exc.object.count(b"\n", 0, exc.start)
                    return f"{exc.reason} at line {line}, byte {at} of the file"
                if not chunk:
                    return None
                offset += len(chunk)
                lines += chunk.count(b"\n")
    except OSError:
        return None


def _validated(line: int, record: object, mapping: Mapping[str, str]) -> tuple[int, Lead | str]:
    if not isinstance(record, dict):
        return line, f"a lead must be an object, got {type(record).__name__}"
    try:
        return line, parse_lead(_rename(record, mapping), strict_numbers=True)
    except LeadError as exc:
        return line, str(exc)


def _csv(path: Path, handle: TextIO, mapping: Mapping[str, str], delimiter: str) -> Iterator[tuple[int, Lead | str]]:
    # strict: a quote left open swallows the rest of the file into one cell, which must be refused, not read.
    reader = csv.reader(handle, delimiter=delimiter, strict=True)
    header: list[str] | None = None
    while header is None:  # blank lines before the header are no header
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            raise SourceError(f"{path}: the CSV file has no header row") from None
        except csv.Error as exc:
            raise SourceError(f"{path}: line {line}: unreadable CSV header: {exc}") from None
        if any(cell.strip() for cell in row):
            header = row
    fields = _column_fields(path, header, mapping)
    while True:
        line = reader.line_num + 1  # each call reads one record, blank lines included: where it starts
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, f"unreadable CSV row: {exc}"
            continue
        if not row:
            continue
        if len(row) > len(header):
            yield line, f"row has {len(row)} cells but the header has {len(header)}"
            continue
        unnamed = next((i for i, value in enumerate(row) if fields[i] is None and not header[i].strip() and value.strip()), None)
        if unnamed is not None:
            yield line, f"cell {unnamed + 1} has a value, but its column has no name in the header"
            continue
        record = {name: value for name, value in zip(fields, row) if name is not None}
        try:
            yield line, parse_lead(record, strict_numbers=True)
        except LeadError as exc:
            yield line, str(exc)


class _NotJson(ValueError):
    """Text the JSON reader refuses: ``message`` says why, at ``line`` and ``column``."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column


def _no_constant(name: str) -> object:
    raise _NotJson(f"{name} is not a JSON value (write a number or null)")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)
_SPACE = re.compile(r"[ \t\n\r]*")


def _decoded(text: str, start: int) -> tuple[object, int]:
    """The JSON value at ``start`` of ``text`` and where it ends; every refusal a :class:`_NotJson`."""
    try:
        return _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise _NotJson(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise _NotJson("nested too deeply") from None
    except _NotJson:
        raise
    except ValueError:  # an integer of thousands of digits
        raise _NotJson("a number too long to read") from None


def _jsonl(handle: TextIO, mapping: Mapping[str, str]) -> Iterator[tuple[int, Lead | str]]:
    for number, text in enumerate(handle, start=1):
        if not text.strip():
            continue
        if len(text) > MAX_LINE_BYTES:
            yield number, f"line longer than {MAX_LINE_BYTES} bytes"
            continue
        try:
            record, end = _decoded(text, _SPACE.match(text).end())
            rest = _SPACE.match(text, end).end()
            if rest != len(text):
                raise _NotJson("Extra data", 1, rest + 1)
        except _NotJson as exc:
            yield number, f"invalid JSON: {exc} at column {exc.column}"
            continue
        yield _validated(number, record, mapping)


def _json(path: Path, text: str, mapping: Mapping[str, str]) -> Iterator[tuple[int, Lead | str]]:
    """One lead object, or an array of them, each with the line it starts on.

    The whole file is read before the first lead is given, so a syntax error at its end refuses the file
    before anything is done with the leads above it.
    """
    try:
        records = _json_records(text)
    except _NotJson as exc:
        raise SourceError(f"{path}: invalid JSON at line {exc.line} column {exc.column}: {exc}") from None
    for line, record in records:
        yield _validated(line, record, mapping)


def _json_records(text: str) -> list[tuple[int, object]]:
    at = _SPACE.match(text).end()
    data, end = _decoded(text, at)  # the whole document first: its errors are the JSON reader's own
    rest = _SPACE.match(text, end).end()
    if rest != len(text):
        raise _NotJson("Extra data", text.count("\n", 0, rest) + 1, rest - text.rfind("\n", 0, rest))
    if not isinstance(data, list):
        return [(text.count("\n", 0, at) + 1, data)]
    # Read again element by element, for the line each record starts on.
    records: list[tuple[int, object]] = []
    lines, counted = 1, 0
    at = _SPACE.match(text, at + 1).end()
    for _ in data:
        lines += text.count("\n", counted, at)
        counted = at
        record, at = _decoded(text, at)
        records.append((lines, record))
        at = _SPACE.match(text, at).end() + 1  # past the comma (or the closing bracket)
        at = _SPACE.match(text, at).end()
    return records


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
