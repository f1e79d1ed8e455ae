"""The JSON Schema of cadence files, and its errors turned into located, actionable messages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from cadence import vocabulary as vocab
from cadence.dsl.conformance import Check, compile_schema
from cadence.dsl.errors import CadenceError
from cadence.dsl.loader import Document, PathT, json_path
from cadence.errors import did_you_mean

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_PATTERN_MESSAGES = {
    r"^[a-z0-9]+(-[a-z0-9]+)*$": ("must be lower-kebab-case: lowercase letters, digits and single dashes, like 'intro-call'", ""),
    r"^[a-z][a-z0-9_]*$": ("must be lower_snake_case, like 'no_response'", ""),
    r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$": ("must be a path under templates/, like 'emails/intro.html.j2'", "no leading '/', no spaces"),
    r"^(owner|rep:[A-Za-z0-9_.@-]+|queue:[A-Za-z0-9_.@-]+)$": ("must be 'owner', 'rep:NAME' or 'queue:NAME'", ""),
    r"^[a-z0-9_-]+$": ("must be lowercase letters, digits, '_' or '-'", ""),
}
_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "array": "a list",
    "object": "a mapping of fields",
    "boolean": "true or false",
    "null": "nothing",
}


def schema_text() -> str:
    """The JSON Schema (draft 2020-12) of cadence files, as shipped."""
    return resources.files("cadence").joinpath("schema/cadence.schema.json").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The JSON Schema of cadence files, parsed (shared; do not mutate)."""
    return json.loads(schema_text())


@lru_cache(maxsize=1)
def _inlined() -> dict[str, Any]:
    """The schema with every ``$ref`` inlined: it has no recursive references, and resolving them cost most of the time."""
    root = schema()
    inlined: dict[str, Any] = _inline(root, root)
    return inlined


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    """The schema validator, built once per process (against the inlined schema)."""
    # Imported here: valid files never need it (see conformance()), and importing it costs about 60 ms.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_inlined(), format_checker=None)


@lru_cache(maxsize=1)
def conformance() -> Check | None:
    """The schema compiled to a yes/no check (:mod:`cadence.dsl.conformance`); ``None`` if it cannot be."""
    return compile_schema(_inlined())


