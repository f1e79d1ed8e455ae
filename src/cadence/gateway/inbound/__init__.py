"""Inbound mail classification: pure functions from a message's raw bytes to a verdict.

:func:`classify` tells a delivery status notification (:class:`Bounce`) from
an automatic reply (:class:`OutOfOffice`) from a person's :class:`Reply`, and
carries what matching a message to a lead needs: Message-IDs, the sender,
cadence tokens. No I/O, no clock, no network: the same bytes and ``now`` give
the same verdict; malformed input raises :class:`InboundError` or is read as
well as it can be, never anything else.
"""

from __future__ import annotations

from cadence.gateway.inbound._auto import OUT_OF_OFFICE_SUBJECTS
from cadence.gateway.inbound._classify import MAX_SUBJECT, MAX_TEXT, classify
from cadence.gateway.inbound._dates import find_return_date
from cadence.gateway.inbound._html import html_text
from cadence.gateway.inbound._ids import message_ids
from cadence.gateway.inbound._mime import MAX_BYTES
from cadence.gateway.inbound._quotes import strip_quoted, strip_signature
from cadence.gateway.inbound._types import (
    Bounce,
    BouncedRecipient,
    InboundError,
    InboundMail,
    OutOfOffice,
    Reply,
    Severity,
    Verdict,
)

__all__ = [
    "Bounce",
    "BouncedRecipient",
    "InboundError",
    "InboundMail",
    "MAX_BYTES",
    "MAX_SUBJECT",
    "MAX_TEXT",
    "OUT_OF_OFFICE_SUBJECTS",
    "OutOfOffice",
    "Reply",
    "Severity",
    "Verdict",
    "classify",
    "find_return_date",
    "html_text",
    "message_ids",
    "strip_quoted",
    "strip_signature",
]
