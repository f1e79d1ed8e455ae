"""Keyed digests of leads' email addresses: finding a lead by who wrote, with no address in visibility.

Where ``inbound_match_sender`` is on, enrollment gives each lead the search
attribute ``CadenceContactKeys``: the HMAC of its address under the
deployment's signing secret. The gateway, holding the same secret, computes the
key of a message's sender and asks visibility which running lead has it, when
neither cadence's Message-IDs nor its signed token name one. Search attributes
are stored unencrypted: a keyed digest reveals no address and cannot be
reversed by hashing guessed addresses without the secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cadence.channels.signing import signature

if TYPE_CHECKING:
    from cadence.config import Settings

PURPOSE = "contact"
"""The signing purpose: a contact key is useless as any other token."""


@dataclass(frozen=True)
class ContactKeys:
    """Computes contact keys with one deployment's secret."""

    secret: str | None = field(repr=False)
    """The signing secret (``unsubscribe_secret``); ``None`` uses the built-in, forgeable key."""

    @classmethod
    def configured(cls, settings: Settings) -> ContactKeys | None:
        """The deployment's keys when ``inbound_match_sender`` is on; ``None`` otherwise."""
        return cls(settings.unsubscribe_secret) if settings.inbound_match_sender else None

    def of_address(self, address: str) -> str:
        """The key of ``address`` (case and surrounding blanks do not matter)."""
        return signature(PURPOSE, address.strip().lower(), self.secret, 32)

    def of_lead(self, fields: Mapping[str, Any]) -> tuple[str, ...]:
        """The keys of a lead record's addresses (its ``email``); none when it has no address."""
        email = str(fields.get("email") or "").strip()
        return (self.of_address(email),) if email else ()

    def of_change(self, fields: Mapping[str, Any]) -> list[str] | None:
        """The keys a lead has after a change of its ``fields``; ``None`` when the change leaves its address alone."""
        return list(self.of_lead(fields)) if "email" in fields else None


__all__ = ["PURPOSE", "ContactKeys"]
