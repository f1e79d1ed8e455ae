"""Load a cadence file: YAML with a line and column for every node, hostile input refused.

Built on libyaml's event stream (PyYAML's pure-Python parser when libyaml is
absent) with our own small, iterative composer, so that:

* every value and every key keeps its position;
* duplicate keys, aliases (``*name``: the "billion laughs" expander), custom
  tags and multiple documents are refused with one located error;
* nesting depth and file size are capped, so memory stays bounded;
* YAML 1.1 surprises are off: ``on:``/``yes``/``no`` stay text (only
  ``true``/``false`` are booleans), and dates and sexagesimal numbers
  (``1:30``, which YAML 1.1 reads as 90) stay text;
* a scalar that cannot be read as what it claims to be (``!!int x``, an
  integer too long for Python) is one located error, never an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode

from cadence.dsl.errors import CadenceError

MAX_BYTES = 1024 * 1024
"""Largest cadence file accepted (checked before parsing)."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists accepted."""

PathT = tuple[str | int, ...]

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CORE = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "seq", "map")}


class _Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2-like implicit typing: only true/false are booleans, no dates, no sexagesimal numbers."""


_REPLACED = {_CORE + t for t in ("bool", "timestamp", "int", "float")}
for _first, _rules in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
    for _tag, _regexp in _rules:
        if _tag not in _REPLACED:
            _Resolver.add_implicit_resolver(_tag, _regexp, [_first] if _first else None)
_Resolver.add_implicit_resolver(_CORE + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
# PyYAML's YAML 1.1 patterns without their sexagesimal forms.
_Resolver.add_implicit_resolver(
    _CORE + "float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
                    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.VERBOSE),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    _CORE + "int",
    re.compile(r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0[0-7_]+
                    |[-+]?(?:0|[1-9][0-9_]*)
                    |[-+]?0x[0-9a-fA-F_]+)$""", re.VERBOSE),
    list("-+0123456789"),
)

_RESOLVER = _Resolver()
_CONSTRUCTOR = SafeConstructor()


@dataclass(frozen=True)
class Document:
    """A loaded cadence file: plain data plus where each node was written."""

    file: str
    """The file's path as the user gave it (used in messages)."""
    data: dict[str, Any]
    """The YAML content as plain dicts, lists and scalars."""
    positions: dict[PathT, tuple[int, int]] = field(repr=False)
    """1-based (line, column) of each value, by path from the root."""
    key_positions: dict[PathT, tuple[int, int]] = field(repr=False)
    """1-based (line, column) of the key naming each mapping value."""

    def where(self, path: PathT, *, key: bool = False) -> tuple[int, int]:
        """Position of the node at ``path`` (of its key with ``key=True``), else of its nearest ancestor."""
        path = tuple(path)
        if key and path in self.key_positions:
            return self.key_positions[path]
        while path:
            if path in self.positions:
                return self.positions[path]
            path = path[:-1]
        return self.positions.get((), (1, 1))

    def error(self, path: PathT, message: str, hint: str = "", *, key: bool = False) -> CadenceError:
        """Build a :class:`CadenceError` located at the node at ``path``."""
        line, column = self.where(path, key=key)
        return CadenceError(self.file, line, column, json_path(path), message, hint)


class LoadError(Exception):
    """The file cannot be read as a cadence document; ``error`` says where and why."""

    def __init__(self, error: CadenceError) -> None:
        self.error = error
        super().__init__(error.render())


