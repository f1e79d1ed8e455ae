"""The compiled Plan: what a running lead is pinned to.

Frozen dataclasses only, and only the standard library, so the Temporal
workflow sandbox can import this module. Every union member carries a
``kind`` discriminator; :func:`plan_from_dict` dispatches on it instead of
guessing, so a Plan always round-trips exactly through JSON.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import hashlib
import json
import sys
import types
import typing
import zlib
from dataclasses import dataclass
from typing import Any, Literal, Union

from cadence import vocabulary as vocab
from cadence.errors import Refusal

PLAN_FORMAT = 1
"""Version of the Plan's JSON shape (not of a cadence)."""

DurationUnit = Literal["minutes", "hours", "days", "weeks", "business_days"]
EventKind = Literal[
    "reply", "meeting_booked", "callback_requested", "unsubscribe", "bounce", "lead_updated"
]
EVENT_KINDS: tuple[str, ...] = typing.get_args(EventKind)
"""Events a cadence can handle (its ``on:`` keys)."""
SYSTEM_EVENT_KINDS: tuple[str, ...] = (*EVENT_KINDS, "out_of_office", "soft_bounce")
"""Events a lead takes: those of :data:`EVENT_KINDS`, and two the engine handles itself by the cadence's
:class:`InboundRules`: ``out_of_office`` (touches wait until the lead is back; never counted as a reply) and
``soft_bounce`` (counted; enough of them are a ``bounce``)."""

DEFAULT_QUALIFICATION: tuple[str, ...] = (
    "industry_code",
    "firmographics",
    "decision_makers",
    "environment",
    "decision_maker_engaged",
    "pain_validated",
    "decision_process",
    "budget",
    "competition",
    "urgency",
)
"""The ten attributes of a fully qualified lead, in order."""

DEFAULT_CALL_OUTCOMES: tuple[str, ...] = vocab.CALL_OUTCOMES
DEFAULT_VOICEMAIL_OUTCOMES: tuple[str, ...] = vocab.VOICEMAIL_OUTCOMES


@dataclass(frozen=True)
class Duration:
    """A length of time as the author wrote it."""

    amount: int
    """How many units; never negative."""
    unit: DurationUnit
    """Unit; ``business_days`` skips weekends and holidays of the schedule."""

    def __str__(self) -> str:
        unit = self.unit.replace("_", " ")
        return f"{self.amount} {unit[:-1] if self.amount == 1 else unit}"


DEFAULT_CALL_DUE = Duration(*vocab.CALL_DUE)  # type: ignore[arg-type]
DEFAULT_OUT_OF_OFFICE_PAUSE = Duration(*vocab.OUT_OF_OFFICE_PAUSE)  # type: ignore[arg-type]
DEFAULT_VOICEMAIL_DUE = Duration(*vocab.VOICEMAIL_DUE)  # type: ignore[arg-type]


@dataclass(frozen=True)
class BusinessHours:
    """The send window: which weekdays and which local hours touches may happen."""

    days: tuple[int, ...]
    """ISO-like weekday numbers, 0 = Monday ... 6 = Sunday, sorted."""
    start: str
    """Local opening time, ``HH:MM``."""
    end: str
    """Local closing time, ``HH:MM``, later than ``start``."""


@dataclass(frozen=True)
class Schedule:
    """Where and when touches may land."""

    timezone: str
    """``lead`` (use the lead's own zone) or an IANA zone name."""
    default_timezone: str
    """IANA zone used when the lead has none (or ``timezone`` is fixed)."""
    business_hours: BusinessHours | None
    """Send window; ``None`` means any time."""
    holidays: tuple[str, ...] = ()
    """ISO dates (``YYYY-MM-DD``) on which no touch lands, sorted, expanded at compile time."""
    holiday_sets: tuple[str, ...] = ()
    """Names of the shipped holiday sets the dates came from, for display."""
    spread: Duration | None = None
    """How far into a window the leads that waited for its opening are spread (at most half the window);
    ``None``: :data:`cadence.schedule.WINDOW_SPREAD`."""


# ---------------------------------------------------------------- actions


@dataclass(frozen=True)
class GotoAction:
    """Continue at another step."""

    step: str
    kind: Literal["goto"] = "goto"


