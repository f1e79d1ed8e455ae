"""Reading hostile MIME safely: bounded parsing, raw header values, decoded text parts.

Headers are read raw (a :class:`~email.policy.Compat32` that returns values
as parsed) and decoded here, so that an encoded word can never add a header,
an address or a line break to what classification sees.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32
from itertools import islice

from cadence.gateway.inbound._types import InboundError

MAX_BYTES = 10 * 1024 * 1024
"""Largest message accepted (10 MiB)."""
MAX_HEADERS = 2_000
"""Most header fields in the top-level header section."""
MAX_HEADER_LINES = 10_000
"""Most lines in the top-level header section (folded fields take several)."""
MAX_DELIMITERS = 5_000
"""Most lines starting with ``--`` (possible MIME boundaries)."""
MAX_FIELD_LINES = 100_000
"""Most lines shaped like a header field (``Name: value``) in the whole message, MIME parts included."""
MAX_STATUS_BLOCKS = 10_000
"""Most empty lines in a message that has a delivery-status part."""
MAX_DEPTH = 20
"""Deepest MIME nesting walked: parts more levels below the message are ignored."""
MAX_PARTS = 500
"""Most MIME parts walked."""
MAX_SCAN = 1_000_000
"""Characters of each text part that are read."""

INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
"""C0 and C1 controls but tab and line feed, line and paragraph separators, and the bidirectional overrides
that make text read other than it is."""
_FIELD_LINE = re.compile(rb"^[!-9;-~]{1,80}:", re.MULTILINE)
_DELIVERY_STATUS = re.compile(rb"delivery-status", re.IGNORECASE)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_FOLD = re.compile(r"\r?\n[ \t]*")
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,40})\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(?<=\?=)\s+(?==\?)")
_EMBEDDED = frozenset({"message/rfc822", "message/global"})
# message/* types that are not messages, though the stdlib parser reads them as such (message/delivery-status as
# one pseudo-message per block).
_REPARSED = frozenset({"message/delivery-status", "message/global-delivery-status", "message/rfc822-headers",
                       "message/global-headers"})
# Parts read as text besides text/*: returned headers, and delivery reports the parser left whole.
_TEXT_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers", "message/delivery-status",
                         "message/global-delivery-status"})
# Text codecs no mail charset needs: escapes that turn text into line breaks, slow decoders, one that always fails.
_REFUSED_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "punycode", "idna", "undefined"})


class _RawHeaders(Compat32):
    """Compat32 that hands header values back exactly as parsed (no ``Header`` objects)."""

    def header_fetch_parse(self, name: str, value: str) -> str:  # type: ignore[override]
        return value


_POLICY = _RawHeaders()


@dataclass(frozen=True)
class Part:
    """A MIME part that carries content, decoded."""

    content_type: str
    """Lowercased ``type/subtype``."""
    text: str
    """The decoded content (text parts only; empty otherwise), at most :data:`MAX_SCAN` characters."""
    embedded: bool
    """Inside a returned or attached message (``message/rfc822``), not the message's own content."""
    attachment: bool
    """``Content-Disposition: attachment``."""
    part: Message
    """The part itself."""


