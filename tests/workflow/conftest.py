"""Fixtures for workflow tests: a real SMTP server and a worker on a fresh task queue."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller

from cadence.channels.activities import ChannelActivities
from cadence.channels.settings import ChannelSettings
from cadence.worker import build_worker
from tests.conftest import Mailbox, free_port

__all__ = ["Mailbox", "Rig", "free_port"]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    handler = Mailbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@dataclass
class Rig:
    """What a workflow test needs: client, task queue, mailbox, outbox."""

    env: Any
    client: Any
    task_queue: str
    mailbox: Mailbox
    outbox: Path


@pytest_asyncio.fixture
async def rig(ts_env: Any, mailbox: tuple[Mailbox, int], tmp_path: Path) -> AsyncIterator[Rig]:
    handler, port = mailbox
    settings = ChannelSettings(smtp_host="127.0.0.1", smtp_port=port, outbox_dir=tmp_path / "outbox",
                               default_sender="Cadence <nurture@seller.example>")
    activities = ChannelActivities(settings)
    task_queue = f"test-{uuid.uuid4()}"
    worker = build_worker(ts_env.client, activities.all(), task_queue=task_queue)
    async with worker:
        yield Rig(ts_env, ts_env.client, task_queue, handler, tmp_path / "outbox")