def json_path(path: PathT) -> str:
    """Render ``("steps", 3, "gate")`` as ``$.steps[3].gate``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def load_file(path: str | Path, *, display: str | None = None) -> Document:
    """Read and parse the cadence file at ``path``.

    Args:
        path: the file to read.
        display: name used in messages (default: ``path`` as given).

    Raises:
        LoadError: with one located error when the file is missing, too large,
            not UTF-8 or not a single YAML mapping.
    """
    name = display if display is not None else str(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise LoadError(CadenceError(name, 0, 0, "$", "file not found")) from None
    except IsADirectoryError:
        raise LoadError(CadenceError(name, 0, 0, "$", "is a directory, not a cadence file")) from None
    except OSError as exc:
        raise LoadError(CadenceError(name, 0, 0, "$", f"cannot read the file: {exc.strerror or exc}")) from None
    return load_bytes(raw, name)


def load_bytes(raw: bytes, file: str) -> Document:
    """Parse cadence YAML from ``raw`` bytes (``file`` names it in messages).

    Raises:
        LoadError: as :func:`load_file`.
    """

    def fail(line: int, column: int, message: str, hint: str = "") -> LoadError:
        return LoadError(CadenceError(file, line, column, "$", message, hint))

    if len(raw) > MAX_BYTES:
        raise fail(1, 1, f"file is larger than {MAX_BYTES // 1024} KiB", "split it into a cadence and long-term tracks")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        # Columns count characters (SARIF says unicodeCodePoints); the bytes before the bad one are valid UTF-8.
        column = len(before[before.rfind(b"\n") + 1:].decode("utf-8")) + 1
        raise fail(line, column, f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
                   "save the file as UTF-8") from None
    return _compose(text, file, fail)


def _compose(text: str, file: str, fail: Any) -> Document:
    positions: dict[PathT, tuple[int, int]] = {}
    key_positions: dict[PathT, tuple[int, int]] = {}
    # The collection being filled lives in locals (its container, path, pending key, keys seen and
    # whether it is a mapping); the stack keeps those of the collections around it. Events are told
    # apart by their exact class (libyaml and PyYAML emit these, never subclasses): this loop runs
    # for every node of every file, and its bookkeeping was over a third of loading one.
    stack: list[tuple[Any, PathT, Any, dict[str, tuple[int, int]], bool]] = []
    container: Any = None
    base: PathT = ()
    key: Any = None
    seen: dict[str, tuple[int, int]] = {}
    is_map = False
    root: Any = None
    documents = 0
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    try:
        for event in yaml.parse(text, Loader=_Parser):
            kind = type(event)
            if kind is scalar_event or kind is mapping_start or kind is sequence_start:
                mark = event.start_mark
                pos = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                if is_map:
                    if key is None:
                        # A key of a mapping: always kept as the text written (YAML 1.1 would turn `on:` into True).
                        if kind is not scalar_event:
                            raise fail(*pos, "a mapping key must be plain text", "remove the '?' or brackets around the key")
                        if not (event.implicit[0] or event.tag in (None, "!", "!!str", _CORE + "str")):
                            raise fail(*pos, f"YAML tag '{event.tag}' is not allowed on a mapping key",
                                       "mapping keys are plain text; remove the tag")
                        key = event.value
                        if key in seen:
                            line, col = seen[key]
                            raise fail(*pos, f"duplicate key '{key}' (first written at line {line})",
                                       "each field may appear only once in a mapping; merge or remove one")
                        seen[key] = pos
                        key_positions[base + (key,)] = pos
                        continue
                    path: PathT = base + (key,)
                elif container is None:
                    path = ()
                else:
                    path = base + (len(container),)
                if kind is scalar_event:
                    if not (event.implicit[0] or event.tag is None or event.tag == "!"):
                        _check_tag(event, pos, fail)
                    try:
                        value: Any = _scalar(event)
                    except _BadScalar as exc:
                        raise fail(*pos, exc.message, exc.hint) from None
                else:
                    if not event.implicit:
                        _check_tag(event, pos, fail)
                    value = {} if kind is mapping_start else []
                positions[path] = pos
                if container is None:
                    root = value
                    if not isinstance(value, dict):
                        found = "a list" if isinstance(value, list) else "a single value"
                        if value is None:
                            raise fail(*pos, "file is empty", "a cadence starts with 'cadence: NAME' and has 'steps:'")
                        raise fail(*pos, f"a cadence file must be a mapping of fields, found {found}",
                                   "start with 'cadence: NAME' and list the steps under 'steps:'")
                elif is_map:
                    container[key] = value
                    key = None
                else:
                    container.append(value)
                if kind is not scalar_event:
                    if len(stack) >= MAX_DEPTH:
                        raise fail(*pos, f"nested deeper than {MAX_DEPTH} levels", "a cadence never needs this much nesting")
                    stack.append((container, base, key, seen, is_map))
                    container, base, key, seen, is_map = value, path, None, {}, kind is mapping_start
            elif kind in ends:
                container, base, key, seen, is_map = stack.pop()
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise fail(*_position(event), "more than one YAML document in the file",
                               "a cadence file holds one document; remove the '---' line or split the file")
            elif kind is yaml.AliasEvent:
                raise fail(*_position(event), f"YAML alias '*{event.anchor}' is not allowed",
                           "write the value out instead of referring to an anchor")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = exc.problem or exc.context or "not valid YAML"
        if "maximum nesting depth" in problem:
            # libyaml's own cap (seen in PyYAML 6.0.4) trips first: its scanner reads ahead of our events.
            raise fail(line, col, f"nested deeper than {MAX_DEPTH} levels", "a cadence never needs this much nesting") from None
        # Known only once the parser has failed there: a tab is indentation where libyaml trips on it among the
        # leading blanks of a line; elsewhere (inside a block scalar's text, in brackets) it is valid YAML.
        lines = text.split("\n")
        indent = lines[line - 1][:col] if 0 < line <= len(lines) else ""
        if "\t" in indent and not indent.strip(" \t"):
            raise fail(line, indent.index("\t") + 1, "tab character used for indentation",
                       "YAML indents with spaces only; replace the tab with spaces") from None
        raise fail(line, col, f"YAML syntax error: {problem}",
                   "check the indentation and quoting near this line") from None
    except yaml.YAMLError as exc:
        position = getattr(exc, "position", None)
        line, col = (1, 1)
        if isinstance(position, int):
            if _Parser is not yaml.SafeLoader:
                # libyaml reads the text as UTF-8: its offset counts bytes, not characters.
                position = len(text.encode("utf-8")[:position].decode("utf-8", errors="ignore"))
            line = text.count("\n", 0, position) + 1
            col = position - (text.rfind("\n", 0, position) + 1) + 1
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise fail(line, col, f"YAML syntax error: {reason}", "remove control characters from the file") from None
    except RecursionError:  # pragma: no cover - the depth cap comes first
        raise fail(1, 1, "nested too deeply") from None
    if root is None:
        raise fail(1, 1, "file is empty", "a cadence starts with 'cadence: NAME' and has 'steps:'")
    return Document(file, root, positions, key_positions)


def _position(event: Any) -> tuple[int, int]:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _check_tag(event: Any, pos: tuple[int, int], fail: Any) -> None:
    tag = event.tag
    if tag is None or tag == "!":
        return
    if isinstance(event, yaml.ScalarEvent) and event.implicit[0]:
        return
    if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)) and event.implicit:
        return
    if tag.startswith("!!"):
        tag = _CORE + tag[2:]
    if tag not in _ALLOWED_TAGS:
        raise fail(*pos, f"YAML tag '{event.tag}' is not allowed", "remove the tag; write plain values")


_SCALARS: dict[tuple[Any, str, Any], Any] = {}
"""Values of scalars already read, by (tag, text, implicit): cadence files repeat most of theirs."""


def _scalar(event: Any) -> Any:
    key = (event.tag, event.value, event.implicit)
    try:
        return _SCALARS[key]
    except KeyError:
        pass
    value = _construct(event)
    if len(_SCALARS) >= 20_000:  # bounded: a long-lived process reads many files
        _SCALARS.clear()
    _SCALARS[key] = value  # every value is immutable (str, int, float, bool, None): safe to share
    return value


_MAX_DIGITS = 4300
"""Longest integer read (Python's default limit for ``int(text)``)."""


class _BadScalar(Exception):
    """A scalar that cannot be read as the value its tag or its form says."""

    def __init__(self, message: str, hint: str) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)


