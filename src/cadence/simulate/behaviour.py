"""How simulated buyers, reps and sales behave: the response model and its file format.

A behaviour is a handful of probabilities and delays, one section per step
kind plus the people (``reps``, ``sales``). It is read from a small YAML file
(``--behaviour FILE``, loaded with cadence's own hardened loader) and from
``--set section.key=value`` overrides; every problem is collected and named by
its key path (``email.reply``) and, for a file, its line and column.

Probabilities are numbers from 0 to 1 (``0.05``) or percentages (``"5%"``).
Durations are written as in cadence files (``"2 hours"``, ``"3 business days"``);
a delay is one duration (always that long) or two (``[1 hour, 3 days]``: a
uniformly random instant between the two).
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cadence import ir, schedule
from cadence.errors import SUGGESTION_QUOTED, Refusal, did_you_mean

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_SET_KEY = re.compile(r"^[a-z_]+\.[a-z_]+$")
MAX_CAPACITY = 100_000
"""Largest daily capacity accepted for a rep (a typo guard, not a business rule)."""


class BehaviourError(Refusal, ValueError):
    """A behaviour file or override is invalid; ``problems`` names every one, each with its key path."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        text = problems[0] if len(problems) == 1 else f"{len(problems)} problems: " + "; ".join(problems)
        super().__init__(text)


@dataclass(frozen=True)
class Delay:
    """How long after its cause a response comes: uniformly between :attr:`low` and :attr:`high`."""

    low: ir.Duration
    """The earliest (as a cadence duration: business days skip weekends and holidays)."""
    high: ir.Duration
    """The latest; equal to :attr:`low` for a fixed delay."""

    def __str__(self) -> str:
        return str(self.low) if self.low == self.high else f"{self.low} to {self.high}"


def _delay(low: str, high: str | None = None) -> Delay:
    return Delay(schedule.parse_duration(low), schedule.parse_duration(high or low))


@dataclass(frozen=True)
class EmailModel:
    """How leads answer emails."""

    reply: float = 0.02
    """Probability that an email sent brings a reply (a ``reply`` event)."""
    bounce: float = 0.02
    """Probability that a lead's address is dead: its first email bounces, and email stops."""
    unsubscribe: float = 0.003
    """Probability that an email sent makes the lead unsubscribe."""
    delay: Delay = _delay("1 hour", "2 days")
    """When a reply or an unsubscribe arrives after the send."""


@dataclass(frozen=True)
class CallModel:
    """What happens when a rep works a call (or voicemail) task."""

    connect: float = 0.1
    """Probability that the rep reaches the lead."""
    meeting: float = 0.2
    """Probability that a connected call books a meeting (outcome ``meeting_booked``)."""
    not_interested: float = 0.15
    """Probability that a connected call ends with ``not_interested``."""
    learn: float = 0.3
    """Probability, for each qualification attribute not yet known, that a connected call learns it."""


@dataclass(frozen=True)
class VoicemailModel:
    """How leads answer voicemails (dropped by a provider or left by a rep)."""

    callback: float = 0.03
    """Probability that a voicemail brings a call-back request (a ``callback_requested`` event)."""
    delay: Delay = _delay("2 hours", "3 days")
    """When the call-back request arrives after the voicemail."""


@dataclass(frozen=True)
class LetterModel:
    """How leads answer letters."""

    reply: float = 0.01
    """Probability that a letter brings a reply (a ``reply`` event)."""
    delay: Delay = _delay("3 days", "10 days")
    """When the reply arrives after the letter went to the print vendor."""


@dataclass(frozen=True)
class RepModel:
    """The reps who work call and voicemail tasks."""

    capacity: int = 40
    """Tasks one assignee logs per day; the rest wait for the next day (and are missed when due)."""
    capacities: tuple[tuple[str, int], ...] = ()
    """Capacity of particular assignees (``dana@seller.example``, ``queue:sdr``), overriding :attr:`capacity`."""
    delay: ir.Duration = ir.Duration(1, "hours")
    """From a task opening to the rep's first attempt (moved into the lead's send window)."""
    timezone: str = ""
    """Zone of the reps' working day (when a day's capacity renews); empty: the cadence's default zone."""

    def capacity_of(self, assignee: str) -> int:
        """The daily capacity of ``assignee``."""
        for name, capacity in self.capacities:
            if name == assignee:
                return capacity
        return self.capacity


