"""Validate cadence files: the JSON Schema plus every semantic rule, all errors collected.

The schema's errors come first; then each semantic rule (a ``check_*``
method) records located errors. Every rule guards the types it reads, so a
file that breaks the schema still gets its other problems reported, never a
traceback. Flow errors (unreachable steps, running past the end, cycles)
are left out while a step or an action is malformed: they would only echo it.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cadence import context, ir
from cadence import vocabulary as vocab
from cadence.addresses import InvalidAddress, parse_address
from cadence.lead import STANDARD_FIELDS
from cadence.dsl import expressions
from cadence.dsl.errors import CadenceError, CadenceWarning, sort_key
from cadence.dsl.graph import END, Flow
from cadence.dsl.lint.silence import silence_errors
from cadence.dsl.loader import Document, LoadError, PathT, load_file
from cadence.dsl.schema import label, schema_errors
from cadence.errors import did_you_mean

if TYPE_CHECKING:
    from cadence.dsl.lint.moves import StepGraph

STEP_KINDS = vocab.STEP_KINDS
DEFAULT_HANDOFF_TO = "{{ lead.owner }}"
YAML_SUFFIXES = (".yaml", ".yml")
MAX_TEMPLATE_BYTES = 1024 * 1024
"""The largest template file a cadence may use (as a cadence file: a bound on what is read and embedded in plans)."""
_TEMPLATE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")
_DID_YOU_MEAN = re.compile(r"did you mean '([^']*)'\?$")
_MISSING = re.compile(r"missing required field '([^']*)'")


@dataclass
class Session:
    """Caches shared by the files validated or compiled in one run (tracks are checked once)."""

    templates_dir: Path | None = None
    """Explicit templates directory (``--templates``); ``None`` finds one per file."""
    documents: dict[Path, Document] = field(default_factory=dict)
    results: dict[Path, list[CadenceError]] = field(default_factory=dict)
    warnings: dict[Path, list[CadenceWarning]] = field(default_factory=dict)
    _active: list[Path] = field(default_factory=list)
    _provisional: set[Path] = field(default_factory=set)
    _templates_dirs: dict[Path, Path | None] = field(default_factory=dict)
    _template_sources: dict[tuple[Path, str], str] = field(default_factory=dict)

    def validate(self, path: str | Path, display: str | None = None) -> list[CadenceError]:
        """Validate one file (its tracks too); every error, sorted by position."""
        key = Path(os.path.abspath(path))
        if key in self.results:
            return self.results[key]
        if key in self._active:  # a track cycle: judged by the outer call
            # The files checked since then took this file as valid before it was judged: their verdicts
            # hold for this run only, and are not kept for a later question about them.
            self._provisional.update(self._active[self._active.index(key) + 1:])
            return []
        self._active.append(key)
        try:
            try:
                doc = load_file(path, display=display)
            except LoadError as exc:
                errors = [exc.error]
            else:
                self.documents[key] = doc
                errors = sorted(_Checker(doc, key, self).run(), key=sort_key)
        finally:
            self._active.pop()
        if key in self._provisional:
            self._provisional.discard(key)
        else:
            self.results[key] = errors
        return errors

    def lint(self, path: str | Path, display: str | None = None) -> list[CadenceWarning]:
        """The warnings of one file (validated first, with its tracks); none for a file with errors."""
        key = Path(os.path.abspath(path))
        if key not in self.warnings:
            from cadence.dsl.lint import lint_document

            errors = self.validate(path, display=display)
            self.warnings[key] = [] if errors else lint_document(self.documents[key], key, self.templates_for(key),
                                                                 self._track_moves)
        return self.warnings[key]

    def _track_moves(self, cadence_path: Path, name: str) -> tuple[Path, StepGraph] | None:
        """The file and moves of track ``name`` of ``cadence_path``, when it is valid."""
        from cadence.dsl.lint.moves import build

        target = track_path(cadence_path, name)
        if target is None:
            return None
        key = Path(os.path.abspath(target))
        if self.validate(target) or key not in self.documents:
            return None
        return key, build(self.documents[key].data)

    def templates_for(self, cadence_path: Path) -> Path | None:
        """The templates directory for a cadence file: explicit, else the nearest ``templates/`` above it."""
        if self.templates_dir is not None:
            return self.templates_dir
        folder = Path(os.path.abspath(cadence_path)).parent
        if folder not in self._templates_dirs:
            self._templates_dirs[folder] = find_templates_dir(cadence_path)
        return self._templates_dirs[folder]

    def template_source(self, templates_dir: Path, rel: str) -> str:
        """The text of template ``rel`` under ``templates_dir``, read once per session (steps and files share templates).

        Raises:
            OSError, UnicodeDecodeError: as :meth:`pathlib.Path.read_text` (not kept: asked again, read again).
            TemplateTooLarge: when the file is over :data:`MAX_TEMPLATE_BYTES` (nothing of it is read).
        """
        source = self._template_sources.get((templates_dir, rel))
        if source is None:
            with open(templates_dir / rel, encoding="utf-8") as fh:
                if os.fstat(fh.fileno()).st_size > MAX_TEMPLATE_BYTES:
                    raise TemplateTooLarge(rel)
                source = fh.read()
            self._template_sources[(templates_dir, rel)] = source
        return source


class TemplateTooLarge(Exception):
    """A template file is over :data:`MAX_TEMPLATE_BYTES` (the validator reports it where the template is named)."""


def find_templates_dir(cadence_path: Path) -> Path | None:
    """The nearest ``templates/`` directory walking up from the file's directory."""
    for folder in Path(os.path.abspath(cadence_path)).parents:
        candidate = folder / "templates"
        if candidate.is_dir():
            return candidate
    return None


