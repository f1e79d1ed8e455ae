"""Build a step's email safely and send it.

Header safety does not depend on enrollment having validated the lead: names
go through :class:`email.headerregistry.Address` (quoted, never raw), control
characters are dropped from every value that reaches a header, and the
rendered subject is folded onto one line.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

from temporalio.exceptions import ApplicationError

from cadence.addresses import InvalidAddress, address, one_line, parse_address
from cadence.channels.htmltext import html_to_text
from cadence.channels.ids import message_id_for
from cadence.channels.rendering import render, render_text, template_context
from cadence.channels.requests import EmailRequest
from cadence.channels.service_tags import service_headers
from cadence.channels.settings import ChannelSettings
from cadence.channels.signing import lead_token, signature

_MSGID_RE = re.compile(r"^<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+>$")
_ID_RE = re.compile(r"[^A-Za-z0-9._:-]")
# RFC 2369 needs List-Unsubscribe as a literal <url>; the default 78-column folding
# would turn a long URL into an encoded word that mail clients ignore.
_POLICY = policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class BuiltEmail:
    """A message ready for a transport, with its envelope."""

    message: EmailMessage
    sender: str
    """Envelope sender (bare address)."""
    recipient: str
    subject: str


def header_id(value: object) -> str:
    """An id for an ``X-Cadence-*`` header: only id characters survive."""
    return _ID_RE.sub("_", str(value))[:128]


def lead_address(lead: Mapping[str, Any]) -> Address:
    """The lead's ``To``: email with ``First Last`` as display name.

    Raises:
        InvalidAddress: when the lead has no usable email address.
    """
    email = lead.get("email")
    if not email:
        raise InvalidAddress("the lead has no email address")
    name = " ".join(str(lead.get(k) or "") for k in ("first_name", "last_name"))
    return address(str(email), name)


def unsubscribe_token(lead_id: str, secret: str | None) -> str:
    """HMAC of the lead id: the unsubscribe endpoint recomputes it to refuse forged links."""
    return signature("unsubscribe", str(lead_id), secret)


def verify_unsubscribe_token(lead_id: str, token: str, secret: str | None) -> bool:
    """Whether ``token`` is the unsubscribe token of ``lead_id`` (constant time)."""
    return hmac.compare_digest(unsubscribe_token(lead_id, secret), str(token))


def unsubscribe_url(lead_id: str, settings: ChannelSettings) -> str:
    """The lead's one-click unsubscribe link (``?lead=ID&token=HMAC``)."""
    base = settings.unsubscribe_url
    joiner = "&" if "?" in base else "?"
    token = unsubscribe_token(lead_id, settings.unsubscribe_secret)
    return f"{base}{joiner}lead={quote(str(lead_id), safe='')}&token={token}"


def build_email(req: EmailRequest, settings: ChannelSettings, *, now: datetime | None = None) -> BuiltEmail:
    """Render and assemble the message of ``req``.

    Raises:
        ApplicationError: ``TemplateError`` (body or subject), ``InvalidSender`` or
            ``InvalidMessageId`` - all non-retryable.
        InvalidAddress: when the lead's address is unusable (the caller reports a bounce).
    """
    lead_id = str(req.lead.get("id", ""))
    to = lead_address(req.lead)
    try:
        sender = parse_address(req.sender or settings.sender)
        reply_to = parse_address(req.reply_to) if req.reply_to else None
    except InvalidAddress as exc:
        raise ApplicationError(f"sender or reply-to: {exc}", type="InvalidSender", non_retryable=True) from None
    message_id = req.message_id or message_id_for(req.workflow_id, req.step_id, req.iteration, settings.message_id_domain)
    if not _MSGID_RE.match(message_id):
        raise ApplicationError(f"message id {message_id[:80]!r} is not <local@domain>", type="InvalidMessageId",
                               non_retryable=True)
    unsub = unsubscribe_url(lead_id, settings)
    token = lead_token(lead_id, settings.unsubscribe_secret)
    ctx = template_context(req.context, req.lead, unsubscribe_url=unsub, sender=str(sender), lead_token=token)
    html = render(req.body, ctx)
    subject = one_line(render_text(req.subject, ctx, name=f"{req.body.path} (subject)"))

    msg = EmailMessage(policy=_POLICY)
    msg["Subject"] = subject
    msg["From"] = sender
    msg["To"] = to
    if reply_to is not None:
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(now or datetime.now(timezone.utc))
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = f"<{unsub}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["X-Cadence-Lead"] = header_id(lead_id)
    # Returned with a bounce even where a provider rewrote the Message-ID: the gateway finds the lead by it.
    msg["X-Cadence-Token"] = token
    for name, value in service_headers(settings.smtp_service, token):
        msg[name] = value
    msg["X-Cadence-Step"] = header_id(req.step_id)
    if req.variant:
        msg["X-Cadence-Variant"] = header_id(req.variant)
    msg.set_content(html_to_text(html))
    msg.add_alternative(html, subtype="html")
    return BuiltEmail(message=msg, sender=sender.addr_spec, recipient=to.addr_spec, subject=subject)


__all__ = [
    "BuiltEmail",
    "InvalidAddress",
    "address",
    "build_email",
    "header_id",
    "lead_address",
    "message_id_for",
    "one_line",
    "parse_address",
    "unsubscribe_token",
    "unsubscribe_url",
    "verify_unsubscribe_token",
]
