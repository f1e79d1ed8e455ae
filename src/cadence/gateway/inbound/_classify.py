"""From the raw bytes of an inbound message to a verdict: bounce, out-of-office or reply."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import Message
from typing import Any

from cadence.gateway.inbound import _ids
from cadence.gateway.inbound._auto import automatic_evidence
from cadence.gateway.inbound._dates import find_return_date
from cadence.gateway.inbound._dsn import delivery_report
from cadence.gateway.inbound._html import html_text
from cadence.gateway.inbound._mime import (
    INVISIBLE,
    Part,
    decode_words,
    embedded_message,
    one_line,
    parse,
    parse_headers,
    parts,
    raw_header,
    raw_headers,
)
from cadence.gateway.inbound._quotes import strip_quoted, strip_signature
from cadence.gateway.inbound._types import Bounce, OutOfOffice, Reply, Verdict

MAX_TEXT = 4_000
"""Characters of new text a verdict keeps."""
MAX_SUBJECT = 250
"""Characters of subject a verdict keeps."""
MAX_DATE_SCAN = 20_000
"""Characters of an automatic reply's new text searched for a return date."""
_MAX_RAW_SUBJECT = 10_000


def classify(raw: bytes, *, now: datetime) -> Verdict:
    """Classify an inbound message: first match wins.

    1. A delivery status notification (:class:`Bounce`): ``multipart/report;
       report-type=delivery-status``, or a ``message/delivery-status`` part of
       its own (not of a message it attaches). Prose bounces are not read.
    2. An automatic reply (:class:`OutOfOffice`, with the return date its text
       states), the first sign found giving its ``evidence``: another
       ``multipart/report`` (read receipts, feedback reports);
       ``Auto-Submitted`` other than ``no``; ``X-Autoreply`` or
       ``X-Autorespond``; ``Precedence: auto_reply``, ``bulk`` or ``junk``; an
       out-of-office subject (:data:`OUT_OF_OFFICE_SUBJECTS`); ``Return-Path:
       <>``; a ``From`` of ``MAILER-DAEMON``. ``X-Auto-Response-Suppress`` alone
       is no sign: Outlook sets it on mail people write.
    3. Anything else is a :class:`Reply`.

    Pure: no I/O, no clock but ``now``; the same bytes give the same verdict.

    Args:
        raw: The message as received (RFC 5322), at most 10 MiB; CRLF or LF line endings.
        now: When it arrived; return dates are read relative to its date.

    Raises:
        InboundError: when ``raw`` is not a message at all: not bytes, empty,
            over 10 MiB, without a header section, a flood the parser would
            choke on (header lines, MIME boundaries, field-like lines,
            delivery-status blocks) or nested too deeply to parse. Anything
            else, however malformed, is read as well as it can be.
    """
    msg = parse(raw)
    found = parts(msg)
    mail = _mail(msg, bytes(raw), found)
    report = delivery_report(msg, found)
    if report is not None:
        return Bounce(**mail, recipients=report.recipients, original_message_id=report.original_message_id)
    evidence = automatic_evidence(msg, mail["subject"])
    text = new_text(found)
    if evidence is not None:
        return OutOfOffice(**mail, evidence=evidence, return_date=find_return_date(text[:MAX_DATE_SCAN], now),
                           text=text[:MAX_TEXT].rstrip())
    return Reply(**mail, text=text[:MAX_TEXT].rstrip())


def new_text(found: list[Part]) -> str:
    """What the sender newly wrote, without quoted history or signature.

    Read from the first plain-text body, else (or when it is blank) the first
    HTML body as text; attachments and attached messages are not read.
    """
    body = [p for p in found if not p.embedded and not p.attachment]
    text = next((p.text for p in body if p.content_type == "text/plain"), "")
    if not text.strip():
        html = next((p.text for p in body if p.content_type == "text/html"), None)
        if html is not None:
            text = html_text(html)
    return strip_signature(strip_quoted(_clean(text)))


def _mail(msg: Message, raw: bytes, found: list[Part]) -> dict[str, Any]:
    """The fields every verdict carries (:class:`InboundMail`)."""
    subject = one_line(decode_words((raw_header(msg, "Subject") or "")[:_MAX_RAW_SUBJECT]), MAX_SUBJECT)
    message_id = _ids.first_message_id(raw_header(msg, "Message-ID"))
    return {
        "message_id": message_id or f"sha256:{hashlib.sha256(raw).hexdigest()}",
        "sender": _ids.sender_address(raw_header(msg, "From")),
        "subject": subject,
        "in_reply_to": tuple(dict.fromkeys(_ids.message_ids(raw_header(msg, "In-Reply-To")))),
        "references": _ids.references(raw_header(msg, "References")),
        "tokens": _tokens(msg, subject, found),
    }


def _tokens(msg: Message, subject: str, found: list[Part]) -> tuple[str, ...]:
    """Cadence tokens: headers of the message and of the messages it returns, then ``[ref:...]`` in texts."""
    candidates = [_ids.header_token(v) for v in raw_headers(msg, _ids.TOKEN_HEADER)]
    for part in found:
        if part.content_type in ("message/rfc822", "message/global"):
            returned = embedded_message(part.part)
            if returned is not None:
                candidates += [_ids.header_token(v) for v in raw_headers(returned, _ids.TOKEN_HEADER)]
        elif part.content_type in ("text/rfc822-headers", "message/rfc822-headers"):
            headers = parse_headers(part.text.encode("utf-8"))
            candidates += [_ids.header_token(v) for v in raw_headers(headers, _ids.TOKEN_HEADER)]
    candidates += _ids.ref_tokens(subject)
    for part in found:
        if part.content_type in ("text/plain", "text/html"):
            candidates += _ids.ref_tokens(part.text)
    return tuple(dict.fromkeys(t for t in candidates if t))[: _ids.MAX_TOKENS]


def _clean(text: str) -> str:
    """Line breaks as ``\\n``; other control characters and bidi overrides dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return INVISIBLE.sub("", text)


__all__ = ["MAX_SUBJECT", "MAX_TEXT", "classify", "new_text"]
