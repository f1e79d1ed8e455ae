"""The worker's Message-ID domain reaches every step email (issue #11: it used to stop at the workflow)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from cadence import client as api
from cadence.channels.activities import ChannelActivities
from cadence.channels.settings import ChannelSettings
from cadence.lead import parse_lead
from cadence.worker import build_worker
from tests.engine.plans import email, end, make_plan
from tests.workflow.conftest import DEFAULT_START

PLAN = make_plan([email("one", wait=1), email("two", wait=1), end("bye")])


async def test_step_emails_carry_the_configured_domain_and_stay_deterministic(ts_env: Any, mailbox: Any,
                                                                              tmp_path: Path) -> None:
    handler, port = mailbox
    settings = ChannelSettings(smtp_port=port, outbox_dir=tmp_path, message_id_domain="mail.seller.example")
    queue = f"msgid-{uuid.uuid4()}"
    lead = parse_lead({"id": f"M-{uuid.uuid4().hex[:8]}", "email": "pat@buyer.example"})
    async with build_worker(ts_env.client, ChannelActivities(settings).all(), task_queue=queue):
        started = await api.enroll(ts_env.client, PLAN, lead, task_queue=queue, cadence_now=DEFAULT_START)
        await started.handle.result()
    ids = [str(m["Message-ID"]) for m in handler.to("pat@buyer.example")]
    assert len(ids) == 2
    for step, found in zip(("one", "two"), ids):
        assert re.fullmatch(rf"<[0-9a-f]{{32}}\.{step}\.0@mail\.seller\.example>", found), found
