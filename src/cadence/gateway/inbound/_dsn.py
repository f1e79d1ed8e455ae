"""Delivery status notifications (RFC 3464): who failed, how badly, and which message it was."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import collapse_rfc2231_value

from cadence.gateway.inbound._ids import first_message_id
from cadence.gateway.inbound._mime import Part, embedded_message, one_line, parse_headers, raw_header
from cadence.gateway.inbound._types import BouncedRecipient, Severity

MAX_RECIPIENTS = 100
MAX_BLOCKS = 1_000
MAX_DIAGNOSTIC = 1_000

_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_RETURNED_HEADERS = frozenset({"text/rfc822-headers", "message/rfc822-headers"})
_RETURNED_MESSAGES = frozenset({"message/rfc822", "message/global"})
_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_FIELD = re.compile(r"([!-9;-~]+)[ \t]*:(.*)")
_NOT_FAILED = frozenset({"delivered", "relayed", "expanded"})


@dataclass(frozen=True)
class DeliveryReport:
    """What a delivery status notification says."""

    recipients: tuple[BouncedRecipient, ...]
    """Recipients reported failed or delayed."""
    original_message_id: str | None
    """``Message-ID`` of the message it reports on, when the report tells."""


def delivery_report(msg: Message, parts: list[Part]) -> DeliveryReport | None:
    """The report of ``msg`` when it is a delivery status notification, else ``None``.

    It is one when it is ``multipart/report; report-type=delivery-status`` or
    when one of its own parts (not of a message it attaches) is
    ``message/delivery-status`` (some relays wrap reports in
    ``multipart/mixed``). Prose bounces without such a part are not read.
    """
    own = [p for p in parts if not p.embedded]
    status_parts = [p for p in own if p.content_type in _STATUS_TYPES]
    declared = (msg.get_content_type().lower() == "multipart/report"
                and collapse_rfc2231_value(msg.get_param("report-type", "")).strip().lower() == "delivery-status")
    if not declared and not status_parts:
        return None
    blocks = [block for p in status_parts for block in _blocks(p.text)][:MAX_BLOCKS]
    recipients = [r for r in map(_recipient, blocks) if r is not None]
    original = _returned_message_id(own) or next(
        (first_message_id(b["x-original-message-id"]) for b in blocks if "x-original-message-id" in b), None)
    return DeliveryReport(tuple(recipients[:MAX_RECIPIENTS]), original)


def _blocks(text: str) -> list[dict[str, str]]:
    """The field blocks of a delivery-status text: names lowercased, the first of each name kept."""
    blocks: list[dict[str, str]] = []
    fields: dict[str, str] = {}
    name: str | None = None
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            if fields:
                blocks.append(fields)
            fields, name = {}, None
        elif line[0] in " \t" and name is not None:
            fields[name] = f"{fields[name]} {line.strip()}"
        elif m := _FIELD.fullmatch(line):
            name = m.group(1).lower()
            if name in fields:
                name = None
            else:
                fields[name] = m.group(2).strip()
    if fields:
        blocks.append(fields)
    return blocks


def _recipient(fields: dict[str, str]) -> BouncedRecipient | None:
    final = _address(fields.get("final-recipient"))
    original = _address(fields.get("original-recipient"))
    address = final or original
    if address is None:
        return None
    action = (fields.get("action") or "").split(";")[0].split("(")[0].strip().lower()
    diagnostic = one_line(_typed_value(fields.get("diagnostic-code") or ""), MAX_DIAGNOSTIC)
    status = _status(fields.get("status") or "") or _status(diagnostic)
    severity = _severity(action, status)
    if severity is None:
        return None
    return BouncedRecipient(address=address, original=original, action=one_line(action, 40), status=status,
                            severity=severity, diagnostic=diagnostic)


def _severity(action: str, status: str) -> Severity | None:
    if action in _NOT_FAILED:
        return None
    if status.startswith("5"):
        return "hard"
    if status.startswith("4"):
        return "soft"
    if action == "failed":
        return "hard"
    if action == "delayed":
        return "soft"
    return None


def _status(text: str) -> str:
    m = _STATUS.search(text)
    return f"{m.group(1)}.{int(m.group(2))}.{int(m.group(3))}" if m else ""


def _typed_value(value: str) -> str:
    """``rfc822; a@b`` -> ``a@b``: the value without its type."""
    kind, sep, rest = value.partition(";")
    return rest.strip() if sep and re.fullmatch(r"[A-Za-z0-9-]{1,20}", kind.strip()) else value.strip()


def _address(value: str | None) -> str | None:
    address = _typed_value(value or "").strip().strip("<>").strip().lower()
    if not address or len(address) > 254 or "@" not in address or not address.isprintable() or " " in address:
        return None
    return address


def _returned_message_id(parts: list[Part]) -> str | None:
    """Message-ID of the returned message or headers (the first such part that has one)."""
    for part in parts:
        if part.content_type in _RETURNED_MESSAGES:
            returned = embedded_message(part.part)
            found = first_message_id(raw_header(returned, "Message-ID")) if returned is not None else None
            if found:
                return found
        elif part.content_type in _RETURNED_HEADERS:
            found = first_message_id(raw_header(parse_headers(part.text.encode("utf-8")), "Message-ID"))
            if found:
                return found
    return None


__all__ = ["DeliveryReport", "delivery_report"]
