"""A yes/no check of data against the cadence JSON Schema, compiled to plain Python.

``jsonschema`` explains every violation, which the validator needs for a file
that has some; but walking a valid 30-step file through it cost about 2 ms,
and importing it about 60 ms of every ``cadence validate`` process. This
module compiles the same (inlined) schema into nested closures that only
answer "valid or not", with jsonschema's semantics for each keyword: ``bool``
is not a number, ``1.0`` is an integer, ``enum``/``const``/``uniqueItems``
compare with ``True != 1``, ``pattern`` is :func:`re.search`. The validator
runs jsonschema only when this check says no, so the errors reported are
jsonschema's, unchanged.

A schema using a keyword outside :data:`SUPPORTED` does not compile
(:func:`compile_schema` returns ``None``) and every file goes through
jsonschema: slower, never wrong.
"""

from __future__ import annotations

import itertools
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Check = Callable[[Any], bool]
"""``check(instance)``: whether the instance satisfies one schema."""

ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$comment", "$schema", "$id", "deprecated",
                         "readOnly", "writeOnly", "markdownDescription",
                         # Annotation only: the validator is built without a format checker.
                         "format"})
"""Keywords that never make an instance invalid."""
SUPPORTED = frozenset({"type", "properties", "additionalProperties", "required", "minProperties", "maxProperties",
                       "propertyNames", "items", "minItems", "maxItems", "uniqueItems", "pattern", "minLength",
                       "maxLength", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                       "anyOf", "oneOf", "allOf", "not"}) | ANNOTATIONS
"""Keywords :func:`compile_schema` understands."""


class _Unsupported(Exception):
    """The schema uses a keyword (or a form of one) this module does not compile."""


def compile_schema(schema: Any) -> Check | None:
    """Compile ``schema`` (draft 2020-12, without ``$ref``) to a check; ``None`` when it uses other keywords.

    Args:
        schema: a JSON Schema as parsed JSON, every reference already inlined.

    Returns:
        A function telling whether an instance is valid, exactly as
        ``Draft202012Validator(schema, format_checker=None).is_valid`` would.
    """
    try:
        return _compile(schema)
    except _Unsupported:
        return None


def _always(_instance: Any) -> bool:
    return True


def _never(_instance: Any) -> bool:
    return False


def _compile(schema: Any) -> Check:
    if schema is True:
        return _always
    if schema is False:
        return _never
    if not isinstance(schema, dict):
        raise _Unsupported(repr(schema))
    unknown = set(schema) - SUPPORTED
    if unknown:
        raise _Unsupported(", ".join(sorted(unknown)))
    checks: list[Check] = []
    keywords = set(schema)
    # "type": "object" with object keywords is one closure (likewise arrays and strings): half the calls.
    single = schema.get("type") if isinstance(schema.get("type"), str) else None
    folded = {"object": bool(_OBJECT_KEYWORDS & keywords), "array": bool(_ARRAY_KEYWORDS & keywords),
              "string": bool(_STRING_KEYWORDS & keywords)}
    if "type" in schema and not (single is not None and folded.get(single)):
        checks.append(_type(schema["type"]))
    if "enum" in schema:
        checks.append(_enum(list(schema["enum"])))
    if "const" in schema:
        checks.append(_enum([schema["const"]]))
    if folded["object"]:
        checks.append(_object(schema, strict=single == "object"))
    if folded["array"]:
        checks.append(_array(schema, strict=single == "array"))
    if folded["string"]:
        checks.append(_string(schema, strict=single == "string"))
    if _NUMBER_KEYWORDS & set(schema):
        checks.append(_number(schema))
    if "anyOf" in schema:
        checks.append(_any([_compile(s) for s in schema["anyOf"]]))
    if "oneOf" in schema:
        choices = [_compile(s) for s in schema["oneOf"]]
        checks.append(lambda x: sum(1 for choice in choices if choice(x)) == 1)
    if "allOf" in schema:
        checks.extend(_compile(s) for s in schema["allOf"])
    if "not" in schema:
        negated = _compile(schema["not"])
        checks.append(lambda x: not negated(x))
    return _all(checks)


def _any(branches: list[Check]) -> Check:
    found = tuple(branches)

    def check(instance: Any) -> bool:
        for branch in found:
            if branch(instance):
                return True
        return False

    return check


def _enum(options: list[Any]) -> Check:
    if options and all(isinstance(option, str) for option in options):
        # jsonschema's equality with a text is ==, which no other type of YAML value passes.
        texts = frozenset(options)
        return lambda x: isinstance(x, str) and x in texts
    return lambda x: any(_equal(option, x) for option in options)


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    found = tuple(checks)

    def check(instance: Any) -> bool:
        for one in found:
            if not one(instance):
                return False
        return True

    return check