def _inline(node: Any, root: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inline(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = _inline(root["$defs"][ref.rsplit("/", 1)[1]], root)
        siblings = {k: _inline(v, root) for k, v in node.items() if k != "$ref"}
        return {**target, **siblings}
    return {k: _inline(v, root) for k, v in node.items() if k != "$defs"}


def schema_errors(doc: Document) -> list[CadenceError]:
    """Every schema violation of ``doc``, located and explained."""
    check = conformance()
    if check is not None and check(doc.data):
        return []  # the same verdict as jsonschema's, which is only needed to explain a violation
    out: list[CadenceError] = []
    seen: set[tuple[str, str]] = set()
    for error in validator().iter_errors(doc.data):
        for item in _explain(error, doc):
            if (item.path, item.message) not in seen:
                seen.add((item.path, item.message))
                out.append(item)
    return out


def label(path: PathT) -> str:
    """``steps[2].email`` for a path; ``cadence file`` for the root."""
    text = json_path(path)
    return text[2:] if len(text) > 1 else "cadence file"


def describe(value: Any) -> str:
    """A short human rendering of a YAML value's type and content."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{_short(value)}'"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _explain(error: ValidationError, doc: Document) -> Iterator[CadenceError]:
    path: PathT = tuple(error.absolute_path)
    where = label(path)
    kind = error.validator
    value = error.validator_value
    instance = error.instance
    sch = error.schema if isinstance(error.schema, dict) else {}
    if kind in ("anyOf", "oneOf"):
        yield from _explain_choice(error, doc, path)
    elif kind == "required":
        match = re.match(r"^'(.*)' is a required property$", error.message)
        name = match.group(1) if match else error.message
        yield doc.error(path, f"{where}: missing required field '{name}'")
    elif kind == "additionalProperties" and isinstance(instance, dict):
        allowed = list(sch.get("properties", {}))
        for key in instance:
            if key in allowed:
                continue
            noun = "event" if path == ("on",) else "field"
            hint = "" if did_you_mean(key, allowed) else f"allowed here: {', '.join(allowed)}"
            yield doc.error(path + (key,), f"{where}: unknown {noun} '{_short(key)}'{did_you_mean(key, allowed)}", hint, key=True)
    elif kind == "propertyNames":
        yield doc.error(path + (str(instance),), f"{where}: name '{_short(str(instance))}' must be lower_snake_case, like 'competitors'", key=True)
    elif kind == "type":
        expected = [value] if isinstance(value, str) else list(value)
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in expected)
        hint = ""
        if "string" in expected and isinstance(instance, (int, float, bool)):
            hint = "put the value in quotes"
            if sch.get("$ref") == "#/$defs/duration" or "duration" in str(sch.get("description", "")).lower() or path[-1:] in (("wait",), ("every",), ("due",)):
                hint = "write a number and a unit, like '5 days'"
        elif instance is None:
            hint = "the field is present but empty; give it a value or remove it"
        yield doc.error(path, f"{where}: expected {wanted}, got {describe(instance)}", hint)
    elif kind == "enum":
        options = ", ".join(str(v) for v in value)
        yield doc.error(path, f"{where}: '{_short(str(instance))}' is not one of: {options}{did_you_mean(instance, value)}")
    elif kind == "const":
        yield doc.error(path, f"{where}: expected '{value}', got {describe(instance)}")
    elif kind == "pattern":
        message, hint = _PATTERN_MESSAGES.get(value, (f"must match {value}", ""))
        yield doc.error(path, f"{where}: '{_short(str(instance))}' {message}", hint)
    elif kind == "minLength":
        text = "must not be empty" if value == 1 else f"must be at least {value} characters long"
        yield doc.error(path, f"{where}: {text}")
    elif kind == "maxLength":
        yield doc.error(path, f"{where}: is longer than {value} characters")
    elif kind == "minItems":
        text = "must not be empty" if value == 1 else f"needs at least {value} entries"
        yield doc.error(path, f"{where}: {text}")
    elif kind == "uniqueItems" and isinstance(instance, list):
        dupes = sorted({str(v) for i, v in enumerate(instance) if v in instance[:i]})
        yield doc.error(path, f"{where}: lists {', '.join(repr(d) for d in dupes)} more than once")
    elif kind in ("minimum", "exclusiveMinimum"):
        yield doc.error(path, f"{where}: must be at least {value}, got {instance}")
    elif kind in ("maximum", "exclusiveMaximum"):
        yield doc.error(path, f"{where}: must be at most {value}, got {instance}")
    elif kind in ("minProperties", "maxProperties") and sch.get("title") in ("action", "event action"):
        keys = list(sch.get("properties", {}))
        if kind == "minProperties":
            yield doc.error(path, f"{where}: empty action; give one of {', '.join(keys)}", "or write: continue")
        else:
            found = " and ".join(k for k in instance if k in keys) if isinstance(instance, dict) else ""
            yield doc.error(path, f"{where}: an action does one thing; found {found}", f"keep one of {', '.join(keys)}")
    else:
        yield doc.error(path, f"{where}: {error.message}")


def _explain_choice(error: ValidationError, doc: Document, path: PathT) -> Iterator[CadenceError]:
    """``continue`` or an action object: explain against the branch the author meant."""
    instance = error.instance
    if isinstance(instance, dict):
        branch = [e for e in error.context if e.validator != "const" and not (e.validator == "type" and not e.relative_path)]
        if branch:
            for sub in branch:
                yield from _explain(sub, doc)
            return
    keys = list(vocab.ACTION_KINDS)
    if "event_action" in str(error.schema_path) or path[:1] == ("on",):
        keys.append("reassess")
    hint = "like {goto: STEP} or {disqualify: REASON}"
    if isinstance(instance, str) and ":" in instance:
        hint = "write the action as a mapping: put a space after the colon, or use {key: value}"
    shown = describe(instance)
    yield doc.error(path, f"{label(path)}: expected 'continue' or an action ({', '.join(keys)}), got {shown}{did_you_mean(instance, ['continue']) if isinstance(instance, str) else ''}", hint)


__all__ = ["conformance", "describe", "label", "schema", "schema_errors", "schema_text", "validator"]
