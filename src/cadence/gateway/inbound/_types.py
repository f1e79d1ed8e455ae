"""What classification answers: one verdict per inbound message, or :class:`InboundError`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Severity = Literal["hard", "soft"]


class InboundError(ValueError):
    """The bytes are not a message cadence can classify; ``reason`` says why, on one line.

    Raised for input that is too large, empty, not RFC 5322 at all, or nested
    too deeply to parse. Anything else, however broken, still yields a verdict.
    """

    def __init__(self, reason: str) -> None:
        self.reason = " ".join(reason.split())
        super().__init__(self.reason)


@dataclass(frozen=True, kw_only=True)
class InboundMail:
    """What every verdict carries: the keys that match a message to a lead, and its identity."""

    message_id: str
    """The message's own ``<Message-ID>``; ``sha256:<hex of the raw bytes>`` when it has none (the idempotency key)."""
    sender: str | None
    """The ``From`` addr-spec, lowercased; ``None`` when there is no usable address."""
    subject: str
    """The decoded subject on one line (control characters become spaces), at most 250 characters."""
    in_reply_to: tuple[str, ...]
    """The ``<Message-ID>`` values of ``In-Reply-To`` (usually one)."""
    references: tuple[str, ...]
    """The ``<Message-ID>`` values of ``References``, oldest first (at most 100: the first and the last 99)."""
    tokens: tuple[str, ...]
    """Cadence tokens found, unverified: ``X-Cadence-Token`` headers (the message's, then returned
    messages'), then ``[ref:TOKEN]`` in the subject and text parts; distinct, at most 10."""

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """``in_reply_to`` then ``references``, each id once: the ids to look up among cadence's own."""
        return tuple(dict.fromkeys(self.in_reply_to + self.references))


@dataclass(frozen=True)
class BouncedRecipient:
    """One recipient a delivery status notification reports as failed or delayed."""

    address: str
    """``Final-Recipient`` (else ``Original-Recipient``), lowercased, without its ``rfc822;`` type."""
    original: str | None
    """``Original-Recipient`` when given (the address as cadence sent it, before forwarding)."""
    action: str
    """``failed`` or ``delayed`` (lowercased; empty when the report left it out)."""
    status: str
    """The RFC 3463 status code like ``5.1.1``; from the diagnostic when the field is missing; may be empty."""
    severity: Severity
    """``hard`` (status 5.x.x, or ``failed`` without a status) or ``soft`` (4.x.x, or ``delayed``)."""
    diagnostic: str
    """``Diagnostic-Code`` text without its ``smtp;`` type, on one line, at most 1,000 characters."""


@dataclass(frozen=True, kw_only=True)
class Bounce(InboundMail):
    """A delivery status notification (RFC 3464) about a message cadence sent."""

    recipients: tuple[BouncedRecipient, ...]
    """Recipients reported as failed or delayed (at most 100); empty when the report tells only of
    delivery, or could not be read: nothing to act on, but never a person's reply."""
    original_message_id: str | None
    """``Message-ID`` of the returned message (``message/rfc822`` or ``text/rfc822-headers`` part, else the
    report's ``X-Original-Message-ID``): how a bounce finds its lead."""
    kind: Literal["bounce"] = field(default="bounce", init=False)

    @property
    def severity(self) -> Severity | None:
        """``hard`` when any recipient bounced hard, else ``soft`` when any did, else ``None``."""
        severities = {r.severity for r in self.recipients}
        return "hard" if "hard" in severities else "soft" if severities else None


@dataclass(frozen=True, kw_only=True)
class OutOfOffice(InboundMail):
    """An automatic reply (RFC 3834): out-of-office and vacation notices, or any other machine answer."""

    evidence: str
    """What marked it automatic, like ``Auto-Submitted: auto-replied`` or ``Subject: out of office``."""
    return_date: date | None
    """When the person is back, read from the text (see :func:`find_return_date`); ``None`` when not stated."""
    text: str
    """The new text, as for :attr:`Reply.text`."""
    kind: Literal["out_of_office"] = field(default="out_of_office", init=False)


@dataclass(frozen=True, kw_only=True)
class Reply(InboundMail):
    """A message from a person: anything neither a delivery report nor automatic."""

    text: str
    """What the person wrote: quoted history and signature stripped, HTML as text, at most 4,000 characters."""
    kind: Literal["reply"] = field(default="reply", init=False)


Verdict = Bounce | OutOfOffice | Reply
"""What :func:`classify` answers; ``kind`` tells which."""


__all__ = ["Bounce", "BouncedRecipient", "InboundError", "InboundMail", "OutOfOffice", "Reply", "Severity",
           "Verdict"]
