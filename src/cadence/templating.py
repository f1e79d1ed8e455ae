"""The one sandboxed Jinja2 environment for templates and conditions.

Templates and gate conditions come from cadence files, so they run in
Jinja2's ``SandboxedEnvironment`` (no attribute escapes such as
``''.__class__``) with ``StrictUndefined`` (a missing variable is an error,
never an empty string in a customer's inbox).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import filters as jinja_filters
from jinja2 import meta, nodes
from jinja2 import tests as jinja_tests
from jinja2.parser import Parser
from jinja2.sandbox import ImmutableSandboxedEnvironment


class TemplateError(Exception):
    """A template or condition failed to parse or render; the message says where."""


_RUNTIME_ERRORS = (jinja2.UndefinedError, jinja2.exceptions.SecurityError, TypeError, ValueError, ArithmeticError,
                   LookupError, MemoryError, RecursionError)
"""What rendering or evaluating untrusted text can raise: each becomes a :class:`TemplateError`."""


def _failed(where: str, exc: Exception) -> TemplateError:
    """The :class:`TemplateError` for ``exc`` (one of :data:`_RUNTIME_ERRORS`) raised at ``where``."""
    if isinstance(exc, jinja2.UndefinedError):
        return TemplateError(f"{where}: {exc.message}")
    if isinstance(exc, jinja2.exceptions.SecurityError):
        return TemplateError(f"{where}: blocked by the sandbox: {exc}")
    return TemplateError(f"{where}: {type(exc).__name__}: {exc}")


def _select_autoescape(name: str | None) -> bool:
    return bool(name) and (name.endswith(".html.j2") or name.endswith(".html"))


@lru_cache(maxsize=1)
def environment() -> ImmutableSandboxedEnvironment:
    """Return the shared sandboxed environment (templates are passed as text)."""
    return ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=_select_autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(source: str, context: Mapping[str, Any], *, name: str = "<string>") -> str:
    """Render template ``source`` (named ``name`` for messages and autoescape).

    Raises:
        TemplateError: on a syntax error, a missing variable or a sandbox violation.
    """
    try:
        return _template(source, name).render(dict(context))
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{name}:{exc.lineno}: {exc.message}") from None
    except _RUNTIME_ERRORS as exc:
        raise _failed(name, exc) from None


@lru_cache(maxsize=512)
def _template(source: str, name: str) -> jinja2.Template:
    env = environment()
    code = env.compile(source, name=name, filename=name)
    return env.template_class.from_code(env, code, env.make_globals(None), None)


@lru_cache(maxsize=512)
def template_names(source: str) -> frozenset[str] | None:
    """The top-level variables template ``source`` reads, or ``None`` when it does not parse.

    Lets a caller send a template only the values it uses (``None``: send
    everything and let :func:`render` report the syntax error).
    """
    try:
        return frozenset(meta.find_undeclared_variables(environment().parse(source)))
    except jinja2.TemplateSyntaxError:
        return None


@lru_cache(maxsize=1024)
def compile_condition(source: str) -> Callable[..., Any]:
    """Compile a condition expression once; call the result with the context as keywords.

    Raises:
        TemplateError: when the expression does not parse.
    """
    try:
        return environment().compile_expression(source, undefined_to_none=False)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"expression {source!r}: {exc.message}") from None


def evaluate(source: str, context: Mapping[str, Any]) -> bool:
    """Evaluate condition ``source`` over ``context`` as a boolean.

    Raises:
        TemplateError: on a parse error, an unknown name or a sandbox violation.
    """
    expr = compile_condition(source)
    fast = _fast_condition(source)
    if fast is not None:
        try:
            return bool(fast(context))
        except Exception:  # noqa: BLE001, S110 - anything unusual is Jinja's to answer, with its own error
            pass
    try:
        return bool(expr(**context))
    except _RUNTIME_ERRORS as exc:
        raise _failed(f"expression {source!r}", exc) from None


@lru_cache(maxsize=1024)
def _expression(source: str) -> nodes.Expr | None:
    """The parsed condition ``source``, or ``None`` when it does not parse."""
    try:
        parser = Parser(environment(), source, state="variable")
        expr = parser.parse_expression()
    except jinja2.TemplateSyntaxError:
        return None
    return expr if parser.stream.eos else None


@lru_cache(maxsize=1024)
def _names_read(source: str) -> frozenset[str] | None:
    expr = _expression(source)
    if expr is None:
        return None
    found = [expr, *expr.find_all(nodes.Name)]  # find_all leaves out the node it starts from: ``engaged`` alone
    return frozenset(n.name for n in found if isinstance(n, nodes.Name) and n.ctx == "load")


@lru_cache(maxsize=1024)
def condition_names(*sources: str) -> frozenset[str] | None:
    """The variables the conditions ``sources`` read, or ``None`` when one does not parse.

    Lets a caller build only those values (``None``: build them all and let
    :func:`evaluate` report the syntax error).
    """
    names: set[str] = set()
    for source in sources:
        found = _names_read(source)
        if found is None:
            return None
        names |= found
    return frozenset(names)


# ---------------------------------------------------------------- conditions without a Jinja context
#
# Jinja builds a runtime context (globals merged with the values, an evaluation context) for every
# evaluation, several times the cost of the comparisons a gate asks for. A condition made only of
# the constructs below is also compiled to plain closures, which do exactly what Jinja's generated
# code does for those constructs on plain data (dicts, lists, strings, numbers). Whatever else they
# meet (a missing name or key, another type, an Undefined) raises, and Jinja evaluates the condition
# as before: a closure answers only where Jinja's answer is certain, never with its own error.

_Closure = Callable[[Mapping[str, Any]], Any]


class _Unsure(Exception):
    """The closures cannot tell what Jinja would answer."""


_SPECIAL_NAMES = frozenset({"self"})
"""Names Jinja does not simply look up in the values (``self`` cannot even be passed as one)."""
_DICT_ATTRIBUTES = frozenset(dir(dict))
"""``lead.items``: Jinja's getattr prefers the attribute of the dict to its key."""
_STR_METHODS = frozenset({"startswith", "endswith", "lower", "upper", "strip", "lstrip", "rstrip"})
"""String methods a condition may call (pure, and allowed by the sandbox)."""
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq, "ne": operator.ne, "gt": operator.gt, "gteq": operator.ge, "lt": operator.lt,
    "lteq": operator.le, "in": lambda a, b: a in b, "notin": lambda a, b: a not in b,
}
_ARITHMETIC: dict[type[nodes.BinExpr], Callable[[Any, Any], Any]] = {
    nodes.Add: operator.add, nodes.Sub: operator.sub, nodes.Mul: operator.mul, nodes.Div: operator.truediv,
    nodes.FloorDiv: operator.floordiv, nodes.Mod: operator.mod,
}
_NUMBERS = (int, float)
_SIZED = (str, list, tuple, dict)
_SUBSCRIPTABLE = (dict, list, tuple, str)