@dataclass(frozen=True)
class SalesModel:
    """What sales does with a handoff when the cadence asks for acceptance."""

    accept: float = 0.6
    """Probability that the assignee accepts the lead (after :attr:`delay`)."""
    reject: float = 0.1
    """Probability that the assignee rejects it (back to nurture); otherwise the deadline passes."""
    delay: Delay = _delay("1 hour", "1 business day")
    """When the answer comes after the handoff (an answer due after the deadline comes too late)."""


@dataclass(frozen=True)
class Behaviour:
    """The whole response model of a simulation."""

    email: EmailModel = field(default_factory=EmailModel)
    """Emails: replies, bounces, unsubscribes."""
    call: CallModel = field(default_factory=CallModel)
    """Call and voicemail tasks: connects, meetings, refusals, what is learned."""
    voicemail: VoicemailModel = field(default_factory=VoicemailModel)
    """Voicemails: call-back requests."""
    letter: LetterModel = field(default_factory=LetterModel)
    """Letters: replies."""
    reps: RepModel = field(default_factory=RepModel)
    """Reps: daily capacity and how soon they get to a task."""
    sales: SalesModel = field(default_factory=SalesModel)
    """Sales: accepting or rejecting handoffs."""


SILENT = Behaviour(
    email=EmailModel(reply=0.0, bounce=0.0, unsubscribe=0.0),
    call=CallModel(connect=0.0, meeting=0.0, not_interested=0.0, learn=0.0),
    voicemail=VoicemailModel(callback=0.0),
    letter=LetterModel(reply=0.0),
    sales=SalesModel(accept=0.0, reject=0.0),
)
"""A buyer who never answers (reps still work their tasks; sales never answers)."""

_SECTIONS: dict[str, type] = {
    "email": EmailModel, "call": CallModel, "voicemail": VoicemailModel, "letter": LetterModel,
    "reps": RepModel, "sales": SalesModel,
}
_SECTIONS_NEEDED = f"a behaviour is a mapping of sections ({', '.join(_SECTIONS)})"
_NOT_A_MAPPING = "a cadence file must be a mapping of fields, found "
_PROBABILITY = "probability"
_KINDS: dict[str, str] = {"delay": "delay", "capacity": "capacity", "capacities": "capacities",
                          "timezone": "timezone"}
_REP_DELAY = "rep_delay"

Locate = Callable[[tuple[str, ...], bool], str]
"""Where the value (``False``) or the key (``True``) at a key path was written, as a message prefix."""


def _kind(section: str, key: str) -> str:
    if section == "reps" and key == "delay":
        return _REP_DELAY
    return _KINDS.get(key, _PROBABILITY)


