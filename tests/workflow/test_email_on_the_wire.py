"""Step emails as the SMTP server receives them: the worker's Message-ID domain (issue #11: it used to stop
at the workflow) and structured headers written literally, never as encoded words (issue #15)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from cadence import client as api
from cadence.channels.activities import ChannelActivities
from cadence.channels.ids import workflow_of_message_id
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
        assert re.fullmatch(rf"<[a-z2-7]+\.[0-9a-f]{{16}}\.{step}\.0@mail\.seller\.example>", found), found
        assert workflow_of_message_id(found) == f"lead-{lead.id}"


async def test_list_unsubscribe_and_message_id_reach_the_server_literally(ts_env: Any, mailbox: Any,
                                                                           tmp_path: Path) -> None:
    handler, port = mailbox
    settings = ChannelSettings(smtp_port=port, outbox_dir=tmp_path)
    queue = f"wire-{uuid.uuid4()}"
    lead = parse_lead({"id": f"W-{uuid.uuid4().hex}", "email": "pat@buyer.example"})  # a long id, a long URL
    async with build_worker(ts_env.client, ChannelActivities(settings).all(), task_queue=queue):
        started = await api.enroll(ts_env.client, PLAN, lead, task_queue=queue, cadence_now=DEFAULT_START)
        await started.handle.result()
    raw = handler.envelopes[0].original_content
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    lines = headers.split("\r\n")
    unsubscribe = next(line for line in lines if line.startswith("List-Unsubscribe: "))
    assert re.fullmatch(r"List-Unsubscribe: <http://localhost:8080/unsubscribe\?lead=W-[0-9a-f]{32}&token=[0-9a-f]{32}>",
                        unsubscribe), unsubscribe
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in lines
    assert "=?" not in headers  # no encoded words anywhere in the header block
    message_id = next(line for line in lines if line.startswith("Message-ID: "))
    assert re.fullmatch(r"Message-ID: <[a-z2-7]+\.[0-9a-f]{16}\.one\.0@cadence\.local>", message_id), message_id
