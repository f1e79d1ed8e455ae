"""The SMTP transport: one connection per message, failures sorted into retry or not.

Sorting is the point: a temporary problem (4xx, connection refused, timeout,
dropped connection, auth or sender trouble an operator can fix) raises and
Temporal retries with backoff; a permanent recipient refusal (5xx at RCPT) is
a bounce; a permanent refusal of the message itself (5xx at DATA) is final.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
from temporalio.exceptions import ApplicationError

from cadence.channels.settings import ChannelSettings


class Bounce(Exception):
    """The server refused the recipient permanently (5xx at RCPT)."""

    def __init__(self, code: int, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code} {detail}")


class EmailTransport(Protocol):
    """Delivers a built message; replace it to send through an ESP's API instead of SMTP.

    Implementations raise :class:`Bounce` for a permanent recipient refusal,
    ``ApplicationError(non_retryable=True)`` for a permanent refusal of the
    message, and anything else for a temporary problem (retried).
    """

    async def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> str:
        """Send ``message``; return the server's answer."""
        ...


class SmtpTransport:
    """Sends over SMTP with ``aiosmtplib`` (plain, STARTTLS or implicit TLS, optional login)."""

    def __init__(self, settings: ChannelSettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> str:
        """Send ``message`` to ``recipients`` with envelope sender ``sender``."""
        s = self.settings
        where = f"SMTP {s.smtp_host}:{s.smtp_port}"
        try:
            errors, answer = await aiosmtplib.send(
                # The bytes as the message's own policy writes them: aiosmtplib would flatten a message
                # object with email.policy.SMTP, folding long structured headers (List-Unsubscribe,
                # Message-ID) into encoded words that mail clients ignore.
                message.as_bytes(policy=message.policy.clone(linesep="\r\n")),
                sender=sender,
                recipients=recipients,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username,
                password=s.smtp_password,
                use_tls=s.smtp_security == "tls",
                # False, not None: a plain relay must not be upgraded behind the operator's back.
                start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            refusals = exc.recipients
            if refusals and all(r.code >= 500 for r in refusals):
                raise Bounce(refusals[0].code, refusals[0].message) from None
            detail = "; ".join(f"{r.code} {r.message}" for r in refusals)
            raise ApplicationError(f"{where}: recipient deferred: {detail}", type="SmtpTemporary") from None
        except aiosmtplib.SMTPDataError as exc:
            if exc.code >= 500:
                raise ApplicationError(f"{where}: message refused: {exc.code} {exc.message}",
                                       type="MessageRejected", non_retryable=True) from None
            raise ApplicationError(f"{where}: {exc.code} {exc.message}", type="SmtpTemporary") from None
        except aiosmtplib.SMTPResponseException as exc:
            raise ApplicationError(f"{where}: {exc.code} {exc.message}", type="SmtpTemporary") from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise ApplicationError(f"{where} unavailable: {type(exc).__name__}: {exc}",
                                   type="SmtpUnavailable") from None
        refused = [(addr, resp) for addr, resp in errors.items() if addr in recipients]
        if refused and len(refused) == len(recipients):
            addr, resp = refused[0]
            if resp.code >= 500:
                raise Bounce(resp.code, resp.message)
            raise ApplicationError(f"{where}: recipient deferred: {resp.code} {resp.message}", type="SmtpTemporary")
        return answer


__all__ = ["Bounce", "EmailTransport", "SmtpTransport"]