@dataclass(frozen=True)
class HandoffAction:
    """End the nurture: hand the lead to sales with a dossier."""

    to: str
    """Assignee as a template string over the lead (``{{ lead.owner }}``, ``queue:enterprise``)."""
    dossier: tuple[str, ...] = ()
    """Sections the dossier holds; empty means all."""
    kind: Literal["handoff"] = "handoff"


@dataclass(frozen=True)
class DisqualifyAction:
    """End the nurture: disqualify with a declared reason."""

    reason: str
    kind: Literal["disqualify"] = "disqualify"


@dataclass(frozen=True)
class TrackAction:
    """Move the lead to another cadence (a long-term track), keeping its history."""

    track: str
    """Name of a cadence embedded in :attr:`Plan.tracks`."""
    kind: Literal["track"] = "track"


@dataclass(frozen=True)
class ContinueAction:
    """Do not move: record what happened and carry on where the lead is."""

    kind: Literal["continue"] = "continue"


Action = Union[GotoAction, HandoffAction, DisqualifyAction, TrackAction, ContinueAction]


# ---------------------------------------------------------------- steps


@dataclass(frozen=True)
class EmailVariant:
    """One arm of an A/B test."""

    name: str
    weight: int
    template: str
    subject: str


@dataclass(frozen=True)
class EmailStep:
    """Send an email over SMTP."""

    id: str
    template: str
    """Body template path under ``templates/`` (HTML; a text part is derived)."""
    subject: str
    """Subject as a template string."""
    sender: str | None = None
    reply_to: str | None = None
    variants: tuple[EmailVariant, ...] = ()
    """A/B variants; when present they replace ``template``/``subject`` by weight."""
    wait: Duration | None = None
    """Pause after this step before the next one."""
    retry_for: Duration | None = None
    """How long an unreachable or deferring SMTP server is retried; ``None``: 2 days."""
    on_failure: Action = ContinueAction()
    """What happens when the email could not be sent within ``retry_for``."""
    kind: Literal["email"] = "email"

    @property
    def template_path(self) -> str:
        """The body template without variants (:attr:`template`); every touch step has this accessor."""
        return self.template


@dataclass(frozen=True)
class OutcomeRule:
    """What a recorded task outcome does to the lead."""

    outcome: str
    action: Action


@dataclass(frozen=True)
class CallStep:
    """A task for a person to call the lead."""

    id: str
    brief: str
    """Call brief template path."""
    assignee: str
    """``owner``, ``rep:NAME`` or ``queue:NAME``."""
    due: Duration
    """How long the task may stay open before it counts as missed."""
    outcomes: tuple[str, ...] = DEFAULT_CALL_OUTCOMES
    on_outcome: tuple[OutcomeRule, ...] = ()
    """Outcomes that move the lead; others continue."""
    on_missed: Action = ContinueAction()
    wait: Duration | None = None
    kind: Literal["call"] = "call"

    @property
    def template_path(self) -> str:
        """The template a touch renders (:attr:`brief`); every touch step has this accessor."""
        return self.brief


@dataclass(frozen=True)
class VoicemailStep:
    """A voicemail left by a person (a task) or dropped by a provider."""

    id: str
    script: str
    mode: Literal["person", "drop"] = "person"
    assignee: str = vocab.DEFAULT_ASSIGNEE
    due: Duration = DEFAULT_VOICEMAIL_DUE
    outcomes: tuple[str, ...] = DEFAULT_VOICEMAIL_OUTCOMES
    on_outcome: tuple[OutcomeRule, ...] = ()
    on_missed: Action = ContinueAction()
    wait: Duration | None = None
    kind: Literal["voicemail"] = "voicemail"

    @property
    def template_path(self) -> str:
        """The template a touch renders (:attr:`script`); every touch step has this accessor."""
        return self.script


@dataclass(frozen=True)
class LetterStep:
    """A print-ready letter written to the outbox for a mail vendor."""

    id: str
    template: str
    paper: Literal["letter", "a4"] = "letter"
    return_address: str = ""
    wait: Duration | None = None
    kind: Literal["letter"] = "letter"

    @property
    def template_path(self) -> str:
        """The template a touch renders (:attr:`template`); every touch step has this accessor."""
        return self.template


@dataclass(frozen=True)
class GateRule:
    """One rule of a gate; ``condition`` is ``None`` for the mandatory ``else``."""

    condition: str | None
    action: Action