def _construct(event: Any) -> Any:
    text = event.value
    tag = event.tag
    explicit = tag not in (None, "!")
    if not explicit:
        tag = _RESOLVER.resolve(ScalarNode, text, event.implicit)
    elif tag.startswith("!!"):
        tag = _CORE + tag[2:]
    name = tag.removeprefix(_CORE)
    if name in ("bool", "null"):
        if explicit and _RESOLVER.resolve(ScalarNode, text, (True, False)) != tag:
            raise _BadScalar(f"'{_short(text)}' is not a valid !!{name} value", "remove the tag; write plain values")
        return text.lower() == "true" if name == "bool" else None
    if name in ("int", "float"):
        if name == "int" and len(text) > _MAX_DIGITS:
            raise _BadScalar(f"number has more than {_MAX_DIGITS} digits", "write a smaller number, or quote it to keep it as text")
        node = ScalarNode(tag, text)
        value: int | float | None = None
        try:
            # Sexagesimal is YAML 1.1 only: `!!int 1:30` is refused, not read as 90.
            if ":" not in text:
                value = _CONSTRUCTOR.construct_yaml_int(node) if name == "int" else _CONSTRUCTOR.construct_yaml_float(node)
        except (ValueError, IndexError):  # e.g. '0b_' or '': no digit is left once '_' are dropped
            pass
        if value is None:
            if explicit:
                raise _BadScalar(f"'{_short(text)}' is not a valid !!{name} value", "remove the tag; write plain values")
            raise _BadScalar(f"'{_short(text)}' is not a valid number", "quote it to keep it as text")
        return value
    return text


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = ["Document", "LoadError", "MAX_BYTES", "MAX_DEPTH", "json_path", "load_bytes", "load_file"]
