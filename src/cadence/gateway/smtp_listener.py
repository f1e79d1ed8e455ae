"""The gateway's inbound SMTP listener (aiosmtpd): replies, bounces and out-of-office mail arrive here.

A message is acknowledged (250) only once the lead's workflow took it or it was
quarantined to disk; while Temporal is unreachable the answer is 451 and the
sending server tries again later, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiosmtpd.smtp import SMTP

from cadence import client as api

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
"""Larger messages are refused in the SMTP dialogue (552), before they are read."""

_log = logging.getLogger(__name__)


class _Handler:
    def __init__(self, take: Callable[[bytes, str], Awaitable[Any]]) -> None:
        self.take = take

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        try:
            await self.take(raw if isinstance(raw, bytes) else raw.encode(), "smtp")
        except api.Unreachable:
            return "451 4.3.0 cadence cannot record this message right now; try again later"
        except Exception:  # noqa: BLE001 - a defect must not lose the message: the sender retries
            _log.exception("inbound message not taken")
            return "451 4.3.0 cadence could not take this message; try again later"
        return "250 2.0.0 taken"


async def start_smtp_listener(take: Callable[[bytes, str], Awaitable[Any]], host: str, port: int) -> asyncio.Server:
    """Listen for SMTP on this event loop (where the Temporal client lives), giving every message to
    ``take(raw, "smtp")``; close the returned server to stop.

    Raises:
        OSError: the address cannot be had.
    """
    handler = _Handler(take)
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: SMTP(handler, data_size_limit=MAX_MESSAGE_BYTES, enable_SMTPUTF8=True, hostname="cadence-gateway",
                     ident="cadence gateway", timeout=60),
        host=host, port=port, reuse_address=True)


__all__ = ["MAX_MESSAGE_BYTES", "start_smtp_listener"]