@dataclass(frozen=True)
class GateStep:
    """Re-assess the lead: the first rule whose condition holds decides."""

    id: str
    rules: tuple[GateRule, ...]
    kind: Literal["gate"] = "gate"


@dataclass(frozen=True)
class LoopStep:
    """Go back to ``back_to`` after ``every``, at most ``times`` times, then ``then``."""

    id: str
    back_to: str
    every: Duration
    times: int
    then: Action
    kind: Literal["loop"] = "loop"


@dataclass(frozen=True)
class WaitStep:
    """Just wait."""

    id: str
    duration: Duration
    kind: Literal["wait"] = "wait"


@dataclass(frozen=True)
class ActionStep:
    """A step that is only an action: hand off, disqualify, go to, switch track."""

    id: str
    action: Action
    kind: Literal["action"] = "action"


Step = Union[EmailStep, CallStep, VoicemailStep, LetterStep, GateStep, LoopStep, WaitStep, ActionStep]
TouchStep = Union[EmailStep, CallStep, VoicemailStep, LetterStep]
TOUCH_STEPS: tuple[type, ...] = (EmailStep, CallStep, VoicemailStep, LetterStep)
"""The touch step classes (``isinstance(step, TOUCH_STEPS)``); their kinds are :data:`TOUCH_KINDS`."""
TOUCH_KINDS: tuple[str, ...] = vocab.TOUCH_KINDS


def template_paths(step: Step) -> tuple[str, ...]:
    """Every template ``step`` may render: its :attr:`~EmailStep.template_path` and its variants'."""
    if not isinstance(step, TOUCH_STEPS):
        return ()
    variants = tuple(v.template for v in step.variants) if isinstance(step, EmailStep) else ()
    return (step.template_path, *variants)  # type: ignore[attr-defined]


# ---------------------------------------------------------------- plan


@dataclass(frozen=True)
class PrequalRule:
    """Reject a lead on its data alone, before any touch."""

    condition: str
    """Jinja2 expression; true means reject."""
    reason: str
    """Declared disqualify reason."""
    note: str = ""
    """Human explanation, shown in the result."""


@dataclass(frozen=True)
class EventHandler:
    """What an external event does at any point of the cadence."""

    event: EventKind
    action: Action


@dataclass(frozen=True)
class Acceptance:
    """Sales must accept a handed-off lead by a deadline, or it comes back to nurture."""

    deadline: Duration
    """How long the assignee has to accept or reject."""
    recycle: str
    """Track (an embedded cadence) for rejected leads and leads nobody accepted."""
    escalate_to: str = ""
    """Assignee (``queue:NAME`` or an address) after a first missed deadline; empty: recycle at once."""


@dataclass(frozen=True)
class InboundRules:
    """How the cadence takes what comes back from its emails (the gateway's bounces and automatic replies)."""

    soft_bounces: int = vocab.SOFT_BOUNCES
    """Soft bounces (4.x.x) that count as one ``bounce`` (the cadence's bounce handler runs, email stops)."""
    out_of_office_pause: Duration = DEFAULT_OUT_OF_OFFICE_PAUSE
    """How long touches wait after an automatic reply that names no return date."""


@dataclass(frozen=True)
class NamedList:
    """A named list of strings usable in expressions as ``lists.NAME``."""

    name: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class TemplateSource:
    """A template's text, embedded so a running lead never sees later edits."""

    path: str
    source: str