@lru_cache(maxsize=1024)
def _fast_condition(source: str) -> _Closure | None:
    """Closures computing condition ``source`` as Jinja does, or ``None`` when it uses anything else."""
    expr = _expression(source)
    return None if expr is None else _closure(expr)


def _closure(node: nodes.Node) -> _Closure | None:
    if isinstance(node, nodes.Const):
        value = node.value
        return lambda ctx: value
    if isinstance(node, nodes.Name):
        return _name(node.name) if node.ctx == "load" and node.name not in _SPECIAL_NAMES else None
    if isinstance(node, (nodes.List, nodes.Tuple)):
        items = _closures(node.items)
        if items is None:
            return None
        build = list if isinstance(node, nodes.List) else tuple
        return lambda ctx: build([item(ctx) for item in items])
    if isinstance(node, nodes.Getattr):
        inner = _closure(node.node)
        return None if inner is None or node.attr in _DICT_ATTRIBUTES else _key(inner, node.attr)
    if isinstance(node, nodes.Getitem):
        inner, key = _closure(node.node), _closure(node.arg)
        return None if inner is None or key is None else _item(inner, key)
    if isinstance(node, nodes.Test):
        return _test(node)
    if isinstance(node, nodes.Filter):
        return _filter(node)
    if isinstance(node, nodes.Call):
        return _call(node)
    if isinstance(node, nodes.Compare):
        return _compare(node)
    if isinstance(node, nodes.Not):
        inner = _closure(node.node)
        return None if inner is None else lambda ctx: not inner(ctx)
    if isinstance(node, (nodes.And, nodes.Or)):
        left, right = _closure(node.left), _closure(node.right)
        if left is None or right is None:
            return None
        if isinstance(node, nodes.And):
            return lambda ctx: left(ctx) and right(ctx)
        return lambda ctx: left(ctx) or right(ctx)
    if isinstance(node, nodes.CondExpr):
        test, then = _closure(node.test), _closure(node.expr1)
        otherwise = _closure(node.expr2) if node.expr2 is not None else None
        if test is None or then is None or otherwise is None:
            return None
        return lambda ctx: then(ctx) if test(ctx) else otherwise(ctx)
    if isinstance(node, nodes.Concat):
        parts = _closures(node.nodes)
        return None if parts is None else lambda ctx: "".join(_texts(part(ctx) for part in parts))
    if type(node) in _ARITHMETIC:
        assert isinstance(node, nodes.BinExpr)
        left, right = _closure(node.left), _closure(node.right)
        return None if left is None or right is None else _arithmetic(_ARITHMETIC[type(node)], left, right)
    return None


