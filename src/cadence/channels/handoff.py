"""Deliver a handoff: the dossier to the outbox, to the assignee's inbox, to a webhook (a CRM).

Each destination is a :class:`HandoffSink`. A retried activity does not
repeat a delivery that already succeeded for the same handoff (a small
delivery log in the outbox), so a webhook that was down does not cause a
second email to the rep.
"""

from __future__ import annotations

import asyncio
import html
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol

from temporalio.exceptions import ApplicationError

from cadence.channels.email import InvalidAddress, header_id, one_line, parse_address
from cadence.channels.ids import digest, safe_name
from cadence.channels.links import handoff_url, new_handoff_grant
from cadence.channels.outbox import atomic_write, write_json
from cadence.channels.requests import HandoffRequest, HandoffResult
from cadence.channels.settings import ChannelSettings
from cadence.channels.smtp import Bounce, EmailTransport


class DeliveryRefused(Exception):
    """A destination refused the handoff for good; reported in ``HandoffResult.problems``, not retried."""


@dataclass(frozen=True)
class Handoff:
    """A handoff ready to deliver."""

    handoff_id: str
    """Deterministic per (workflow run, lead): the webhook's ``Idempotency-Key``."""
    request: HandoffRequest
    dossier: dict[str, Any]
    markdown: str

    @property
    def lead_id(self) -> str:
        """The handed-off lead's id."""
        return str(self.request.lead.get("id", ""))

    @property
    def escalation(self) -> bool:
        """Whether this delivery escalates a handoff nobody accepted in time."""
        return self.request.delivery > 1

    def payload(self) -> dict[str, Any]:
        """The JSON document sent to webhooks and written to the outbox."""
        r = self.request
        return {
            "event": "cadence.handoff.escalated" if self.escalation else "cadence.handoff",
            "handoff_id": self.handoff_id,
            "lead_id": self.lead_id,
            "workflow_id": r.workflow_id,
            "assignee": r.assignee,
            "reason": r.reason,
            "delivery": r.delivery,
            "answer_by": r.answer_by or None,
            "escalated_from": r.escalated_from or None,
            "missed_deadline": r.missed_deadline or None,
            "plan": {"name": r.plan_name, "version": r.plan_version},
            "lead": dict(r.lead),
            "dossier": self.dossier,
            "markdown": self.markdown,
        }


class HandoffSink(Protocol):
    """A destination of handoffs (the outbox, email, a webhook, a CRM plug-in)."""

    name: str
    """Stable name, the key of the delivery log."""

    async def deliver(self, handoff: Handoff) -> list[str]:
        """Deliver; return ``kind:target`` entries (empty when not applicable).

        Raise :class:`DeliveryRefused` for a permanent refusal; anything else is retried.
        """
        ...


class FileHandoffSink:
    """Writes ``<outbox>/handoffs/<lead>.json`` (payload) and ``<lead>.md`` (the dossier to read);
    an escalation writes ``<lead>.escalated.json`` and ``.md`` beside them."""

    name = "file"

    def __init__(self, outbox_dir: Path) -> None:
        self.directory = Path(outbox_dir) / "handoffs"

    async def deliver(self, handoff: Handoff) -> list[str]:
        """Write both files atomically; return ``file:`` entries."""
        stem = safe_name(handoff.lead_id or handoff.handoff_id) + (".escalated" if handoff.escalation else "")
        js = write_json(self.directory / f"{stem}.json", handoff.payload())
        md = atomic_write(self.directory / f"{stem}.md", handoff.markdown)
        return [f"file:{js}", f"file:{md}"]