@dataclass(frozen=True)
class Plan:
    """A compiled cadence."""

    name: str
    steps: tuple[Step, ...]
    schedule: Schedule
    description: str = ""
    owner: str = ""
    version_label: str = ""
    qualification: tuple[str, ...] = DEFAULT_QUALIFICATION
    lead_fields: tuple[str, ...] = ()
    """Custom lead fields the cadence uses beyond the standard ones."""
    disqualify_reasons: tuple[str, ...] = ()
    prequalify: tuple[PrequalRule, ...] = ()
    lists: tuple[NamedList, ...] = ()
    events: tuple[EventHandler, ...] = ()
    acceptance: Acceptance | None = None
    """Sales acceptance after handoff; ``None``: the handoff ends the nurture."""
    inbound: InboundRules = InboundRules()
    """Soft bounces and out-of-office pauses."""
    templates: tuple[TemplateSource, ...] = ()
    tracks: tuple[Plan, ...] = ()
    """Cadences reachable by a ``track`` action, flattened (theirs own none)."""
    sha256: str = ""
    """Hash of the canonical JSON of every other field: the version a lead is pinned to."""
    format: int = PLAN_FORMAT

    # -- lookups ---------------------------------------------------------
    def step(self, step_id: str) -> Step:
        """Return the step with ``step_id``; ``KeyError`` if absent."""
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def index(self, step_id: str) -> int:
        """Return the position of ``step_id`` in :attr:`steps`."""
        for i, s in enumerate(self.steps):
            if s.id == step_id:
                return i
        raise KeyError(step_id)

    def template(self, path: str) -> str:
        """Return the embedded source of template ``path``."""
        for t in self.templates:
            if t.path == path:
                return t.source
        raise KeyError(path)

    def track(self, name: str) -> Plan:
        """Return the embedded track plan called ``name``."""
        for t in self.tracks:
            if t.name == name:
                return t
        raise KeyError(name)

    def handler(self, event: str) -> Action | None:
        """Return the action for ``event``, or ``None`` when the cadence has none."""
        for h in self.events:
            if h.event == event:
                return h.action
        return None

    @property
    def short_version(self) -> str:
        """First 12 hex digits of the sha256, as shown to people."""
        return self.sha256[:12]

    @property
    def touch_count(self) -> int:
        """Number of touch steps (email, call, voicemail, letter)."""
        return len(self.touch_numbers)

    @functools.cached_property
    def touch_numbers(self) -> dict[str, str]:
        """Each touch step's place among them, ``"3/9"``, by step id (worked out once per plan, not per lead)."""
        touches = [s.id for s in self.steps if s.kind in TOUCH_KINDS]
        return {step: f"{n}/{len(touches)}" for n, step in enumerate(touches, 1)}


# ---------------------------------------------------------------- JSON


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Return ``plan`` as plain JSON-ready data (defaults included)."""
    return _to_data(plan)


def plan_to_wire(plan: Plan) -> dict[str, Any]:
    """``plan`` as compact data for a workflow input: fields at their default are left out.

    :func:`plan_from_dict` restores them, so the Plan (and its sha256, taken over
    :func:`plan_to_dict`) is the same, and every lead's start event and every cached
    lead's input carry only what differs from the defaults.
    """
    return _to_wire(plan)


PACKED = "packed"
"""The one key of a packed plan (:func:`plan_for_input`)."""
MAX_PLAN_BYTES = 16 * 1024 * 1024
"""The most a packed plan may unpack to: a bound on what a worker inflates (a cadence file is at most 1 MiB)."""


def plan_for_input(plan: Plan) -> dict[str, str]:
    """``plan`` as a lead's workflow input carries it from interpreter generation 2 on: packed.

    :func:`plan_to_wire` data as zlib-compressed JSON in base64, about a third of the
    plain JSON (32 KiB of enterprise-nurture become 11 KiB): every lead's start event,
    every continue-as-new and every cached lead carry it, so enrollment writes that much
    less (benchmarks/README.md). :func:`plan_from_dict` reads both forms. The same plan object is
    packed once (the text is kept for the next call).

    Raises:
        PlanTooLarge: when the plan's JSON is over :data:`MAX_PLAN_BYTES`, which no worker would unpack.
    """
    hit = _PACKED_CACHE.get(id(plan))
    if hit is not None and hit[0] is plan:
        return {PACKED: hit[1]}
    text = json.dumps(plan_to_wire(plan), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    _check_size(plan, len(text))
    packed = base64.b64encode(zlib.compress(text, 9)).decode("ascii")
    if len(_PACKED_CACHE) >= _PLAN_CACHE_SIZE:
        _PACKED_CACHE.pop(next(iter(_PACKED_CACHE)), None)
    # The entry holds the plan, so its id cannot be reused while it is kept.
    _PACKED_CACHE[id(plan)] = (plan, packed)
    return {PACKED: packed}


_PACKED_CACHE: dict[int, tuple[Plan, str]] = {}
"""Packed text of the plans packed lately, by identity (a plan is immutable): a version is compressed once
per process, not once per lead that enrollment or a migration sends it to, nor at every continue-as-new of
a worker's leads (they share one parsed plan per version, :func:`plan_from_dict_cached`)."""


