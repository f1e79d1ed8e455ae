"""The keys that match a message to a lead: Message-IDs, the sender's address, cadence tokens."""

from __future__ import annotations

import re

MAX_REFERENCES = 100
MAX_TOKENS = 10
TOKEN_HEADER = "X-Cadence-Token"

# Printable ASCII without spaces or angle brackets: what a Message-ID may hold, and safe in any header or log.
_BRACKETED_ID = re.compile(r"<([!-;=?-~]{1,248})>")
_BARE_ID = re.compile(r"(?<![!-~])([!-;=?-~]{1,124}@[!-;=?-~]{1,124})(?![!-~])")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,200}")
_REF = re.compile(r"\[ref:([A-Za-z0-9_-]{16,200})\]")
_ADDR_CHARS = r'[^\s@<>()\[\],;:"\\\x00-\x1f\x7f-\x9f]'
_ADDR_SPEC = re.compile(rf"{_ADDR_CHARS}{{1,64}}@{_ADDR_CHARS}{{1,253}}")
_ANGLE_ADDR = re.compile(rf"<\s*({_ADDR_CHARS}{{1,64}}@{_ADDR_CHARS}{{1,253}})\s*>")
_BARE_ADDR = re.compile(rf"(?<![^\s,;:])({_ADDR_CHARS}{{1,64}}@{_ADDR_CHARS}{{1,253}})(?![^\s,;])")
_QUOTED_STRING = re.compile(r'"(?:[^"\\]|\\.){0,500}"')
_COMMENT = re.compile(r"\((?:[^()\\]|\\.){0,500}\)")
_MAX_FROM = 2_000
_MAX_COMMENT_DEPTH = 10


def message_ids(value: str | None) -> tuple[str, ...]:
    """The Message-IDs in a header value, normalised to ``<id>``, in order.

    Bracketed ids are taken as written; a value without any is read as bare
    ``local@domain`` ids (some clients leave the brackets out). Ids with spaces,
    control or non-ASCII characters, or longer than 250 characters, are dropped.

    >>> message_ids("<a@x> (comment) <b@y>")
    ('<a@x>', '<b@y>')
    """
    if not value:
        return ()
    found = _BRACKETED_ID.findall(value) or _BARE_ID.findall(value)
    return tuple(f"<{m}>" for m in found)


def first_message_id(value: str | None) -> str | None:
    """The first Message-ID of a header value (see :func:`message_ids`), or ``None``."""
    ids = message_ids(value)
    return ids[0] if ids else None


def references(value: str | None) -> tuple[str, ...]:
    """The ``References`` ids, each once; past :data:`MAX_REFERENCES`, the first (the thread's root) and the last."""
    ids = tuple(dict.fromkeys(message_ids(value)))
    if len(ids) > MAX_REFERENCES:
        return ids[:1] + ids[-(MAX_REFERENCES - 1):]
    return ids


def sender_address(value: str | None) -> str | None:
    """The first addr-spec of a ``From`` value, lowercased; ``None`` when there is none that looks valid.

    Reads the raw value, never the decoded one (an encoded display name must not
    smuggle in an address): quoted strings and comments are dropped, then the
    first ``<addr-spec>`` is taken, else the first bare one. Not
    :func:`email.utils.getaddresses`: it recurses on nested comments and slows
    down badly on long hostile values.
    """
    if not value:
        return None
    text = _QUOTED_STRING.sub(" ", value[:_MAX_FROM])
    for _ in range(_MAX_COMMENT_DEPTH):
        text, count = _COMMENT.subn(" ", text)
        if not count:
            break
    match = _ANGLE_ADDR.search(text) or _BARE_ADDR.search(text)
    if match is None:
        return None
    addr = match.group(1)
    return addr.lower() if len(addr) <= 254 and _ADDR_SPEC.fullmatch(addr) else None


def header_token(value: str | None) -> str | None:
    """The token of an ``X-Cadence-Token`` value when it is exactly one well-formed token."""
    value = (value or "").strip()
    return value if _TOKEN.fullmatch(value) else None


def ref_tokens(text: str) -> list[str]:
    """Every ``[ref:TOKEN]`` token in ``text``, in order."""
    return _REF.findall(text)


__all__ = ["MAX_REFERENCES", "MAX_TOKENS", "TOKEN_HEADER", "first_message_id", "header_token", "message_ids",
           "ref_tokens", "references", "sender_address"]
