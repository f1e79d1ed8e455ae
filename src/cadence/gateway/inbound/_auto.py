"""Automatic replies (RFC 3834): out-of-office notices and other answers no person wrote."""

from __future__ import annotations

import re
import unicodedata
from email.message import Message
from email.utils import collapse_rfc2231_value

from cadence.gateway.inbound._mime import raw_header, raw_headers

# Subject prefixes of out-of-office replies (Outlook, Exchange, Gmail, Lotus, webmail) in English, German,
# French and Spanish, with and without accents; compared case-folded.
OUT_OF_OFFICE_SUBJECTS = (
    "out of office", "out of the office", "automatic reply", "auto reply", "auto-reply", "autoreply",
    "auto response", "auto-response", "autoresponse", "away from the office",
    "abwesenheitsnotiz", "automatische antwort", "abwesenheit", "nicht im büro", "nicht im buero",
    "absence du bureau", "absent du bureau", "absente du bureau", "réponse automatique", "reponse automatique",
    "message d'absence", "message d’absence",
    "fuera de la oficina", "fuera de oficina", "respuesta automática", "respuesta automatica",
    "ausente de la oficina",
)
_OOO_SUBJECT = re.compile(
    r"(?:\[[^\]]{0,40}\]\s*)*(" + "|".join(re.escape(s.casefold()) for s in OUT_OF_OFFICE_SUBJECTS) + r")(?!\w)"
)
_AUTOMATIC_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk"})
_NO = frozenset({"", "no", "false", "0", "off"})
_KEYWORD = re.compile(r"[a-z0-9_.-]{1,40}")


def automatic_evidence(msg: Message, subject: str) -> str | None:
    """What marks ``msg`` as automatic, or ``None`` when a person may have written it.

    In order: a ``multipart/report`` that is not about delivery (read
    receipts, feedback reports); ``Auto-Submitted`` other than ``no``;
    ``X-Autoreply`` or ``X-Autorespond`` (other than ``no``); ``Precedence:
    auto_reply``, ``bulk`` or ``junk``; an out-of-office subject
    (:data:`OUT_OF_OFFICE_SUBJECTS`, at the start, after any ``[TAG]``); a
    null ``Return-Path: <>``; a ``From`` of ``MAILER-DAEMON``.
    ``X-Auto-Response-Suppress`` is not a sign: Outlook sets it on mail people write.

    Args:
        msg: The parsed message.
        subject: Its decoded subject.
    """
    if msg.get_content_type().lower() == "multipart/report":
        report_type = _keyword(collapse_rfc2231_value(msg.get_param("report-type", "")))
        return f"Content-Type: multipart/report; report-type={report_type}"
    for value in raw_headers(msg, "Auto-Submitted"):
        keyword = _keyword(value)
        if keyword not in ("", "no"):
            return f"Auto-Submitted: {keyword}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if any(_keyword(v) not in _NO for v in raw_headers(msg, name)):
            return name
    for value in raw_headers(msg, "Precedence"):
        if (keyword := _keyword(value)) in _AUTOMATIC_PRECEDENCE:
            return f"Precedence: {keyword}"
    folded = unicodedata.normalize("NFC", subject).casefold().strip()
    if m := _OOO_SUBJECT.match(folded):
        return f"Subject: {m.group(1)}"
    return_path = raw_header(msg, "Return-Path")
    if return_path is not None and re.fullmatch(r"<\s*>", return_path):
        return "Return-Path: <>"
    sender = raw_header(msg, "From") or ""
    if re.search(r"(?<![\w.+-])mailer-daemon@", sender, re.IGNORECASE):
        return "From: MAILER-DAEMON"
    return None


def _keyword(value: str) -> str:
    """The first word of a field value (comments and parameters dropped), lowercased; ``other`` if odd."""
    word = re.split(r"[;(\s]", value.strip(), maxsplit=1)[0].lower() if value.strip() else ""
    return word if word == "" or _KEYWORD.fullmatch(word) else "other"


__all__ = ["OUT_OF_OFFICE_SUBJECTS", "automatic_evidence"]
