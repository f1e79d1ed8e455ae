"""Configuration of the channel activities, read from ``CADENCE_*`` variables.

Secrets (the SMTP password, the unsubscribe signing key) come from the
environment only: a config file ends up in a repository sooner or later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

SMTP_SECURITY: tuple[str, ...] = ("none", "starttls", "tls")
"""``none`` (plain, local relays), ``starttls`` (upgrade, port 587), ``tls`` (implicit TLS, port 465)."""

_DOMAIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
_DEFAULT_PORTS = {"none": 1025, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class ChannelSettings:
    """Where and how the channels deliver."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_security: str = "none"
    """One of :data:`SMTP_SECURITY`."""
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    """From ``CADENCE_SMTP_PASSWORD`` only; never written to files or logs."""
    smtp_timeout: float = 30.0
    """Seconds for connecting and for each SMTP command."""
    default_sender: str = "cadence@localhost"
    """``From`` of emails whose step names no sender (``Name <addr>`` allowed)."""
    outbox_dir: Path = Path(".cadence/outbox")
    """Root of the file outbox: tasks, voicemail, letters, handoffs, exits."""
    webhook_url: str | None = None
    """Handoffs are POSTed here as JSON when set."""
    webhook_timeout: float = 10.0
    unsubscribe_base_url: str = "http://localhost:8080/unsubscribe"
    unsubscribe_secret: str | None = field(default=None, repr=False)
    """Key signing unsubscribe links (``CADENCE_UNSUBSCRIBE_SECRET``); set it in production."""
    message_id_domain: str = "cadence.local"

    def __post_init__(self) -> None:
        if self.smtp_security not in SMTP_SECURITY:
            raise ValueError(f"smtp_security must be one of {', '.join(SMTP_SECURITY)}, got {self.smtp_security!r}")
        if not 0 < self.smtp_port < 65536:
            raise ValueError(f"smtp_port must be 1-65535, got {self.smtp_port}")
        if not isinstance(self.outbox_dir, Path):
            object.__setattr__(self, "outbox_dir", Path(self.outbox_dir))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> ChannelSettings:
        """Read settings from ``CADENCE_*`` variables; unset ones keep their defaults.

        Raises:
            ValueError: naming the variable whose value is unusable.
        """

        def get(name: str) -> str | None:
            value = environ.get(name)
            return value.strip() if value is not None and value.strip() else None

        kw: dict[str, object] = {}
        security = get("CADENCE_SMTP_SECURITY")
        if security is not None:
            security = security.lower()
            if security not in SMTP_SECURITY:
                raise ValueError(f"CADENCE_SMTP_SECURITY: {security!r} is not one of {', '.join(SMTP_SECURITY)}")
            kw["smtp_security"] = security
        if (host := get("CADENCE_SMTP_HOST")) is not None:
            kw["smtp_host"] = host
        port = get("CADENCE_SMTP_PORT")
        if port is not None:
            kw["smtp_port"] = _port(port)
        elif security is not None:
            # An implicit-TLS or submission server almost never listens on the local-relay port.
            kw["smtp_port"] = _DEFAULT_PORTS[security]
        if (user := get("CADENCE_SMTP_USERNAME")) is not None:
            kw["smtp_username"] = user
        password = environ.get("CADENCE_SMTP_PASSWORD")
        if password:
            kw["smtp_password"] = password
        if (timeout := get("CADENCE_SMTP_TIMEOUT")) is not None:
            kw["smtp_timeout"] = _positive("CADENCE_SMTP_TIMEOUT", timeout)
        if (sender := get("CADENCE_SENDER")) is not None:
            _, addr = parseaddr(sender)
            if "@" not in addr or any(c in sender for c in "\r\n"):
                raise ValueError(f"CADENCE_SENDER: {sender[:80]!r} is not an email address (like 'Dana <dana@example.com>')")
            kw["default_sender"] = sender
        if (outbox := get("CADENCE_OUTBOX")) is not None:
            kw["outbox_dir"] = Path(outbox).expanduser()
        if (hook := get("CADENCE_HANDOFF_WEBHOOK")) is not None:
            kw["webhook_url"] = _url("CADENCE_HANDOFF_WEBHOOK", hook)
        if (unsub := get("CADENCE_UNSUBSCRIBE_URL")) is not None:
            kw["unsubscribe_base_url"] = _url("CADENCE_UNSUBSCRIBE_URL", unsub)
        secret = environ.get("CADENCE_UNSUBSCRIBE_SECRET")
        if secret:
            kw["unsubscribe_secret"] = secret
        if (domain := get("CADENCE_MESSAGE_ID_DOMAIN")) is not None:
            if not _DOMAIN_RE.match(domain):
                raise ValueError(f"CADENCE_MESSAGE_ID_DOMAIN: {domain[:80]!r} is not a domain name")
            kw["message_id_domain"] = domain
        return cls(**kw)  # type: ignore[arg-type]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise ValueError(f"CADENCE_SMTP_PORT: {text[:20]!r} is not a port number (1-65535)") from None
    if not 0 < port < 65536:
        raise ValueError(f"CADENCE_SMTP_PORT: {port} is outside 1-65535")
    return port


def _positive(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name}: {text[:20]!r} is not a number of seconds") from None
    if not value > 0:
        raise ValueError(f"{name}: must be more than 0 seconds, got {text!r}")
    return value


def _url(name: str, text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name}: {text[:80]!r} is not an http(s) URL")
    return text


__all__ = ["ChannelSettings", "SMTP_SECURITY"]