def parse(raw: bytes) -> Message:
    """Parse ``raw`` into a message whose header values are raw strings.

    Line endings are CRLF or LF; a bare CR is not a line break (it becomes a
    space), so it cannot start a header of its own.

    Raises:
        InboundError: when ``raw`` is not bytes, is empty, over :data:`MAX_BYTES`,
            has no header section, too many header fields, possible MIME
            boundaries or delivery-status blocks, or nests too deeply.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise InboundError(f"expected the message as bytes, got {type(raw).__name__}")
    data = bytes(raw)
    if len(data) > MAX_BYTES:
        raise InboundError(f"message is {len(data):,} bytes, over the limit of {MAX_BYTES:,} bytes (10 MiB)")
    if not data.strip():
        raise InboundError("message is empty")
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b" ")
    # The stdlib parser spends about 10 µs per MIME part and header field: refuse floods before parsing.
    delimiters = data.count(b"\n--")
    if delimiters > MAX_DELIMITERS:
        raise InboundError(f"{delimiters:,} lines that may be MIME boundaries, over the limit of {MAX_DELIMITERS:,}")
    # It also builds one per field block of a delivery-status part: blocks end at empty lines.
    if _DELIVERY_STATUS.search(data) and (blocks := data.count(b"\n\n")) > MAX_STATUS_BLOCKS:
        raise InboundError(f"a delivery report with {blocks:,} empty lines, over the limit of {MAX_STATUS_BLOCKS:,}")
    header_end = data.find(b"\n\n")
    header_lines = data.count(b"\n", 0, header_end if header_end >= 0 else len(data)) + 1
    if header_lines > MAX_HEADER_LINES:
        raise InboundError(f"header section of {header_lines:,} lines, over the limit of {MAX_HEADER_LINES:,}")
    if sum(1 for _ in islice(_FIELD_LINE.finditer(data), MAX_FIELD_LINES + 1)) > MAX_FIELD_LINES:
        raise InboundError(f"more than {MAX_FIELD_LINES:,} lines that may be header fields")
    try:
        msg = BytesParser(policy=_POLICY).parsebytes(data)
    except RecursionError:
        raise InboundError("MIME parts are nested too deeply to parse") from None
    if len(msg) == 0:
        raise InboundError("no header fields: not an RFC 5322 message")
    if len(msg) > MAX_HEADERS:
        raise InboundError(f"{len(msg):,} header fields, over the limit of {MAX_HEADERS:,}")
    return msg


def raw_header(msg: Message, name: str) -> str | None:
    """The first ``name`` field of ``msg``, unfolded, as text (8-bit bytes read as UTF-8); ``None`` if absent."""
    value = msg.get(name)
    return None if value is None else unfold(as_text(value))


def raw_headers(msg: Message, name: str) -> list[str]:
    """Every ``name`` field of ``msg``, unfolded, as text."""
    return [unfold(as_text(v)) for v in msg.get_all(name) or [] if isinstance(v, str)]


def as_text(value: object) -> str:
    """A raw header value as text: undecodable 8-bit bytes are read as UTF-8 with replacement."""
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def unfold(value: str) -> str:
    """Undo header folding; any line break left becomes a space."""
    return _FOLD.sub(" ", value).replace("\r", " ").replace("\n", " ").strip()


def one_line(text: str, limit: int) -> str:
    """``text`` without :data:`INVISIBLE` characters, whitespace collapsed, at most ``limit`` characters."""
    return " ".join(INVISIBLE.sub(" ", text).split())[:limit]


def decode_words(value: str) -> str:
    """Decode the RFC 2047 encoded words of a header value; a word that does not decode stays as written."""
    return _ENCODED_WORD.sub(_decode_word, _BETWEEN_WORDS.sub("", value))


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, payload = match.groups()
    try:
        if encoding in "bB":
            data = base64.b64decode(payload + "=" * (-len(payload) % 4))
        else:
            data = binascii.a2b_qp(payload.encode("ascii"), header=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return decode_bytes(data, charset.partition("*")[0])


def decode_bytes(data: bytes, charset: str | None) -> str:
    """``data`` in ``charset``; unknown or non-text charsets fall back to UTF-8, bad bytes to U+FFFD.

    The text never holds a lone surrogate (UTF-7 can decode to one), which no encoder downstream would take.
    """
    if charset:
        try:
            if codecs.lookup(charset).name not in _REFUSED_CODECS:
                return _SURROGATE.sub("\ufffd", data.decode(charset, "replace"))
        except (LookupError, UnicodeError, ValueError, TypeError):
            pass
    return data.decode("utf-8", "replace")


def parts(msg: Message) -> list[Part]:
    """The parts of ``msg`` that carry content, in document order, those of attached messages included.

    Leaves come with their decoded text (empty unless text); delivery-status
    parts with theirs (see :func:`_reassembled_text`); a ``message/rfc822``
    part comes as a marker (empty text) before the parts of the message it holds.
    Walks at most :data:`MAX_PARTS` parts, at most :data:`MAX_DEPTH` levels down.
    """
    found: list[Part] = []
    stack: list[tuple[Message, int, bool]] = [(msg, 0, False)]
    seen = 0
    while stack and seen < MAX_PARTS:
        part, depth, embedded = stack.pop()
        seen += 1
        content_type = part.get_content_type().lower()
        if part.is_multipart():
            if content_type in _REPARSED:
                found.append(Part(content_type, _reassembled_text(part), embedded, False, part))
                continue
            if depth >= MAX_DEPTH:
                found.append(Part(content_type, "", embedded, False, part))
                continue
            inner = embedded or content_type.startswith("message/")
            if content_type in _EMBEDDED:
                found.append(Part(content_type, "", embedded, False, part))
            stack.extend((p, depth + 1, inner) for p in reversed(children(part)))
            continue
        text = part_text(part) if content_type.startswith("text/") or content_type in _TEXT_TYPES else ""
        attachment = (part.get_content_disposition() or "") == "attachment"
        found.append(Part(content_type, text, embedded, attachment, part))
    return found


def children(part: Message) -> list[Message]:
    """The sub-parts of a multipart or ``message/*`` part; empty for a leaf.

    Never ``part.get_payload()`` on a leaf: with 8-bit bytes and an 8-bit
    charset parameter it raises instead of decoding.
    """
    if not part.is_multipart():
        return []
    return [p for p in part.get_payload() if isinstance(p, Message)]


def embedded_message(part: Message) -> Message | None:
    """The message inside a ``message/rfc822`` part, or ``None``."""
    inner = children(part)
    return inner[0] if inner else None


def part_text(part: Message) -> str:
    """The decoded content of a leaf part (transfer encoding and charset), at most :data:`MAX_SCAN` characters."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    return decode_bytes(data[: MAX_SCAN * 4], part.get_content_charset())[:MAX_SCAN]


def _reassembled_text(part: Message) -> str:
    """The text of a ``message/*`` part that is not a message but that the parser read as one (or as several).

    Its "headers" and "bodies" are put back together, then its transfer encoding
    (which the parser left alone, believing them messages) is undone.
    """
    blocks = []
    for inner in children(part)[:MAX_STATUS_BLOCKS]:
        head = "".join(f"{name}: {as_text(value)}\n" for name, value in inner.items()).encode("utf-8")
        body = None if inner.is_multipart() else inner.get_payload(decode=True)
        body = body if isinstance(body, bytes) else b""
        blocks.append(head + b"\n" + body if head and body else head + body)
    data = b"\n".join(blocks)
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    try:
        if encoding == "base64":
            data = b"".join(data.split())
            data = base64.b64decode(data + b"=" * (-len(data) % 4))
        elif encoding == "quoted-printable":
            data = quopri.decodestring(data)
    except (binascii.Error, ValueError):
        pass
    return decode_bytes(data[: MAX_SCAN * 4], part.get_content_charset() or "utf-8")[:MAX_SCAN]


def parse_headers(data: bytes) -> Message:
    """Parse a header block (a ``text/rfc822-headers`` part) into a message with raw header values."""
    return BytesParser(policy=_POLICY).parsebytes(data.replace(b"\r\n", b"\n").replace(b"\r", b" "),
                                                  headersonly=True)


__all__ = [
    "INVISIBLE",
    "MAX_BYTES",
    "Part",
    "as_text",
    "children",
    "decode_bytes",
    "decode_words",
    "embedded_message",
    "one_line",
    "parse",
    "parse_headers",
    "part_text",
    "parts",
    "raw_header",
    "raw_headers",
    "unfold",
]
