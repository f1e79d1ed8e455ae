"""One touchpoint for one lead, rendered by the channels' own code, as the activities render it.

Emails are built by :func:`cadence.channels.email.build_email` (the message a
worker would send), letters by :func:`cadence.channels.letters.print_document`,
call briefs and voicemail scripts by :func:`cadence.channels.rendering.render`,
each with the context the activity builds. A template error comes back as a
:class:`Failed` saying which template (or its subject), at which line.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import Any

from temporalio.exceptions import ApplicationError

from cadence import ir, schedule
from cadence.channels.email import InvalidAddress, build_email, unsubscribe_url
from cadence.channels.ids import digest, letter_id_for
from cadence.channels.letters import address_block, print_document
from cadence.channels.rendering import render, template_context
from cadence.channels.requests import EmailRequest, Rendered
from cadence.channels.settings import ChannelSettings
from cadence.channels.signing import lead_token
from cadence.preview.model import Rendering, SampleLead, Touchpoint
from cadence.preview.walk import Moment
from cadence.vocabulary import workflow_id_for

_HEADERS = ("From", "To", "Reply-To", "Date", "Message-ID", "List-Unsubscribe")


class Failed(Exception):
    """A template of a touchpoint failed (or the step's settings did, when ``kind`` is not ``TemplateError``)."""

    def __init__(self, detail: str, *, template: str, line: int | None = None, subject: bool = False,
                 kind: str = "TemplateError") -> None:
        super().__init__(detail)
        self.detail = detail
        self.template = template
        self.line = line
        """The template's line, from Jinja; ``None`` when unknown."""
        self.subject = subject
        """The email's subject template failed, not its body."""
        self.kind = kind

    @property
    def key(self) -> tuple[str, int | None, str, bool, str]:
        """What makes two failures the same failure."""
        return self.template, self.line, self.detail, self.subject, self.kind

    @classmethod
    def from_key(cls, key: Sequence[Any]) -> Failed:
        """The failure of :attr:`key`."""
        template, line, detail, subject, kind = key
        return cls(detail, template=template, line=line, subject=subject, kind=kind)


def render_touchpoint(plan: ir.Plan, point: Touchpoint, lead: SampleLead, moment: Moment,
                      settings: ChannelSettings) -> Rendering:
    """What ``lead`` gets from ``point`` at ``moment``; ``plan`` is the point's own (top plan or track).

    Raises:
        Failed: a template (or the step's settings) failed for this lead.
    """
    fields = dict(lead.fields)
    step = plan.step(point.step_id)
    template = Rendered(point.template, plan.template(point.template))
    workflow_id = workflow_id_for(str(fields["id"]))
    when = schedule.describe(moment.at, moment.zone)
    base = Rendering(point, lead.key, f"a lead that never answers reaches it {when}" if moment.on_path else
                     f"not on the path of a lead that never answers; shown as at enrollment, {when}")
    try:
        if isinstance(step, ir.EmailStep):
            return _email(base, plan, step, fields, template, moment, settings, workflow_id)
        context = activity_context(moment.context, fields, settings)
        if isinstance(step, ir.LetterStep):
            try:
                recipient = address_block(fields)
            except ApplicationError as exc:  # the letter activity refuses before rendering
                return dataclasses.replace(base, skipped=f"not written: {exc.message}")
            document = print_document(render(template, context), paper=step.paper, recipient=recipient,
                                      return_address=step.return_address,
                                      title=f"Letter {letter_id_for(workflow_id, step.id, moment.iteration)}")
            return dataclasses.replace(base, html=document)
        note = ""
        if isinstance(step, ir.VoicemailStep) and step.mode == "drop" and not fields.get("phone"):
            note = "the lead has no phone number: the drop is skipped"
        return dataclasses.replace(base, text=render(template, context), note=note)
    except ApplicationError as exc:
        raise _failed(exc, point.template) from None


def _email(base: Rendering, plan: ir.Plan, step: ir.EmailStep, fields: dict[str, Any], body: Rendered,
           moment: Moment, settings: ChannelSettings, workflow_id: str) -> Rendering:
    if not fields.get("email"):  # the engine skips the step
        return dataclasses.replace(base, skipped="not sent: the lead has no email address")
    point = base.touchpoint
    request = EmailRequest(workflow_id=workflow_id, lead=fields, step_id=step.id, iteration=moment.iteration,
                           body=body, subject=point.subject, context=moment.context, message_id="",
                           sender=step.sender, reply_to=step.reply_to, variant=point.variant, plan_name=plan.name,
                           plan_version=plan.sha256)
    try:
        built = build_email(request, settings, now=moment.at)
    except InvalidAddress as exc:  # the activity reports a bounce
        return dataclasses.replace(base, skipped=f"not sent: {exc}")
    message = built.message
    # The email package draws a random MIME boundary; a fixed one keeps previews the same from run to run.
    message.set_boundary(f"=_cadence_preview_{digest(str(message['Message-ID']), length=24)}")
    headers = tuple((name, str(message[name])) for name in _HEADERS if message[name] is not None)
    return dataclasses.replace(base, subject=built.subject, headers=headers, html=_part(message, "html"),
                               text=_part(message, "plain"), message=message.as_bytes())


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return str(part.get_content()) if part is not None else ""


def _failed(exc: ApplicationError, template: str) -> Failed:
    """The failure the channels raised while rendering ``template``: which part, which line, what."""
    if exc.type != "TemplateError":
        return Failed(exc.message, template=template, kind=str(exc.type))
    subject = f"{template} (subject)"
    name = subject if exc.message.startswith(subject + ":") else template
    detail = exc.message.removeprefix(name)
    syntax = re.match(r"^:(\d+): ", detail)
    if syntax:  # a syntax error says its line (validate reports those before any preview)
        return Failed(detail[syntax.end():], template=template, line=int(syntax.group(1)), subject=name == subject)
    return Failed(detail.removeprefix(": "), template=template, line=jinja_line(exc, name), subject=name == subject)


def jinja_line(exc: BaseException, name: str) -> int | None:
    """The line of template ``name`` where rendering failed, or ``None``.

    Jinja rewrites the traceback of a rendering error so that a frame named after the
    template sits at the template's line; the channels raise their error from it
    (``raise ... from None`` hides the context but keeps it), so it is found along the chain.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        tb, line = current.__traceback__, None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == name:
                line = tb.tb_lineno
            tb = tb.tb_next
        if line is not None:
            return line
        current = current.__cause__ or current.__context__
    return None


def activity_context(context: Mapping[str, Any], lead: Mapping[str, Any], settings: ChannelSettings) -> dict[str, Any]:
    """The context a task, voicemail or letter activity renders with (``ChannelActivities._context``)."""
    return template_context(context, lead, unsubscribe_url=unsubscribe_url(str(lead.get("id", "")), settings),
                            sender=settings.sender,
                            lead_token=lead_token(str(lead.get("id", "")), settings.unsubscribe_secret))


__all__ = ["Failed", "activity_context", "jinja_line", "render_touchpoint"]
