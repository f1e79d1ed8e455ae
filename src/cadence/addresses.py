"""Email addresses and header text as the email channel writes them into a message.

Standard library only, so that ``cadence validate`` checks a step's ``from`` and ``reply_to`` by the rule
the channel sends with, without importing the channel (or Temporal). (Enrollment holds a lead's own
address to :func:`cadence.lead.is_email_address`, which also asks for a dot in the domain.)
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.utils import parseaddr

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]+")
_ADDR_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
MAX_SUBJECT = 250


class InvalidAddress(ValueError):
    """An address that cannot be put in a header or an envelope."""


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """``text`` without control characters or line breaks, whitespace collapsed, at most ``limit`` chars."""
    flat = " ".join(_CONTROL.sub(" ", str(text)).split())[:limit]
    # An RFC 2047 encoded word ("=?utf-8?q?...=0D=0A...?=") would be decoded back into a line break by
    # Python's email package (CVE-2024-6923 before 3.11.10); a zero-width space keeps it literal text.
    return flat.replace("=?", "=\u200b?")


def address(addr_spec: str, display_name: str = "") -> Address:
    """A header-safe :class:`Address`.

    Raises:
        InvalidAddress: when ``addr_spec`` is not a plain ``local@domain`` address.
    """
    addr_spec = str(addr_spec).strip()
    if len(addr_spec) > 254 or not _ADDR_RE.match(addr_spec):
        raise InvalidAddress(f"{addr_spec[:80]!r} is not a valid email address")
    local, _, domain = addr_spec.rpartition("@")
    try:
        return Address(display_name=one_line(display_name, 120), username=local, domain=domain)
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise InvalidAddress(f"{addr_spec[:80]!r}: {exc}") from None


def parse_address(text: str) -> Address:
    """Parse ``Name <addr>`` or ``addr`` into a header-safe :class:`Address`.

    Raises:
        InvalidAddress: when no usable address is found.
    """
    if _CONTROL.search(str(text)):
        raise InvalidAddress(f"{str(text)[:80]!r} contains control characters")
    name, addr = parseaddr(str(text))
    return address(addr, name)


__all__ = ["MAX_SUBJECT", "InvalidAddress", "address", "one_line", "parse_address"]
