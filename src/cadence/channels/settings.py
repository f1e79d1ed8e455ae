"""What the channel activities need to deliver: a slice of :class:`cadence.config.Settings`.

The settings themselves (names, variables, defaults, parsing, ``cadence config``)
belong to :mod:`cadence.config`; this class only carries the ones the channels
use, under the same names, so activities and providers get a small frozen
dependency rather than every knob of cadence.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from cadence.config import Settings

_DEFAULTS = Settings()


@dataclass(frozen=True)
class ChannelSettings:
    """Where and how the channels deliver; each field is the :class:`~cadence.config.Settings` field of that name.

    Build it with :meth:`from_settings`; construct it directly only in tests and
    embeddings, where values are trusted (nothing here is parsed or checked).
    """

    smtp_host: str = _DEFAULTS.smtp_host
    """SMTP server the email channel sends through."""
    smtp_port: int = _DEFAULTS.smtp_port
    """SMTP port."""
    smtp_security: str = _DEFAULTS.smtp_security
    """One of :data:`cadence.config.SMTP_SECURITY`."""
    smtp_username: str | None = _DEFAULTS.smtp_username
    """SMTP login, when the server wants one."""
    smtp_password: str | None = field(default=_DEFAULTS.smtp_password, repr=False)
    """SMTP password; never written to files or logs."""
    smtp_timeout: float = _DEFAULTS.smtp_timeout
    """Seconds for connecting and for each SMTP command."""
    smtp_service: str = _DEFAULTS.smtp_service
    """One of :data:`cadence.config.SMTP_SERVICES`: whose custom-argument header carries the lead token."""
    sender: str = _DEFAULTS.sender
    """``From`` of emails whose step names no sender (``Name <addr>`` allowed)."""
    message_id_domain: str = _DEFAULTS.message_id_domain
    """Right-hand side of Message-IDs."""
    unsubscribe_url: str = _DEFAULTS.unsubscribe_url
    """Base of unsubscribe links."""
    unsubscribe_secret: str | None = field(default=_DEFAULTS.unsubscribe_secret, repr=False)
    """Key signing unsubscribe links; ``None`` falls back to a built-in (forgeable) key."""
    outbox_dir: Path = _DEFAULTS.outbox
    """Root of the file outbox: tasks, voicemail, letters, handoffs, exits."""
    handoff_webhook: str | None = _DEFAULTS.handoff_webhook
    """Handoffs are POSTed here as JSON when set."""
    webhook_timeout: float = _DEFAULTS.webhook_timeout
    """Seconds a POST to ``handoff_webhook`` may take."""
    queue_mailboxes: tuple[tuple[str, str], ...] = _DEFAULTS.queue_mailboxes
    """Queue name -> the address its email goes to (a handoff or escalation to ``queue:NAME``)."""
    public_url: str | None = _DEFAULTS.public_url
    """The gateway's address as people reach it: handoff emails link to its handoff page."""
    workspace_secret: str | None = field(default=_DEFAULTS.workspace_secret, repr=False)
    """Key signing the handoff emails' links; ``None``: no link."""

    @classmethod
    def from_settings(cls, settings: Settings) -> ChannelSettings:
        """The channels' slice of ``settings`` (already parsed and checked by :mod:`cadence.config`)."""
        values = {f.name: getattr(settings, f.name) for f in dataclasses.fields(cls)}
        return cls(**values | {"outbox_dir": settings.outbox})


__all__ = ["ChannelSettings"]
