"""Fixtures: a real SMTP server (aiosmtpd), a webhook receiver, activities on a temporary outbox."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from cadence.channels.activities import ChannelActivities
from cadence.channels.settings import ChannelSettings
from tests.conftest import Mailbox, SmtpServer, Webhook


class CollectingHandler(Mailbox):
    """The shared mailbox, refusing two test addresses: one permanently (5xx), one for now (4xx)."""

    def __init__(self) -> None:
        super().__init__({
            "bounce@example.com": "550 5.1.1 user unknown",
            "later@example.com": "451 4.3.0 mailbox busy, try again later",
        })


@pytest.fixture
def smtp() -> Iterator[tuple[CollectingHandler, int]]:
    with SmtpServer(CollectingHandler()) as server:
        yield server.handler, server.port


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    with Webhook() as hook:
        yield hook


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    return tmp_path / "outbox"


@pytest.fixture
def settings(outbox: Path, smtp: tuple[CollectingHandler, int]) -> ChannelSettings:
    return ChannelSettings(smtp_port=smtp[1], smtp_timeout=5, outbox_dir=outbox, sender="Cadence <cadence@example.com>",
                           unsubscribe_secret="s3cret")


@pytest.fixture
def acts(settings: ChannelSettings) -> ChannelActivities:
    return ChannelActivities(settings)


async def run(fn: Any, *args: Any, attempt: int = 1, run_id: str = "run-1") -> Any:
    """Run an activity method the way a worker would (activity.info() available)."""
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=attempt, workflow_run_id=run_id)
    return await env.run(fn, *args)


LEAD: dict[str, Any] = {
    "id": "L-1",
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "jane@example.com",
    "phone": "+1 555 010 2000",
    "company": "Globex",
    "title": "VP Operations",
    "industry": "Manufacturing",
    "employees": 1200,
    "revenue": 45000000,
    "website": "https://globex.example",
    "timezone": "America/Chicago",
    "owner": "dana@example.com",
    "source": "marketing",
    "address_line1": "1 Main St",
    "city": "Springfield",
    "region": "IL",
    "postal_code": "62701",
    "country": "US",
}