def parse_behaviour(data: Any, *, locate: Locate | None = None, base: Behaviour | None = None) -> Behaviour:
    """Build a :class:`Behaviour` from plain data (a YAML file's content), on top of ``base``.

    Args:
        data: ``{section: {key: value}}``; sections and keys left out keep ``base``'s values.
        locate: gives the prefix that says where the value (or, asked with ``True``, the key) at a
            key path was written (``"beh.yaml:3:10: "``); none by default.
        base: the values to start from (default: :class:`Behaviour`'s defaults).

    Raises:
        BehaviourError: naming every problem with its key path.
    """
    where = locate or (lambda _path, _key=False: "")
    base = base or Behaviour()
    problems: list[str] = []
    if data is None:
        return base
    if not isinstance(data, Mapping):
        raise BehaviourError([f"{where((), False)}{_SECTIONS_NEEDED}, got {_type_name(data)}"])
    changes: dict[str, Any] = {}
    for section, values in data.items():
        path = (str(section),)
        model = _SECTIONS.get(str(section))
        if model is None:
            problems.append(f"{where(path, True)}{section}: unknown section{did_you_mean(section, _SECTIONS, SUGGESTION_QUOTED)}; "
                            f"expected one of: {', '.join(_SECTIONS)}")
            continue
        if values is None:
            continue
        if not isinstance(values, Mapping):
            problems.append(f"{where(path, False)}{section}: expected a mapping of settings, got {_type_name(values)}")
            continue
        names = [f.name for f in dataclasses.fields(model)]
        section_changes: dict[str, Any] = {}
        for key, value in values.items():
            key_path = (str(section), str(key))
            dotted = f"{section}.{key}"
            if key not in names:
                problems.append(f"{where(key_path, True)}{dotted}: unknown setting{did_you_mean(key, names, SUGGESTION_QUOTED)}; "
                                f"expected one of: {', '.join(names)}")
                continue
            try:
                section_changes[str(key)] = _convert(_kind(str(section), str(key)), value)
            except ValueError as exc:
                problems.append(f"{where(key_path, False)}{dotted}: {exc}")
        current = dataclasses.replace(getattr(base, str(section)), **section_changes)
        problems.extend(f"{where(path, True)}{section}: {p}" for p in _check_section(str(section), current))
        changes[str(section)] = current
    if problems:
        raise BehaviourError(problems)
    return dataclasses.replace(base, **changes)


def _check_section(section: str, model: Any) -> list[str]:
    """Rules over several keys of one section."""
    if section == "call" and model.meeting + model.not_interested > 1 + 1e-9:
        return [f"meeting ({model.meeting:g}) and not_interested ({model.not_interested:g}) add up to more than 1"]
    if section == "sales" and model.accept + model.reject > 1 + 1e-9:
        return [f"accept ({model.accept:g}) and reject ({model.reject:g}) add up to more than 1"]
    return []


def _convert(kind: str, value: Any) -> Any:
    if kind == _PROBABILITY:
        return _probability(value)
    if kind == "delay":
        return _delay_value(value)
    if kind == _REP_DELAY:
        return _duration(value)
    if kind == "capacity":
        return _capacity(value)
    if kind == "capacities":
        if not isinstance(value, Mapping):
            raise ValueError(f"expected assignee: capacity pairs (like 'dana@seller.example: 25'), got {_type_name(value)}")
        return tuple((str(k), _capacity(v, f"capacity of {k}")) for k, v in value.items())
    if value == "":
        return value  # the cadence's default zone
    if not isinstance(value, str) or not schedule.is_valid_timezone(value):
        raise ValueError(f"{_shown(value)} is not an IANA time zone (like America/Chicago)")
    return value


def _probability(value: Any) -> float:
    hint = "write a number from 0 to 1 (like 0.05) or a percentage (like '5%')"
    if isinstance(value, str) and (match := _PERCENT.match(value)):
        number = float(match.group(1)) / 100
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        raise ValueError(f"{_shown(value)} is not a probability; {hint}")
    if not math.isfinite(number) or not 0 <= number <= 1:
        raise ValueError(f"{_shown(value)} is not a probability; {hint}")
    return number


def _duration(value: Any) -> ir.Duration:
    if not isinstance(value, str):
        raise ValueError(f"{_shown(value)} is not a duration; write a number and a unit, like '2 hours' or '1 business day'")
    return schedule.parse_duration(value)


def _delay_value(value: Any) -> Delay:
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise ValueError(f"write one duration ('2 days') or two, the earliest and the latest ([1 hour, 3 days]); "
                             f"got {len(value)} items")
        low, high = _duration(value[0]), _duration(value[1])
        if _days(low) > _days(high):
            raise ValueError(f"{low} is longer than {high}; write the earliest first")
        return Delay(low, high)
    duration = _duration(value)
    return Delay(duration, duration)


def _days(duration: ir.Duration) -> float:
    per = {"minutes": 1 / 1440, "hours": 1 / 24, "days": 1.0, "weeks": 7.0, "business_days": 1.0}
    return duration.amount * per[duration.unit]


def _capacity(value: Any, what: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_CAPACITY:
        prefix = f"{what}: " if what else ""
        raise ValueError(f"{prefix}{_shown(value)} is not a whole number of tasks from 0 to {MAX_CAPACITY:,}")
    return value


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a number",
            bool: "true/false"}.get(type(value), type(value).__name__)


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- files and overrides


