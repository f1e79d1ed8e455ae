"""What a template or a condition refers to, read from its Jinja2 syntax tree.

The validator uses these facts to reject unknown variables, lead fields,
lists and qualification attributes at validate time, instead of a
``StrictUndefined`` failure in month two of a nurture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import jinja2
from jinja2 import nodes
from jinja2.parser import Parser

from cadence import templating

_JINJA_NAMES = frozenset({"loop", "self", "caller", "varargs", "kwargs", "super"})
# Dict methods usable on ``lead`` (``lead.get('industry_segment')``), not fields.
# Read-only mapping methods: `lead.get("x")`, `qualification.items()` name no field.
_LEAD_METHODS = frozenset({"get", "items", "keys", "values"})


@dataclass(frozen=True)
class Facts:
    """The names a template or an expression uses (line numbers are 1-based, within the source)."""

    error: tuple[int, str] | None = None
    """``(line, message)`` when the source does not parse."""
    names: tuple[tuple[str, int], ...] = ()
    """Top-level variables read, with the line of their first use."""
    lead_fields: tuple[tuple[str, int], ...] = ()
    """``lead.X`` / ``lead['X']`` / ``lead.get('X')`` fields."""
    lists: tuple[tuple[str, int], ...] = ()
    """``lists.X`` / ``lists['X']`` names."""
    attributes: tuple[tuple[str, int], ...] = ()
    """Qualification attributes named as text: ``'x' in qualified``, ``qualification.x``."""
    imports: tuple[int, ...] = ()
    """Lines of ``include``/``extends``/``import`` tags (unsupported: templates are embedded one by one)."""
    unsafe: tuple[tuple[str, int], ...] = ()
    """Attributes reaching Python internals (``__class__``, ``mro``) or mutating data (``append``); refused."""


@lru_cache(maxsize=4096)
def template_facts(source: str, name: str = "<string>") -> Facts:
    """Facts of the template text ``source``."""
    skeleton = _skeleton(source)
    if skeleton is None:
        return _parsed_facts(source, name)
    facts = _parsed_facts(skeleton, name)
    # Jinja's lexer names the character offset of what it could not read ("unexpected char '?' at 5"),
    # which the cut-down text moved: the text as written says where it is.
    return facts if facts.error is None else _parsed_facts(source, name)


@lru_cache(maxsize=4096)
def _parsed_facts(source: str, name: str) -> Facts:
    env = templating.environment()
    try:
        tree = env.parse(source, name=name)
    except jinja2.TemplateSyntaxError as exc:
        return Facts(error=(exc.lineno or 1, exc.message or "syntax error"))
    unknown = _unknown_filter_or_test(tree)
    if unknown is not None:
        return Facts(error=unknown)
    imports = tuple(sorted(n.lineno for n in tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport))))
    return _facts(tree, imports)


# An output tag whose end no string, brace or comment can hide: the first "}}" after "{{" closes it.
_PLAIN_OUTPUT = re.compile(r"(\{\{[^{}'\"#]*\}\})")


def _skeleton(source: str) -> str | None:
    """``source`` with its text between plain ``{{ ... }}`` tags cut down to its line breaks; ``None`` if not that simple.

    Facts come from the tags alone (text between them is output as is) and
    keep their line numbers, so subjects such as ``{{ lead.first_name }}, a
    note for {{ lead.company }}`` that differ only in their words share one
    parse. Anything else (statements, comments, quotes, a lone brace, a
    carriage return) returns ``None`` and is parsed as written.
    """
    if "\r" in source:
        return None
    parts = _PLAIN_OUTPUT.split(source)
    for i in range(0, len(parts), 2):
        text = parts[i]
        if "{" in text or "}" in text:
            return None
        parts[i] = "\n" * text.count("\n")
    return "".join(parts)


@lru_cache(maxsize=4096)
def expression_facts(source: str) -> Facts:
    """Facts of the condition expression ``source`` (as used in gates and prequalify rules)."""
    try:
        templating.compile_condition(source)
    except templating.TemplateError as exc:
        message = str(exc)
        prefix = f"expression {source!r}: "
        return Facts(error=(1, message[len(prefix):] if message.startswith(prefix) else message))
    env = templating.environment()
    parser = Parser(env, source, state="variable")
    expr = parser.parse_expression()
    return _facts(nodes.Template([nodes.Output([expr])], lineno=1), ())


def _unknown_filter_or_test(tree: nodes.Template) -> tuple[int, str] | None:
    """Jinja reports unknown filters only when compiling, which costs ten times a parse."""
    env = templating.environment()
    for node in tree.find_all((nodes.Filter, nodes.Test)):
        if isinstance(node, nodes.Filter) and node.name not in env.filters:
            return node.lineno, f"No filter named '{node.name}'."
        if isinstance(node, nodes.Test) and node.name not in env.tests:
            return node.lineno, f"No test named '{node.name}'."
    return None


def _facts(tree: nodes.Template, imports: tuple[int, ...]) -> Facts:
    # Names read but never assigned in the template (loop targets, set, macro arguments), and not
    # Jinja's own or the environment's globals. Cheaper than meta.find_undeclared_variables, which
    # runs the code generator, and the same for templates that do not read a name before setting it.
    stored = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    stored.update(n.name for n in tree.find_all(nodes.Macro))
    ignored = stored | _JINJA_NAMES | set(templating.environment().globals)
    first_line: dict[str, int] = {}
    for name_node in tree.find_all(nodes.Name):
        if name_node.ctx == "load" and name_node.name not in ignored:
            first_line.setdefault(name_node.name, name_node.lineno)
    names = tuple(sorted(first_line.items()))
    lead: list[tuple[str, int]] = []
    lists: list[tuple[str, int]] = []
    attributes: list[tuple[str, int]] = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Call, nodes.Compare)):
        if isinstance(node, nodes.Compare):
            if isinstance(node.expr, nodes.Const) and isinstance(node.expr.value, str):
                for op in node.ops:
                    if op.op in ("in", "notin") and _is_name(op.expr, "qualified", "missing"):
                        attributes.append((node.expr.value, node.lineno))
            continue
        if isinstance(node, nodes.Call):
            target = node.node
            if (isinstance(target, nodes.Getattr) and _is_name(target.node, "lead") and target.attr in _LEAD_METHODS
                    and node.args and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)):
                lead.append((node.args[0].value, node.lineno))
            continue
        key = _key(node)
        if key is None:
            continue
        if _is_name(node.node, "lead"):
            if not (isinstance(node, nodes.Getattr) and key in _LEAD_METHODS):
                lead.append((key, node.lineno))
        elif _is_name(node.node, "lists"):
            lists.append((key, node.lineno))
        elif _is_name(node.node, "qualification") and not (isinstance(node, nodes.Getattr) and key in _LEAD_METHODS):
            attributes.append((key, node.lineno))
    return Facts(None, names, tuple(sorted(set(lead))), tuple(sorted(set(lists))), tuple(sorted(set(attributes))), imports,
                 _unsafe(tree))


# The sandbox refuses these when rendering; naming them here reports them at validate time, with a line.
_INTERNALS = frozenset({"mro", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_code", "ag_frame", "f_globals",
                        "func_globals", "func_code"})
_MUTATORS = frozenset({"append", "extend", "insert", "pop", "popitem", "remove", "reverse", "sort", "clear", "update",
                       "setdefault", "add", "discard", "difference_update", "intersection_update",
                       "symmetric_difference_update"})


def _unsafe(tree: nodes.Template) -> tuple[tuple[str, int], ...]:
    found: set[tuple[str, int]] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Call)):
        if isinstance(node, nodes.Filter):
            if node.name == "attr" and node.args and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str):
                name = node.args[0].value
                if name.startswith("_") or name in _INTERNALS:
                    found.add((name, node.lineno))
            continue
        if isinstance(node, nodes.Call):
            target = node.node
            if isinstance(target, nodes.Getattr) and target.attr in _MUTATORS:
                found.add((target.attr, node.lineno))
            if (isinstance(target, nodes.Getattr) and target.attr in ("format", "format_map")
                    and isinstance(target.node, nodes.Const) and isinstance(target.node.value, str)):
                for field in _format_fields(target.node.value):
                    if "._" in field or "[_" in field or field.startswith("_"):
                        found.add((field, node.lineno))
            continue
        key = _key(node)
        if key is not None and (key.startswith("_") or key in _INTERNALS):
            found.add((key, node.lineno))
    return tuple(sorted(found, key=lambda item: (item[1], item[0])))


def _format_fields(text: str) -> list[str]:
    import string

    try:
        return [field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field]
    except ValueError:
        return []


def _is_name(node: nodes.Node, *names: str) -> bool:
    return isinstance(node, nodes.Name) and node.name in names


def _key(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None


__all__ = ["Facts", "expression_facts", "template_facts"]
