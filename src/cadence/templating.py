"""The one sandboxed Jinja2 environment for templates and conditions.

Templates and gate conditions come from cadence files, so they run in
Jinja2's ``SandboxedEnvironment`` (no attribute escapes such as
``''.__class__``) with ``StrictUndefined`` (a missing variable is an error,
never an empty string in a customer's inbox).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import jinja2
from jinja2 import meta
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
    try:
        return bool(expr(**context))
    except _RUNTIME_ERRORS as exc:
        raise _failed(f"expression {source!r}", exc) from None


__all__ = ["TemplateError", "compile_condition", "environment", "evaluate", "render", "template_names"]