class PlanTooLarge(Refusal, ValueError):
    """A compiled plan is over :data:`MAX_PLAN_BYTES` of JSON: no worker would unpack it."""


def _check_size(plan: Plan, size: int) -> None:
    if size > MAX_PLAN_BYTES:
        raise PlanTooLarge(f"the compiled plan of {plan.name} is over {MAX_PLAN_BYTES // (1024 * 1024)} MiB of JSON; "
                           "split it into smaller cadences")


def _is_packed(data: Any) -> bool:
    """Whether ``data`` is a packed plan: one key, :data:`PACKED`, with text."""
    return isinstance(data, dict) and len(data) == 1 and isinstance(data.get(PACKED), str)


def unpacked(data: Any) -> Any:
    """``data`` as plain plan data: a packed plan (:func:`plan_for_input`) unpacked, anything else as it is.

    Raises:
        ValueError: when a packed plan is not base64 of zlib-compressed JSON, or unpacks to
            more than :data:`MAX_PLAN_BYTES`.
    """
    if not _is_packed(data):
        return data
    try:
        inflate = zlib.decompressobj()
        text = inflate.decompress(base64.b64decode(data[PACKED], validate=True), MAX_PLAN_BYTES)
        if inflate.unconsumed_tail:
            raise ValueError(f"a packed plan unpacks to more than {MAX_PLAN_BYTES} bytes")
        if not inflate.eof:
            raise ValueError("a packed plan is cut short")
        return json.loads(text.decode("utf-8"))
    except (binascii.Error, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"a packed plan is not base64 of zlib-compressed JSON: {err}") from None


def plan_from_dict(data: dict[str, Any]) -> Plan:
    """Rebuild a :class:`Plan` from :func:`plan_to_dict`, :func:`plan_to_wire` or :func:`plan_for_input` output.

    Raises:
        ValueError: when the data is not a Plan of this format.
    """
    data = unpacked(data)
    if not isinstance(data, dict) or data.get("format") != PLAN_FORMAT:
        raise ValueError(f"not a cadence plan of format {PLAN_FORMAT}")
    return _from_data(Plan, data)


def action_to_dict(action: Action) -> dict[str, Any]:
    """Return ``action`` as JSON-ready data."""
    return _to_data(action)


def action_from_dict(data: dict[str, Any]) -> Action:
    """Rebuild an action from :func:`action_to_dict` output."""
    return _from_data(Action, data)


_PLAN_CACHE: dict[str, Plan] = {}
_PLAN_CACHE_SIZE = 64


def plan_from_dict_cached(data: dict[str, Any]) -> Plan:
    """:func:`plan_from_dict`, shared between leads pinned to the same sealed version.

    Plans are immutable and keyed by their sha256 (a packed plan by its text, so it is
    unpacked once), so every lead on a version (and every replay) reuses one parsed Plan
    instead of rebuilding it.
    """
    if _is_packed(data):
        key = data[PACKED]
    elif not isinstance(data, dict) or not data.get("sha256"):
        return plan_from_dict(data)
    else:
        # A track carries its parent's tracks after a switch (same sha256, more content): key on both.
        key = ":".join([data["sha256"], *(str(t.get("sha256")) for t in data.get("tracks") or ()
                                          if isinstance(t, dict))])
    plan = _PLAN_CACHE.get(key)
    if plan is None:
        plan = plan_from_dict(data)
        if len(_PLAN_CACHE) >= _PLAN_CACHE_SIZE:
            _PLAN_CACHE.pop(next(iter(_PLAN_CACHE)), None)
        _PLAN_CACHE[key] = plan
    return plan


LATER_FIELDS: tuple[str, ...] = ("inbound",)
"""Plan fields added after cadence files were in use. At their default they are left out of the version's
content, so a file that does not use them keeps the version it had (leads and records name it)."""


def canonical_json(plan: Plan) -> str:
    """Canonical JSON of ``plan``: sorted keys, no whitespace, UTF-8 text (what its version is the hash of)."""
    data = plan_to_dict(plan)
    for part, plain in ((plan, data), *zip(plan.tracks, data.get("tracks") or ())):
        for name in LATER_FIELDS:
            if getattr(part, name) == _LATER_DEFAULTS[name]:
                del plain[name]
        if part.schedule.spread is None:  # added later too: files without it keep their versions
            del plain["schedule"]["spread"]
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def seal(plan: Plan) -> Plan:
    """Return ``plan`` with :attr:`Plan.sha256` set from its content.

    Raises:
        PlanTooLarge: when the plan's canonical JSON is over :data:`MAX_PLAN_BYTES`.
    """
    text = canonical_json(dataclasses.replace(plan, sha256="")).encode("utf-8")
    _check_size(plan, len(text))  # refused where it is compiled, before anything connects or enrolls
    return dataclasses.replace(plan, sha256=hashlib.sha256(text).hexdigest())