def validate_file(path: str | Path, templates_dir: str | Path | None = None) -> list[CadenceError]:
    """Validate the cadence file at ``path``.

    Args:
        path: the cadence YAML file.
        templates_dir: where templates live; default: the nearest ``templates/``
            directory walking up from the file's directory.

    Returns:
        Every error found (empty when the file is valid), sorted by position.
    """
    return Session(Path(templates_dir) if templates_dir is not None else None).validate(path)


def track_path(cadence_path: Path, name: str) -> Path | None:
    """The file a ``track: NAME`` refers to (``<same dir>/NAME.yaml`` or ``.yml``), if it exists."""
    for suffix in YAML_SUFFIXES:
        candidate = cadence_path.parent / f"{name}{suffix}"
        try:
            if candidate.is_file():
                return candidate
        except OSError:  # a name no file system takes (too long, a NUL): no such file
            continue
    return None


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _str_list(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class _Checker:
    """The semantic rules of one document."""

    def __init__(self, doc: Document, path: Path, session: Session) -> None:
        self.doc = doc
        self.data = doc.data
        self.path = path
        self.session = session
        self.errors: list[CadenceError] = []
        raw_steps = self.data.get("steps")
        self.steps: list[Any] = raw_steps if isinstance(raw_steps, list) else []
        self.ids: dict[str, int] = {}
        for i, step in enumerate(self.steps):
            if isinstance(step, dict) and _is_str(step.get("id")):
                self.ids.setdefault(step["id"], i)
        self.reasons = set(_str_list(self.data.get("disqualify_reasons"))) | {vocab.OPTED_OUT}
        qualification = self.data.get("qualification")
        self.attributes = set(_str_list(qualification)) if isinstance(qualification, list) else set(ir.DEFAULT_QUALIFICATION)
        self.lead_fields = set(STANDARD_FIELDS) | set(_str_list(self.data.get("lead_fields")))
        lists = self.data.get("lists")
        self.lists = set(lists) if isinstance(lists, dict) else set()
        self.flow = Flow(len(self.steps))
        self.broken = False
        """Set when a step or action is malformed: flow errors would only echo it."""
        self.templates_dir = session.templates_for(path)

    def fail(self, path: PathT, message: str, hint: str = "", *, key: bool = False) -> None:
        self.errors.append(self.doc.error(path, message, hint, key=key))

    def run(self) -> list[CadenceError]:
        self.errors.extend(schema_errors(self.doc))
        self.errors.extend(silence_errors(self.doc))
        self.check_schedule()
        self.check_prequalify()
        self.check_events()
        self.check_acceptance()
        self.check_inbound()
        self.check_steps()
        if not self.broken:
            self.check_flow()
        return _without_echoes(self.errors)

    # -- schedule --------------------------------------------------------------
    def check_schedule(self) -> None:
        sched = self.data.get("schedule")
        if not isinstance(sched, dict):
            return
        from cadence import schedule as sched_mod

        tz = sched.get("timezone")
        if _is_str(tz) and tz != "lead" and not sched_mod.is_valid_timezone(tz):
            self.fail(("schedule", "timezone"), f"schedule.timezone: '{tz}' is not a time zone", "use 'lead' or an IANA zone like America/New_York")
        default = sched.get("default_timezone")
        if _is_str(default) and not sched_mod.is_valid_timezone(default):
            self.fail(("schedule", "default_timezone"), f"schedule.default_timezone: '{default}' is not a time zone",
                      "use an IANA zone like America/New_York")
        if tz == "lead" and "default_timezone" not in sched:
            self.fail(("schedule",), "schedule: missing 'default_timezone' (needed when timezone is 'lead')",
                      "it is used for leads without a time zone, like America/New_York")
        hours = sched.get("business_hours")
        if _is_str(hours):
            try:
                sched_mod.parse_business_hours(hours)
            except ValueError as exc:
                self.fail(("schedule", "business_hours"), f"schedule.business_hours: {exc}")
        spread = sched.get("spread")
        self.check_duration(("schedule", "spread"), spread)
        if _is_str(spread) and _duration_problem(spread) is None \
                and sched_mod.parse_duration(spread).unit not in ("minutes", "hours"):
            self.fail(("schedule", "spread"), f"schedule.spread: '{spread}' is longer than a window's day; "
                      "write minutes or hours, like '20 minutes'")
        holidays = sched.get("holidays")
        items = [(("schedule", "holidays"), holidays)] if _is_str(holidays) else [
            (("schedule", "holidays", i), h) for i, h in enumerate(holidays) if _is_str(h)] if isinstance(holidays, list) else []
        for where, name in items:
            if name in sched_mod.HOLIDAY_SETS:
                continue
            if name[:1].isdigit():
                try:
                    # fromisoformat also reads '2027-W01-1' and '20270101': only YYYY-MM-DD reads back the same.
                    if datetime.date.fromisoformat(name).isoformat() == name:
                        continue
                except ValueError:
                    pass
                self.fail(where, f"{label(where)}: '{name}' is not a date", "write dates as YYYY-MM-DD")
                continue
            self.fail(where, f"{label(where)}: unknown holiday set '{name}'{did_you_mean(name, sched_mod.HOLIDAY_SETS)}",
                      f"shipped sets: {', '.join(sorted(sched_mod.HOLIDAY_SETS))}")

    def check_duration(self, path: PathT, value: Any) -> None:
        if not _is_str(value):
            return
        problem = _duration_problem(value)
        if problem is not None:
            self.fail(path, f"{label(path)}: {problem}")

    # -- prequalify and events ---------------------------------------------------
    def check_prequalify(self) -> None:
        rules = self.data.get("prequalify")
        if not isinstance(rules, list):
            return
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict):
                continue
            where = ("prequalify", i)
            if _is_str(rule.get("reject_if")):
                self.check_expression(where + ("reject_if",), rule["reject_if"], context.PREQUAL_NAMES, "pre-qualification rules")
            self.check_reason(where + ("reason",), rule.get("reason"))

    def check_events(self) -> None:
        events = self.data.get("on")
        if not isinstance(events, dict):
            return
        for event, action in events.items():
            if event in ir.EVENT_KINDS:
                self.check_action(("on", event), action, source=None, events=True)

    def check_acceptance(self) -> None:
        acceptance = self.data.get("acceptance")
        if not isinstance(acceptance, dict):
            return
        self.check_duration(("acceptance", "deadline"), acceptance.get("deadline"))
        if _is_str(acceptance.get("recycle")):
            self.check_track_target(("acceptance", "recycle"), acceptance["recycle"])

    def check_inbound(self) -> None:
        inbound = self.data.get("inbound")
        if isinstance(inbound, dict):
            self.check_duration(("inbound", "out_of_office_pause"), inbound.get("out_of_office_pause"))

    # -- steps -------------------------------------------------------------------
    def check_steps(self) -> None:
        first_line: dict[str, int] = {}
        for i, step in enumerate(self.steps):
            if not isinstance(step, dict):
                self.broken = True
                continue
            where: PathT = ("steps", i)
            step_id = step.get("id")
            if _is_str(step_id):
                if step_id in first_line:
                    self.fail(where + ("id",), f"steps[{i}].id: duplicate step id '{step_id}' (first used at line {first_line[step_id]})",
                              "step ids must be unique")
                else:
                    first_line[step_id] = self.doc.where(where + ("id",))[0]
            kinds = [k for k in STEP_KINDS if k in step]
            name = f"steps[{i}]: step '{step_id}'" if _is_str(step_id) else f"steps[{i}]: step"
            if not kinds:
                if "wait" in step:
                    self.check_duration(where + ("wait",), step["wait"])
                    self.flow.add(i, i + 1, where)
                else:
                    self.broken = True
                    self.fail(where, f"{name} does nothing: give it one of {', '.join(STEP_KINDS)} or wait")
                continue
            if len(kinds) > 1:
                self.broken = True
                self.fail(where + (kinds[1],), f"{name} has both '{kinds[0]}' and '{kinds[1]}'; a step does one thing",
                          "split it into two steps", key=True)
                continue
            kind = kinds[0]
            if "wait" in step:
                if kind in vocab.TOUCH_KINDS:
                    self.check_duration(where + ("wait",), step["wait"])
                else:
                    self.fail(where + ("wait",), f"{name}: 'wait' only follows a touch (email, call, voicemail, letter), not a {kind} step",
                              "add a separate wait step", key=True)
            getattr(self, f"check_{kind}")(i, where + (kind,), step[kind])

    def check_email(self, i: int, where: PathT, email: Any) -> None:
        self.flow.add(i, i + 1, where)
        if not isinstance(email, dict):
            return
        variants = email.get("variants")
        if not isinstance(variants, list) or not variants:
            for key in ("template", "subject"):
                if key not in email:
                    self.fail(where, f"{label(where)}: missing required field '{key}'", "or give A/B 'variants'")
        self.check_template(where + ("template",), email.get("template"))
        self.check_inline(where + ("subject",), email.get("subject"))
        for key in ("from", "reply_to"):
            self.check_address(where + (key,), email.get(key))
        self.check_duration(where + ("retry_for",), email.get("retry_for"))
        if "on_failure" in email:
            self.check_action(where + ("on_failure",), email["on_failure"], source=i)
        if isinstance(variants, list):
            names: set[str] = set()
            for v, variant in enumerate(variants):
                if not isinstance(variant, dict):
                    continue
                vpath = where + ("variants", v)
                name = variant.get("name")
                if _is_str(name):
                    if name in names:
                        self.fail(vpath + ("name",), f"{label(vpath)}.name: duplicate variant name '{name}'")
                    names.add(name)
                self.check_template(vpath + ("template",), variant.get("template"))
                self.check_inline(vpath + ("subject",), variant.get("subject"))

    def check_address(self, where: PathT, text: Any) -> None:
        """A sender or reply-to address, by the rule the email channel sends with (else every send would fail)."""
        if not _is_str(text):
            return  # the schema reports a value that is not text
        try:
            parse_address(text)
        except InvalidAddress:
            self.fail(where, f"{label(where)}: {text[:80]!r} is not a valid email address",
                      "write an address like 'Dana Whitfield <dana@example.com>'")

    def check_call(self, i: int, where: PathT, call: Any) -> None:
        self.check_task(i, where, call, "brief", ir.DEFAULT_CALL_OUTCOMES)

    def check_voicemail(self, i: int, where: PathT, voicemail: Any) -> None:
        self.check_task(i, where, voicemail, "script", ir.DEFAULT_VOICEMAIL_OUTCOMES)

    def check_task(self, i: int, where: PathT, task: Any, template_key: str, default_outcomes: tuple[str, ...]) -> None:
        self.flow.add(i, i + 1, where)
        if not isinstance(task, dict):
            return
        self.check_template(where + (template_key,), task.get(template_key))
        self.check_duration(where + ("due",), task.get("due"))
        outcomes = task["outcomes"] if isinstance(task.get("outcomes"), list) else list(default_outcomes)
        on_outcome = task.get("on_outcome")
        if isinstance(on_outcome, dict):
            for outcome, action in on_outcome.items():
                opath = where + ("on_outcome", outcome)
                if outcome not in outcomes:
                    self.fail(opath, f"{label(where)}.on_outcome: '{outcome}' is not an outcome of this step{did_you_mean(outcome, outcomes)}",
                              f"outcomes: {', '.join(str(o) for o in outcomes)}", key=True)
                self.check_action(opath, action, source=i)
        if "on_missed" in task:
            self.check_action(where + ("on_missed",), task["on_missed"], source=i)

    def check_letter(self, i: int, where: PathT, letter: Any) -> None:
        self.flow.add(i, i + 1, where)
        if isinstance(letter, dict):
            self.check_template(where + ("template",), letter.get("template"))

    def check_gate(self, i: int, where: PathT, rules: Any) -> None:
        if not isinstance(rules, list):
            self.broken = True
            return
        else_at: list[int] = []
        for r, rule in enumerate(rules):
            if not isinstance(rule, dict):
                self.broken = True
                continue
            rpath = where + (r,)
            actions = [k for k in vocab.ACTION_KINDS if k in rule]
            if "else" in rule:
                else_at.append(r)
                if "if" in rule or actions:
                    extra = "if" if "if" in rule else actions[0]
                    self.fail(rpath + (extra,), f"{label(rpath)}: an 'else' rule holds only its action, found '{extra}' too",
                              "write: - else: {goto: STEP}", key=True)
                self.check_action(rpath + ("else",), rule["else"], source=i)
                continue
            if "if" not in rule:
                if actions:
                    self.fail(rpath, f"{label(rpath)}: rule has no 'if' condition", "add 'if: CONDITION', or make it '- else: ACTION'")
            elif _is_str(rule["if"]):
                self.check_expression(rpath + ("if",), rule["if"], context.CONDITION_NAMES, "gate conditions")
            if not actions:
                self.broken = True
                if "if" in rule:
                    self.fail(rpath, f"{label(rpath)}: rule has a condition but no action", f"add one of {', '.join(vocab.ACTION_KINDS)}")
                elif not rule:  # an empty rule ({}) passes the schema and would reach the compiler
                    self.fail(rpath, f"{label(rpath)}: empty rule", "write '- if: CONDITION' with an action, or '- else: ACTION'")
                continue
            if len(actions) > 1:
                self.broken = True
                self.fail(rpath + (actions[1],), f"{label(rpath)}: a rule does one thing; found '{actions[0]}' and '{actions[1]}'", key=True)
                continue
            self.check_action(rpath, {actions[0]: rule[actions[0]]}, source=i)
        if not else_at:
            self.broken = True
            self.fail(where, f"{label(where)}: gate has no 'else' rule", "end the gate with '- else: continue' or another action")
        for r in else_at[1:]:
            self.fail(where + (r,), f"{label(where + (r,))}: a gate has exactly one 'else' rule; this is another")
        if else_at and else_at[0] != len(rules) - 1:
            self.fail(where + (else_at[0],), f"{label(where + (else_at[0],))}: 'else' must be the last rule of the gate",
                      "rules after 'else' can never apply")

    def check_loop(self, i: int, where: PathT, loop: Any) -> None:
        if not isinstance(loop, dict):
            self.broken = True
            return
        back_to = loop.get("back_to")
        if _is_str(back_to):
            target = self.ids.get(back_to)
            if target is None:
                self.unknown_step(where + ("back_to",), back_to)
            elif target >= i:
                self.broken = True
                self.fail(where + ("back_to",), f"{label(where)}.back_to: '{back_to}' is not an earlier step",
                          "a loop goes back to a step above it; use goto to jump forward")
            else:
                self.flow.add(i, target, where + ("back_to",), loop=True)
        self.check_duration(where + ("every",), loop.get("every"))
        self.check_action(where + ("then",), loop.get("then", "continue"), source=i)

    def check_handoff(self, i: int, where: PathT, value: Any) -> None:
        self.check_action(where[:-1], {"handoff": value}, source=i)

    def check_disqualify(self, i: int, where: PathT, value: Any) -> None:
        self.check_action(where[:-1], {"disqualify": value}, source=i)

    def check_goto(self, i: int, where: PathT, value: Any) -> None:
        self.check_action(where[:-1], {"goto": value}, source=i)

    def check_track(self, i: int, where: PathT, value: Any) -> None:
        self.check_action(where[:-1], {"track": value}, source=i)

    # -- actions -----------------------------------------------------------------
    def check_action(self, where: PathT, action: Any, *, source: int | None, events: bool = False) -> None:
        """Check an action's target; record its move in the flow (``source`` None: an event handler)."""
        if action == "continue":
            if source is not None:
                self.flow.add(source, source + 1, where)
            return
        if not isinstance(action, dict) or len(action) != 1:
            self.broken = True
            return
        ((key, value),) = action.items()
        vpath = where + (key,)
        if key in ("goto", "reassess") and not _is_str(value):
            self.broken = True
        if key in ("goto", "reassess") and _is_str(value):
            target = self.ids.get(value)
            if target is None:
                self.unknown_step(vpath, value)
                return
            if key == "reassess":
                step = self.steps[target]
                if isinstance(step, dict) and "gate" not in step:
                    self.fail(vpath, f"{label(vpath)}: step '{value}' is not a gate; reassess needs a gate step",
                              "use goto to jump to a step that is not a gate")
            if source is None:
                self.flow.entries.append(target)
            else:
                self.flow.add(source, target, vpath)
        elif key == "disqualify":
            self.check_reason(vpath, value)
        elif key == "handoff" and isinstance(value, dict):
            self.check_inline(vpath + ("to",), value.get("to"))
        elif key == "track" and _is_str(value):
            self.check_track_target(vpath, value)

    def unknown_step(self, where: PathT, name: str) -> None:
        self.broken = True
        self.fail(where, f"{label(where)}: unknown step '{name}'{did_you_mean(name, self.ids)}",
                  "" if did_you_mean(name, self.ids) else f"step ids: {', '.join(self.ids) or 'none'}")

    def check_reason(self, where: PathT, reason: Any) -> None:
        if _is_str(reason) and reason not in self.reasons:
            declared = sorted(self.reasons)
            self.fail(where, f"{label(where)}: disqualify reason '{reason}' is not declared{did_you_mean(reason, declared)}",
                      f"add it to disqualify_reasons; declared: {', '.join(declared)}")

    def check_track_target(self, where: PathT, name: str) -> None:
        target = track_path(self.path, name)
        if target is None:
            siblings = sorted(p.stem for p in self.path.parent.iterdir() if p.suffix in YAML_SUFFIXES and p != self.path)
            self.fail(where, f"{label(where)}: no cadence file '{name}.yaml' next to this file{did_you_mean(name, siblings)}",
                      "a track is another cadence file in the same directory, named without .yaml")
            return
        shown = os.path.join(os.path.dirname(self.doc.file), target.name)
        errors = self.session.validate(target, display=shown)
        if errors:
            count = len(errors)
            self.fail(where, f"{label(where)}: track '{name}' is invalid ({count} error{'s' if count > 1 else ''} in {shown})",
                      f"run: cadence validate {shown}")
            return
        doc = self.session.documents.get(Path(os.path.abspath(target)))
        if doc is not None and doc.data.get("cadence") != name:
            self.fail(where, f"{label(where)}: {target.name} is named '{doc.data.get('cadence')}' inside; a track's name must match its file name",
                      f"set 'cadence: {name}' in {shown} or rename the file")

    # -- templates and expressions -------------------------------------------------
    def check_template(self, where: PathT, rel: Any) -> None:
        if not _is_str(rel) or not rel:
            return
        if self.templates_dir is None:
            self.fail(where, f"{label(where)}: cannot find template '{rel}': no templates/ directory above this file",
                      "pass --templates DIR")
            return
        if not _TEMPLATE_PATH.match(rel):
            return  # the schema reported it
        if ".." in rel.split("/"):
            self.fail(where, f"{label(where)}: template path '{rel}' must stay inside the templates directory", "no '..' or leading '/'")
            return
        try:
            source = self.session.template_source(self.templates_dir, rel)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            known = _template_names(self.templates_dir)
            self.fail(where, f"{label(where)}: template '{rel}' not found in {_display_dir(self.templates_dir)}{did_you_mean(rel, known)}")
            return
        except TemplateTooLarge:
            self.fail(where, f"{label(where)}: template '{rel}' is larger than {MAX_TEMPLATE_BYTES // 1024} KiB",
                      "link large images and documents instead of embedding them")
            return
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(where, f"{label(where)}: cannot read template '{rel}': {getattr(exc, 'strerror', None) or exc}")
            return
        facts = expressions.template_facts(source, rel)
        self.check_facts(where, facts, context.TEMPLATE_NAMES, "templates", template=rel)

    def check_inline(self, where: PathT, text: Any) -> None:
        if _is_str(text) and "{" in text:
            self.check_facts(where, expressions.template_facts(text), context.TEMPLATE_NAMES, "templates")

    def check_expression(self, where: PathT, source: str, names: frozenset[str], what: str) -> None:
        self.check_facts(where, expressions.expression_facts(source), names, what)

    def check_facts(self, where: PathT, facts: expressions.Facts, names: frozenset[str], what: str,
                    template: str | None = None) -> None:
        """Report what a template (file or inline) or an expression uses that the cadence does not offer."""

        def loc(line: int) -> str:
            return f"{label(where)}: template '{template}' line {line}" if template else label(where)

        if facts.error is not None:
            line, message = facts.error
            self.fail(where, f"{loc(line)}: syntax error: {message}")
            return
        for line in facts.imports:
            self.fail(where, f"{loc(line)}: include, extends and import are not supported", "each template stands alone")
        for name, line in facts.unsafe:
            self.fail(where, f"{loc(line)}: '{name}' is not allowed: templates and conditions cannot reach Python "
                             "internals or change data", "use lead fields, lists and the names the cadence offers")
        for name, line in facts.names:
            if name not in names:
                self.fail(where, f"{loc(line)}: unknown variable '{name}'{did_you_mean(name, names)}",
                          f"{what} may use: {', '.join(sorted(names))}")
        for name, line in facts.lead_fields:
            if name not in self.lead_fields:
                self.fail(where, f"{loc(line)}: unknown lead field '{name}'{did_you_mean(name, self.lead_fields)}",
                          "declare custom fields under lead_fields")
        for name, line in facts.lists:
            if name not in self.lists:
                self.fail(where, f"{loc(line)}: unknown list '{name}'{did_you_mean(name, self.lists)}", "declare it under lists")
        for name, line in facts.attributes:
            if name not in self.attributes:
                self.fail(where, f"{loc(line)}: '{name}' is not a qualification attribute of this cadence{did_you_mean(name, self.attributes)}",
                          "declare it under qualification")

    # -- flow ----------------------------------------------------------------------
    def check_flow(self) -> None:
        if not self.steps:
            return
        reachable = self.flow.reachable()
        # Report where unreachable code starts, not every step that follows it.
        fed = {e.target for e in self.flow.edges if e.source not in reachable}
        for i, step in enumerate(self.steps):
            if i not in reachable and i not in fed and isinstance(step, dict):
                name = step.get("id") if _is_str(step.get("id")) else f"steps[{i}]"
                self.fail(("steps", i), f"steps[{i}]: step '{name}' is never reached: no step, goto, loop or event leads to it",
                          "remove it or point a goto at it")
        if END in reachable:
            last = len(self.steps) - 1
            step = self.steps[last]
            name = step.get("id") if isinstance(step, dict) and _is_str(step.get("id")) else f"steps[{last}]"
            self.fail(("steps", last), f"steps[{last}]: the cadence can run past its last step '{name}'; every path must end in handoff, disqualify or track",
                      "add a final step such as '- id: give-up' with 'disqualify: no_response'")
        for members, edge in self.flow.unbounded_cycles(reachable):
            ids = [str(self.steps[m].get("id")) for m in members if isinstance(self.steps[m], dict)]
            self.fail(edge.path, f"{label(edge.path)}: steps {' -> '.join(repr(s) for s in ids)} can repeat forever: this cycle has no loop step",
                      "go back with a loop step: it has back_to, every and times, so it ends")