_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": lambda x: isinstance(x, numbers.Number) and not isinstance(x, bool),
    # Draft 4 and later: a float with no fractional part is an integer.
    "integer": lambda x: (isinstance(x, int) and not isinstance(x, bool)) or (isinstance(x, float) and x.is_integer()),
}


def _type(types: Any) -> Check:
    names = [types] if isinstance(types, str) else list(types)
    if any(name not in _TYPES for name in names):
        raise _Unsupported(f"type {types!r}")
    tests = [_TYPES[name] for name in names]
    if len(tests) == 1:
        return tests[0]
    return lambda x: any(test(x) for test in tests)


_OBJECT_KEYWORDS = frozenset({"properties", "additionalProperties", "required", "minProperties", "maxProperties",
                              "propertyNames"})
_ARRAY_KEYWORDS = frozenset({"items", "minItems", "maxItems", "uniqueItems"})
_STRING_KEYWORDS = frozenset({"pattern", "minLength", "maxLength"})
_NUMBER_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})


def _object(schema: dict[str, Any], *, strict: bool) -> Check:
    """The keywords of one kind; with ``strict``, also its ``type`` (anything else is invalid)."""
    properties = {name: _compile(sub) for name, sub in schema.get("properties", {}).items()}
    extra_schema = schema.get("additionalProperties", True)
    extra: Check | None = None if extra_schema is True else _compile(extra_schema)
    required = tuple(schema.get("required", ()))
    low = schema.get("minProperties")
    high = schema.get("maxProperties")
    names = _compile(schema["propertyNames"]) if "propertyNames" in schema else None

    def check(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return not strict
        for key in required:
            if key not in instance:
                return False
        if low is not None and len(instance) < low:
            return False
        if high is not None and len(instance) > high:
            return False
        get = properties.get
        for key, value in instance.items():
            sub = get(key)
            if sub is not None:
                if not sub(value):
                    return False
            elif extra is not None and not extra(value):
                return False
        if names is not None:
            for key in instance:
                if not names(key):
                    return False
        return True

    return check


def _array(schema: dict[str, Any], *, strict: bool) -> Check:
    """The keywords of one kind; with ``strict``, also its ``type`` (anything else is invalid)."""
    item = _compile(schema["items"]) if "items" in schema else None
    low = schema.get("minItems")
    high = schema.get("maxItems")
    unique = bool(schema.get("uniqueItems"))

    def check(instance: Any) -> bool:
        if not isinstance(instance, list):
            return not strict
        if low is not None and len(instance) < low:
            return False
        if high is not None and len(instance) > high:
            return False
        if item is not None:
            for value in instance:
                if not item(value):
                    return False
        return not unique or _unique(instance)

    return check


def _string(schema: dict[str, Any], *, strict: bool) -> Check:
    """The keywords of one kind; with ``strict``, also its ``type`` (anything else is invalid)."""
    search = re.compile(schema["pattern"]).search if "pattern" in schema else None
    low = schema.get("minLength")
    high = schema.get("maxLength")

    def check(instance: Any) -> bool:
        if not isinstance(instance, str):
            return not strict
        if low is not None and len(instance) < low:
            return False
        if high is not None and len(instance) > high:
            return False
        return search is None or search(instance) is not None

    return check


def _number(schema: dict[str, Any]) -> Check:
    low = schema.get("minimum")
    high = schema.get("maximum")
    above = schema.get("exclusiveMinimum")
    below = schema.get("exclusiveMaximum")
    is_number = _TYPES["number"]

    def check(instance: Any) -> bool:
        if not is_number(instance):
            return True
        if low is not None and instance < low:
            return False
        if high is not None and instance > high:
            return False
        if above is not None and instance <= above:
            return False
        return below is None or instance < below

    return check


# jsonschema's equality (jsonschema._utils.equal, uniq): True is not 1, sequences and mappings compare
# element by element with the same rule.
_TRUE = object()
_FALSE = object()


def _unbool(value: Any) -> Any:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return value


def _equal(one: Any, two: Any) -> bool:
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(_equal(a, b) for a, b in zip(one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(key in two and _equal(value, two[key]) for key, value in one.items())
    return bool(_unbool(one) == _unbool(two))


def _unique(items: list[Any]) -> bool:
    try:
        ordered = sorted(_unbool(item) for item in items)
        for a, b in zip(ordered, itertools.islice(ordered, 1, None)):
            if _equal(a, b):
                return False
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in items:
            item = _unbool(item)
            if any(_equal(other, item) for other in seen):
                return False
            seen.append(item)
    return True


__all__ = ["ANNOTATIONS", "SUPPORTED", "Check", "compile_schema"]