_LATER_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(Plan) if f.name in LATER_FIELDS}


def _to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_to_data(v) for v in value]
    return value


_ALWAYS_ON_WIRE = frozenset({"kind", "format"})
"""Fields kept at their default too: they tell union members and plan formats apart."""


def _to_wire(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if f.name not in _ALWAYS_ON_WIRE and (
                    (f.default is not dataclasses.MISSING and v == f.default)
                    or (f.default_factory is not dataclasses.MISSING and v == f.default_factory())):
                continue
            out[f.name] = _to_wire(v)
        return out
    if isinstance(value, (tuple, list)):
        return [_to_wire(v) for v in value]
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = typing.get_type_hints(cls, vars(sys.modules[__name__]))
        _HINTS[cls] = hints
    return hints


def _from_data(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        members = typing.get_args(tp)
        if data is None and type(None) in members:
            return None
        non_none = [m for m in members if m is not type(None)]
        if len(non_none) == 1:  # Optional[X]: no kind needed (Duration, BusinessHours)
            return _from_data(non_none[0], data)
        dataclass_members = [m for m in members if dataclasses.is_dataclass(m)]
        if dataclass_members:
            if not isinstance(data, dict) or "kind" not in data:
                raise ValueError(f"expected an object with a kind, got {data!r}")
            for m in dataclass_members:
                if _kind_of(m) == data["kind"]:
                    return _from_data(m, data)
            raise ValueError(f"unknown kind {data['kind']!r}")
        return _from_data(next(m for m in members if m is not type(None)), data)
    if origin is tuple:
        (item, *_rest) = typing.get_args(tp)
        return tuple(_from_data(item, v) for v in data)
    if origin is Literal:
        if data not in typing.get_args(tp):
            raise ValueError(f"{data!r} is not one of {typing.get_args(tp)}")
        return data
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ValueError(f"expected an object for {tp.__name__}, got {data!r}")
        hints = _hints(tp)
        kwargs = {f.name: _from_data(hints[f.name], data[f.name]) for f in dataclasses.fields(tp) if f.name in data}
        return tp(**kwargs)
    return data


def _kind_of(cls: type) -> str:
    for f in dataclasses.fields(cls):
        if f.name == "kind":
            return f.default  # type: ignore[return-value]
    raise TypeError(f"{cls.__name__} has no kind")


__all__ = [
    "Acceptance",
    "Action",
    "ActionStep",
    "BusinessHours",
    "CallStep",
    "ContinueAction",
    "DEFAULT_CALL_DUE",
    "DEFAULT_CALL_OUTCOMES",
    "DEFAULT_QUALIFICATION",
    "DEFAULT_VOICEMAIL_DUE",
    "DEFAULT_VOICEMAIL_OUTCOMES",
    "DisqualifyAction",
    "Duration",
    "EVENT_KINDS",
    "DEFAULT_OUT_OF_OFFICE_PAUSE",
    "InboundRules",
    "SYSTEM_EVENT_KINDS",
    "EmailStep",
    "EmailVariant",
    "EventHandler",
    "GateRule",
    "GateStep",
    "GotoAction",
    "HandoffAction",
    "LetterStep",
    "LoopStep",
    "MAX_PLAN_BYTES",
    "NamedList",
    "OutcomeRule",
    "PACKED",
    "Plan",
    "PlanTooLarge",
    "PrequalRule",
    "Schedule",
    "Step",
    "TOUCH_KINDS",
    "TOUCH_STEPS",
    "TemplateSource",
    "TouchStep",
    "TrackAction",
    "VoicemailStep",
    "WaitStep",
    "action_from_dict",
    "action_to_dict",
    "canonical_json",
    "plan_for_input",
    "plan_from_dict",
    "plan_from_dict_cached",
    "plan_to_dict",
    "plan_to_wire",
    "seal",
    "template_paths",
    "unpacked",
]