@lru_cache(maxsize=1024)
def _duration_problem(text: str) -> str | None:
    """Why ``text`` is not a duration, or ``None`` (files repeat their waits: parsed once each)."""
    from cadence import schedule as sched_mod

    try:
        sched_mod.parse_duration(text)
    except ValueError as exc:
        return str(exc)
    return None


def _without_echoes(errors: list[CadenceError]) -> list[CadenceError]:
    """Drop "missing required field 'x'" where an unknown field next to it is a typo of 'x'."""
    typos = {(e.path, m.group(1)) for e in errors if "unknown field" in e.message
             for m in [_DID_YOU_MEAN.search(e.message)] if m}
    out = []
    for e in errors:
        m = _MISSING.search(e.message)
        if m and any(path.startswith(e.path + ".") and name == m.group(1) for path, name in typos):
            continue
        out.append(e)
    return out


def _template_names(root: Path) -> list[str]:
    names = []
    for folder, _dirs, files in os.walk(root):
        for f in files:
            names.append(os.path.relpath(os.path.join(folder, f), root).replace(os.sep, "/"))
        if len(names) > 2000:
            break
    return names


def _display_dir(path: Path) -> str:
    try:
        return os.path.relpath(path) + "/"
    except ValueError:
        return str(path) + "/"


__all__ = ["MAX_TEMPLATE_BYTES", "STEP_KINDS", "Session", "TemplateTooLarge", "find_templates_dir", "track_path", "validate_file"]
