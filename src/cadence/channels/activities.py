"""The channel activities: one object built with its providers, one method per activity name.

Register with a worker::

    acts = ChannelActivities.from_settings(load_settings())
    worker = build_worker(client, acts.all())
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from temporalio import activity

from cadence.channels import exits, requests as rq
from cadence.channels.dossier import build_dossier, render_dossier_markdown
from cadence.channels.email import InvalidAddress, build_email, unsubscribe_url
from cadence.channels.handoff import (
    DeliveryLog,
    EmailHandoffSink,
    FileHandoffSink,
    Handoff,
    HandoffSink,
    WebhookHandoffSink,
    deliver,
    handoff_id_for,
)
from cadence.channels.ids import letter_id_for
from cadence.channels.letters import FileLetterVendor, LetterVendor, PrintJob, address_block, print_document
from cadence.channels.plugins import providers_from_settings
from cadence.channels.rendering import render, template_context
from cadence.channels.sent import SentLog
from cadence.channels.settings import ChannelSettings
from cadence.channels.signing import lead_token
from cadence.channels.smtp import Bounce, EmailTransport, SmtpTransport
from cadence.channels.tasks import FileTaskSink, TaskSink
from cadence.channels.voicemail import FileVoicemailProvider, VoicemailProvider, make_drop
from cadence.config import Settings
from cadence.suppression import SuppressionList

_log = logging.getLogger(__name__)


def default_handoff_sinks(settings: ChannelSettings, transport: EmailTransport) -> list[HandoffSink]:
    """The outbox files, email to an assignee who is an address, and the webhook when configured."""
    sinks: list[HandoffSink] = [FileHandoffSink(settings.outbox_dir), EmailHandoffSink(settings, transport)]
    if settings.handoff_webhook:
        sinks.append(WebhookHandoffSink(settings.handoff_webhook, settings.webhook_timeout))
    return sinks


class ChannelActivities:
    """The activities of :mod:`cadence.channels.requests`, bound to their providers.

    Args:
        settings: SMTP, outbox and link settings (default: :class:`ChannelSettings` defaults).
        email_transport: sends built emails (default: SMTP).
        task_sink: opens call and voicemail tasks (default: JSON files in the outbox).
        voicemail: drops voicemails (default: scripts in the outbox).
        letters: takes print jobs (default: HTML files and a manifest in the outbox).
        handoff_sinks: replaces the default handoff destinations (see :func:`default_handoff_sinks`).
        extra_handoff_sinks: added after them (a CRM plug-in).
        suppression: the do-not-contact list; a worker sets it once it has a client (:attr:`suppression`).
    """

    def __init__(
        self,
        settings: ChannelSettings | None = None,
        *,
        email_transport: EmailTransport | None = None,
        task_sink: TaskSink | None = None,
        voicemail: VoicemailProvider | None = None,
        letters: LetterVendor | None = None,
        handoff_sinks: Sequence[HandoffSink] | None = None,
        extra_handoff_sinks: Sequence[HandoffSink] = (),
        suppression: SuppressionList | None = None,
    ) -> None:
        self.settings = settings or ChannelSettings()
        self.suppression = suppression
        """Checked before every email; a hard bounce is added to it. ``None``: no list (tests, tools)."""
        outbox = self.settings.outbox_dir
        self.email_transport: EmailTransport = email_transport or SmtpTransport(self.settings)
        self.task_sink: TaskSink = task_sink or FileTaskSink(outbox)
        self.voicemail: VoicemailProvider = voicemail or FileVoicemailProvider(outbox)
        self.letters: LetterVendor = letters or FileLetterVendor(outbox)
        sinks = list(handoff_sinks) if handoff_sinks is not None else default_handoff_sinks(
            self.settings, self.email_transport)
        self.handoff_sinks: list[HandoffSink] = sinks + list(extra_handoff_sinks)
        self.sent = SentLog(outbox)
        self.deliveries = DeliveryLog(outbox)

    @classmethod
    def from_settings(cls, settings: Settings) -> ChannelActivities:
        """Activities on the channels' slice of ``settings``, with the providers its ``*_provider`` settings choose.

        Args:
            settings: effective settings (:func:`cadence.config.load_settings`); see
                :mod:`cadence.channels.plugins` for the provider settings.

        Raises:
            ValueError: an unknown provider. TypeError: a factory's result is not a provider of its kind.
                Both name the setting.
        """
        channel = ChannelSettings.from_settings(settings)
        chosen = providers_from_settings(settings, channel)
        if settings.unsubscribe_secret is None:
            _log.warning("CADENCE_UNSUBSCRIBE_SECRET is not set: unsubscribe links can be forged from a lead id")
        return cls(channel, email_transport=chosen.email, task_sink=chosen.tasks, voicemail=chosen.voicemail,
                   letters=chosen.letters, extra_handoff_sinks=chosen.handoff)

    def all(self) -> list[Callable[..., Any]]:
        """The activity callables to pass to ``Worker(activities=...)``."""
        return [self.send_email, self.open_task, self.drop_voicemail, self.send_letter, self.deliver_handoff,
                self.record_exit]

    def _context(self, context: Mapping[str, Any], lead: Mapping[str, Any]) -> dict[str, Any]:
        return template_context(context, lead, unsubscribe_url=unsubscribe_url(str(lead.get("id", "")), self.settings),
                                sender=self.settings.sender,
                                lead_token=lead_token(str(lead.get("id", "")), self.settings.unsubscribe_secret))

    @activity.defn(name=rq.SEND_EMAIL)
    async def send_email(self, req: rq.EmailRequest) -> rq.EmailResult:
        """Send a step's email; a permanent recipient refusal is returned as a bounce, not raised."""
        info = activity.info()
        try:
            built = build_email(req, self.settings)
        except InvalidAddress as exc:
            activity.logger.warning("email %s not sent: %s", req.message_id, exc)
            return rq.EmailResult(message_id=req.message_id, accepted=False, bounced=True,
                                  detail=f"invalid recipient address: {exc}")
        message_id = str(built.message["Message-ID"])
        if self.suppression is not None and (found := await self.suppression.check(built.recipient)):
            activity.logger.info("email %s not sent: the address is %s", message_id, found.describe())
            return rq.EmailResult(message_id=message_id, accepted=False, subject=built.subject,
                                  suppressed=found.describe())
        if info.attempt > 1 and (marker := self.sent.accepted(message_id, info.workflow_run_id)):
            activity.logger.info("email %s was accepted on an earlier attempt; not sending again", message_id)
            return rq.EmailResult(message_id=message_id, accepted=True, subject=built.subject,
                                  detail=f"accepted on an earlier attempt: {marker.get('answer', '')}")
        try:
            answer = await self.email_transport.send(built.message, built.sender, [built.recipient])
        except Bounce as exc:
            activity.logger.info("email %s bounced: %s", message_id, exc)
            if self.suppression is not None:  # a hard bounce: no cadence may send to this address again
                await self.suppression.add(built.recipient, "bounced", by=f"lead {req.lead.get('id', '')}",
                                           source_id=message_id, note=str(exc)[:200])
            return rq.EmailResult(message_id=message_id, accepted=False, bounced=True, detail=str(exc),
                                  subject=built.subject)
        self.sent.mark(message_id, info.workflow_run_id, built.subject, answer)
        activity.logger.info("email %s accepted for lead %s step %s", message_id, req.lead.get("id"), req.step_id)
        return rq.EmailResult(message_id=message_id, accepted=True, detail=answer, subject=built.subject)

    @activity.defn(name=rq.OPEN_TASK)
    async def open_task(self, req: rq.TaskRequest) -> rq.TaskResult:
        """Render the brief and open the task with the task sink."""
        brief = render(req.brief, self._context(req.context, req.lead))
        location = await self.task_sink.open_task(req, brief)
        activity.logger.info("%s task %s opened for %s at %s", req.kind, req.task_id, req.assignee, location)
        return rq.TaskResult(task_id=req.task_id, brief_text=brief, location=str(location))

    @activity.defn(name=rq.DROP_VOICEMAIL)
    async def drop_voicemail(self, req: rq.VoicemailDropRequest) -> rq.VoicemailDropResult:
        """Render the script and have the voicemail provider drop it."""
        drop = make_drop(req, render(req.script, self._context(req.context, req.lead)))
        if not drop.phone:
            return rq.VoicemailDropResult(delivered=False, reference=drop.reference, detail="lead has no phone number")
        result = await self.voicemail.drop(drop)
        activity.logger.info("voicemail %s for lead %s: delivered=%s", drop.reference, req.lead.get("id"),
                             result.delivered)
        return result

    @activity.defn(name=rq.SEND_LETTER)
    async def send_letter(self, req: rq.LetterRequest) -> rq.LetterResult:
        """Render a print-ready letter and submit it to the letter vendor."""
        letter_id = letter_id_for(req.workflow_id, req.step_id, req.iteration)
        recipient = address_block(req.lead)
        body = render(req.template, self._context(req.context, req.lead))
        paper = req.paper.strip().lower()
        document = print_document(body, paper=paper, recipient=recipient, return_address=req.return_address,
                                  title=f"Letter {letter_id}")
        job = PrintJob(letter_id=letter_id, html=document, address_block=recipient, paper=paper,
                       lead_id=str(req.lead.get("id", "")), workflow_id=req.workflow_id, step_id=req.step_id,
                       iteration=req.iteration, template=req.template.path, plan_name=req.plan_name,
                       plan_version=req.plan_version)
        where = await self.letters.submit(job)
        activity.logger.info("letter %s for lead %s submitted: %s", letter_id, job.lead_id, where)
        return rq.LetterResult(path=str(where), letter_id=letter_id, detail=f"{paper} letter")

    @activity.defn(name=rq.DELIVER_HANDOFF)
    async def deliver_handoff(self, req: rq.HandoffRequest) -> rq.HandoffResult:
        """Build the dossier and deliver it to every handoff sink."""
        dossier = build_dossier(req.lead, req.state, req.sections, req.plan_name, req.plan_version, req.assignee,
                                req.reason, acceptance={"answer_by": req.answer_by, "escalated_from": req.escalated_from,
                                                        "missed_deadline": req.missed_deadline})
        lead_id = str(req.lead.get("id", ""))
        handoff = Handoff(handoff_id=handoff_id_for(req.workflow_id, activity.info().workflow_run_id, lead_id,
                                                    req.delivery),
                          request=req, dossier=dossier, markdown=render_dossier_markdown(dossier))
        result = await deliver(handoff, self.handoff_sinks, self.deliveries)
        activity.logger.info("handoff %s of lead %s delivered to %d destinations, %d problems", handoff.handoff_id,
                             lead_id, len(result.delivered_to), len(result.problems))
        return result

    @activity.defn(name=rq.RECORD_EXIT)
    async def record_exit(self, record: rq.ExitRecord) -> None:
        """Append the lead's exit to the outbox's exits log."""
        exits.record_exit(self.settings.outbox_dir, record)


__all__ = ["ChannelActivities", "default_handoff_sinks"]
