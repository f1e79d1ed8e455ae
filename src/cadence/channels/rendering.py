"""Render a template for a channel, turning template errors into non-retryable failures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from temporalio.exceptions import ApplicationError

from cadence import templating
from cadence.channels.requests import Rendered


def render(template: Rendered, context: Mapping[str, Any]) -> str:
    """Render ``template`` (autoescaped when its path ends in ``.html.j2``).

    Raises:
        ApplicationError: ``type="TemplateError"``, non-retryable: a retry renders the same error.
    """
    return render_text(template.source, context, name=template.path)


def render_text(source: str, context: Mapping[str, Any], *, name: str) -> str:
    """Render template text ``source`` named ``name``; errors as in :func:`render`."""
    try:
        return templating.render(source, context, name=name)
    except templating.TemplateError as exc:
        raise ApplicationError(str(exc), type="TemplateError", non_retryable=True) from None


def template_context(context: Mapping[str, Any], lead: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """The workflow's context plus what only the activity knows (``unsubscribe_url``, ``sender``)."""
    ctx = dict(context)
    ctx.setdefault("lead", dict(lead))
    for name, value in extra.items():
        ctx.setdefault(name, value)
    return ctx


__all__ = ["render", "render_text", "template_context"]