def _closures(items: list[nodes.Node]) -> list[_Closure] | None:
    closures = [_closure(item) for item in items]
    return None if any(c is None for c in closures) else closures  # type: ignore[return-value]


def _name(name: str) -> _Closure:
    return lambda ctx: ctx[name]  # a missing name may be one of Jinja's globals, or undefined


def _key(inner: _Closure, attr: str) -> _Closure:
    def key(ctx: Mapping[str, Any]) -> Any:
        obj = inner(ctx)
        if type(obj) is not dict:
            raise _Unsure
        return obj[attr]
    return key


def _item(inner: _Closure, key: _Closure) -> _Closure:
    def item(ctx: Mapping[str, Any]) -> Any:
        obj = inner(ctx)
        if type(obj) not in _SUBSCRIPTABLE:
            raise _Unsure
        return obj[key(ctx)]
    return item


def _defined(node: nodes.Node) -> _Closure | None:
    """Whether ``node`` has a value: a key of a dict is looked up, anything else must evaluate."""
    if isinstance(node, nodes.Getattr) and node.attr not in _DICT_ATTRIBUTES:
        inner, attr = _closure(node.node), node.attr
        if inner is None:
            return None

        def has_key(ctx: Mapping[str, Any]) -> bool:
            obj = inner(ctx)
            if type(obj) is not dict or isinstance(obj.get(attr), jinja2.Undefined):
                raise _Unsure
            return attr in obj
        return has_key
    inner = _closure(node)
    if inner is None:
        return None

    def evaluates(ctx: Mapping[str, Any]) -> bool:
        if isinstance(inner(ctx), jinja2.Undefined):
            raise _Unsure
        return True
    return evaluates


def _test(node: nodes.Test) -> _Closure | None:
    if node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
        return None
    test = environment().tests.get(node.name)
    if test is jinja_tests.test_defined or test is jinja_tests.test_undefined:
        defined = _defined(node.node)
        if defined is None:
            return None
        return defined if test is jinja_tests.test_defined else lambda ctx: not defined(ctx)
    inner = _closure(node.node)
    if test is jinja_tests.test_none and inner is not None:
        return lambda ctx: inner(ctx) is None
    return None


def _filter(node: nodes.Filter) -> _Closure | None:
    if node.node is None or node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
        return None
    inner = _closure(node.node)
    if inner is None:
        return None
    function = environment().filters.get(node.name)
    if function is jinja_filters.do_lower:
        return lambda ctx: _text(inner(ctx)).lower()
    if function is jinja_filters.do_upper:
        return lambda ctx: _text(inner(ctx)).upper()
    if function is len:  # Jinja's length and count
        return lambda ctx: len(_sized(inner(ctx)))
    return None


def _call(node: nodes.Call) -> _Closure | None:
    target = node.node
    if node.kwargs or node.dyn_args or node.dyn_kwargs or not isinstance(target, nodes.Getattr) \
            or target.attr not in _STR_METHODS:
        return None
    inner, args, name = _closure(target.node), _closures(node.args), target.attr
    if inner is None or args is None:
        return None
    return lambda ctx: getattr(_text(inner(ctx)), name)(*[arg(ctx) for arg in args])


def _compare(node: nodes.Compare) -> _Closure | None:
    first = _closure(node.expr)
    operands = [(_COMPARE.get(op.op), _closure(op.expr)) for op in node.ops]
    if first is None or any(op is None or operand is None for op, operand in operands):
        return None

    def compare(ctx: Mapping[str, Any]) -> Any:
        # Python's chained comparison, as Jinja writes it: each operand evaluated once, stopping at the first false.
        left, result = first(ctx), True
        for op, operand in operands:
            right = operand(ctx)  # type: ignore[misc]
            result = op(left, right)  # type: ignore[misc]
            if not result:
                return result
            left = right
        return result
    return compare


def _arithmetic(op: Callable[[Any, Any], Any], left: _Closure, right: _Closure) -> _Closure:
    def arithmetic(ctx: Mapping[str, Any]) -> Any:
        a, b = left(ctx), right(ctx)
        if type(a) not in _NUMBERS or type(b) not in _NUMBERS:
            raise _Unsure
        return op(a, b)
    return arithmetic


def _text(value: Any) -> str:
    if type(value) is not str:
        raise _Unsure
    return value


def _texts(values: Iterable[Any]) -> list[str]:
    return [_text(value) for value in values]


def _sized(value: Any) -> Any:
    if type(value) not in _SIZED:
        raise _Unsure
    return value


__all__ = ["TemplateError", "compile_condition", "condition_names", "environment", "evaluate", "render",
           "template_names"]