def read_behaviour(path: Path | None, overrides: Sequence[str] = (), *, base: Behaviour | None = None) -> Behaviour:
    """The behaviour of ``path`` (``None``: the defaults) with ``overrides`` (``section.key=value``) applied.

    The file is read with cadence's YAML loader (size and depth capped, no aliases,
    no custom tags); errors name the file, line, column and key path. An override's
    value is read as YAML too (``[1 hour, 3 days]`` is a list).

    Raises:
        BehaviourError: naming every problem.
    """
    from cadence.dsl.loader import MAX_BYTES, LoadError, load_bytes

    behaviour = base or Behaviour()
    if path is not None:
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
        except FileNotFoundError:
            raise BehaviourError([f"{path}: file not found"]) from None
        except IsADirectoryError:
            raise BehaviourError([f"{path}: is a directory, not a behaviour file"]) from None
        except OSError as exc:
            raise BehaviourError([f"{path}: cannot read the file: {exc.strerror or exc}"]) from None
        try:
            doc = load_bytes(raw, str(path)) if _has_content(raw) else None
        except LoadError as exc:
            e = exc.error
            where = f"{e.file}:{e.line}:{e.column}: " if e.line else f"{e.file}: "
            # The loader speaks of cadence files; say what a behaviour file is instead.
            message = e.message
            if message.startswith(_NOT_A_MAPPING):
                message = f"{_SECTIONS_NEEDED}, got {message[len(_NOT_A_MAPPING):]}"
            hint = f" ({e.hint})" if e.hint and "cadence" not in e.hint else ""
            raise BehaviourError([f"{where}{message}{hint}"]) from None

        if doc is not None:
            located = doc

            def locate(key_path: tuple[str, ...], key: bool = False) -> str:
                line, column = located.where(key_path, key=key)
                return f"{located.file}:{line}:{column}: "

            behaviour = parse_behaviour(doc.data, locate=locate, base=behaviour)
    if overrides:
        data: dict[str, dict[str, Any]] = {}
        problems: list[str] = []
        for text in overrides:
            key, sep, raw = text.partition("=")
            key = key.strip()
            if not sep or not _SET_KEY.match(key):
                problems.append(f"--set {_shown(text)}: write section.key=value, like email.reply=0.05")
                continue
            try:
                value = load_bytes(f"value: {raw.strip()}\n".encode(), "--set").data.get("value")
            except LoadError as exc:
                problems.append(f"--set {key}: {_shown(raw.strip())} cannot be read: {exc.error.message}")
                continue
            section, name = key.split(".")
            data.setdefault(section, {})[name] = value
        if problems:
            raise BehaviourError(problems)
        behaviour = parse_behaviour(data, locate=lambda _path, _key=False: "--set ", base=behaviour)
    return behaviour


def _has_content(raw: bytes) -> bool:
    """Whether a file holds more than blank lines and comments (an empty behaviour means the defaults)."""
    return any(line.strip() and not line.strip().startswith(b"#") for line in raw.splitlines())


def behaviour_to_dict(behaviour: Behaviour) -> dict[str, Any]:
    """``behaviour`` as the plain data of a behaviour file (durations and delays as text)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(behaviour):
        section = getattr(behaviour, f.name)
        values: dict[str, Any] = {}
        for g in dataclasses.fields(section):
            value = getattr(section, g.name)
            if isinstance(value, Delay):
                value = str(value.low) if value.low == value.high else [str(value.low), str(value.high)]
            elif isinstance(value, ir.Duration):
                value = str(value)
            elif g.name == "capacities":
                value = dict(value)
            values[g.name] = value
        out[f.name] = values
    return out


__all__ = [
    "Behaviour",
    "BehaviourError",
    "CallModel",
    "Delay",
    "EmailModel",
    "LetterModel",
    "RepModel",
    "SILENT",
    "SalesModel",
    "VoicemailModel",
    "behaviour_to_dict",
    "parse_behaviour",
    "read_behaviour",
]