def markdown_to_html(markdown: str, title: str = "") -> str:
    """A simple HTML rendering of the dossier (raw HTML in lead data is escaped, never passed through)."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # pragma: no cover - markdown-it-py comes with rich
        body = f"<pre>{html.escape(markdown)}</pre>"
    else:
        body = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").render(markdown)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            "<style>body{font-family:system-ui,sans-serif;max-width:52em;line-height:1.45}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style>"
            f"</head><body>{body}</body></html>\n")


def assignee_address(assignee: str, mailboxes: tuple[tuple[str, str], ...] = ()) -> str | None:
    """The address email for ``assignee`` goes to: itself when it is an address, a queue's mailbox
    (``queue_mailboxes``) for ``queue:NAME``; ``None`` otherwise (``rep:NAME``, a queue without one)."""
    if assignee.startswith("queue:"):
        assignee = dict(mailboxes).get(assignee.removeprefix("queue:"), "")
    if "@" not in assignee:
        return None
    try:
        return str(parse_address(assignee))
    except InvalidAddress:
        return None


class EmailHandoffSink:
    """Emails the dossier (markdown text plus simple HTML) to an assignee who is an email address."""

    name = "email"

    def __init__(self, settings: ChannelSettings, transport: EmailTransport) -> None:
        self.settings = settings
        self.transport = transport

    def link_block(self, handoff: Handoff, to: str, now: datetime) -> str:
        """Markdown leading the email: the signed link to the handoff's page in the workspace, which works for
        :data:`cadence.channels.links.HANDOFF_LINK_TTL`; empty without ``public_url`` and ``workspace_secret``."""
        if not self.settings.public_url or not self.settings.workspace_secret:
            return ""
        grant = new_handoff_grant(handoff.lead_id, parse_address(to).addr_spec, handoff.request.answer_by, now)
        url = handoff_url(self.settings.public_url, grant, self.settings.workspace_secret)
        until = grant.expires.strftime("%Y-%m-%d %H:%M UTC")
        what = "Accept or reject this lead" if handoff.request.answer_by else "This lead in the workspace"
        return f"**{what}:** <{url}>  \n_The link works until {until}; after that, sign in to the workspace._\n\n"

    def build(self, handoff: Handoff, to: str, now: datetime | None = None) -> EmailMessage:
        """The message for ``to`` (an address as accepted by :func:`parse_address`), built at ``now`` (real time)."""
        now = now or datetime.now(timezone.utc)
        contact = handoff.dossier.get("contact") or {}
        company = (handoff.dossier.get("company") or {}).get("company") or handoff.request.lead.get("company") or ""
        who = ", ".join(p for p in (contact.get("name"), company) if p) or f"lead {handoff.lead_id}"
        prefix = "Escalated: sales-ready lead" if handoff.escalation else "Sales-ready lead"
        subject = one_line(f"{prefix}: {who} ({handoff.lead_id})")
        msg = EmailMessage(policy=policy.SMTP)
        msg["Subject"] = subject
        msg["From"] = parse_address(self.settings.sender)
        msg["To"] = parse_address(to)
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = f"<{handoff.handoff_id}.handoff@{self.settings.message_id_domain}>"
        msg["X-Cadence-Lead"] = header_id(handoff.lead_id)
        msg["X-Cadence-Step"] = "handoff"
        markdown = self.link_block(handoff, to, now) + handoff.markdown
        msg.set_content(markdown)
        msg.add_alternative(markdown_to_html(markdown, subject), subtype="html")
        return msg

    async def deliver(self, handoff: Handoff) -> list[str]:
        """Send when the assignee is an email address; a bounce is a permanent refusal."""
        to = assignee_address(handoff.request.assignee, self.settings.queue_mailboxes)
        if to is None:
            return []
        message = self.build(handoff, to)
        rcpt = parse_address(to).addr_spec
        try:
            await self.transport.send(message, parse_address(self.settings.sender).addr_spec, [rcpt])
        except Bounce as exc:
            raise DeliveryRefused(f"email:{rcpt} bounced: {exc}") from None
        return [f"email:{rcpt}"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # urllib would turn a redirected POST into a GET without the body.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookHandoffSink:
    """POSTs the handoff as JSON (``Idempotency-Key: <handoff_id>``); 2xx is delivered.

    408, 429, 5xx and network errors are retried; another 4xx or a redirect is a refusal.
    """

    name = "webhook"

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout

    def _post(self, body: bytes, key: str) -> int:
        req = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "cadence-handoff/1", "Idempotency-Key": key},
        )
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(req, timeout=self.timeout) as resp:
            return int(resp.status)

    async def deliver(self, handoff: Handoff) -> list[str]:
        """POST the payload in a thread (urllib blocks)."""
        body = json.dumps(handoff.payload(), ensure_ascii=False).encode()
        try:
            await asyncio.to_thread(self._post, body, handoff.handoff_id)
        except urllib.error.HTTPError as exc:
            if exc.code in (408, 425, 429) or exc.code >= 500:
                raise ApplicationError(f"webhook {self.url}: HTTP {exc.code}", type="WebhookUnavailable") from None
            raise DeliveryRefused(f"webhook:{self.url} answered HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ApplicationError(f"webhook {self.url} unreachable: {exc}", type="WebhookUnavailable") from None
        return [f"webhook:{self.url}"]


class DeliveryLog:
    """Which sinks already delivered a handoff, so a retry skips them (``handoffs/.deliveries/``)."""

    def __init__(self, outbox_dir: Path) -> None:
        self.directory = Path(outbox_dir) / "handoffs" / ".deliveries"

    def _path(self, handoff_id: str) -> Path:
        return self.directory / f"{safe_name(handoff_id)}.json"

    def load(self, handoff_id: str) -> tuple[dict[str, list[str]], list[str]]:
        """(sink name -> delivered entries, permanent problems) recorded for ``handoff_id``."""
        try:
            data = json.loads(self._path(handoff_id).read_text())
            done = {str(k): [str(x) for x in v] for k, v in data["done"].items()}
            return done, [str(p) for p in data["problems"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}, []

    def save(self, handoff_id: str, done: dict[str, list[str]], problems: list[str]) -> None:
        """Record what is delivered (or refused for good) so far."""
        write_json(self._path(handoff_id), {"done": done, "problems": problems})


def handoff_id_for(workflow_id: str, run_id: str, lead_id: str, delivery: int = 1) -> str:
    """The id of one delivery of a handoff: stable across retries, new for an escalation
    (``delivery`` 2) and for a later handoff of the same lead (a new run)."""
    if delivery == 1:
        return f"ho-{digest(workflow_id, run_id, lead_id, length=24)}"
    return f"ho-{digest(workflow_id, run_id, lead_id, f'delivery-{delivery}', length=24)}"


async def deliver(handoff: Handoff, sinks: list[HandoffSink], log: DeliveryLog | None = None) -> HandoffResult:
    """Deliver ``handoff`` to every sink, skipping those a previous attempt completed.

    Raises:
        Exception: the first temporary failure (after recording the sinks that succeeded).
    """
    done, problems = log.load(handoff.handoff_id) if log else ({}, [])
    try:
        for sink in sinks:
            if sink.name in done:
                continue
            try:
                done[sink.name] = list(await sink.deliver(handoff))
            except DeliveryRefused as exc:
                problems.append(str(exc))
                done[sink.name] = []
    finally:
        if log:
            log.save(handoff.handoff_id, done, problems)
    delivered = tuple(entry for sink in sinks for entry in done.get(sink.name, []))
    return HandoffResult(dossier=handoff.dossier, delivered_to=delivered, problems=tuple(problems))


__all__ = [
    "DeliveryLog",
    "DeliveryRefused",
    "EmailHandoffSink",
    "FileHandoffSink",
    "Handoff",
    "HandoffSink",
    "WebhookHandoffSink",
    "assignee_address",
    "deliver",
    "handoff_id_for",
    "markdown_to_html",
]
