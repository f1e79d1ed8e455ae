"""Raw visibility pages decoded a page at a time give what the SDK gives one row at a time (no server).

``cadence list`` and ``cadence report`` read thousands of rows through
:mod:`cadence.visibility`'s page readers instead of ``Client.list_workflows``;
these tests hold the readers to the SDK's own decoding, row by row.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.workflow.v1 import WorkflowExecutionInfo
from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsResponse
from temporalio.client import WorkflowExecution
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.converter import DataConverter, encode_search_attributes

from cadence import client as api
from cadence import codec, visibility
from cadence.report.collect import page_records
from tests.report.sdk_records import record_of

MEMOS: list[dict[str, Any]] = [
    {"source": "sales", "campaign": "fall", "deal_size": 12500.5, "owner": "dana@seller.example",
     "cadence": "enterprise-nurture",
     "stages": [["prequalify", "2026-11-02T09:00:00Z", "2026-11-02T09:00:01Z", "enrolled"],
                ["nurture", "2026-11-02T09:00:01Z", None, "passed pre-qualification"]],
     "touches": {"email": 2, "call": 1}, "outcome": None},
    {"source": "marketing", "campaign": "", "deal_size": None, "owner": "", "cadence": "enterprise-nurture",
     "stages": [["prequalify", "2026-11-03T09:00:00+00:00", "2026-11-03T09:00:00+00:00", "enrolled"],
                ["disqualified", "2026-11-03T09:00:00+00:00", None, "bad_data"]],
     "touches": {}, "outcome": {"kind": "disqualified", "reason": "bad_data", "at": "2026-11-03T09:00:00+00:00"}},
    {"source": "marketing", "cadence": "older"},  # enrolled before the stage memo existed
]


def _info(i: int, memo_payloads: dict[str, Payload], attributes: dict[str, Any], status: int) -> WorkflowExecutionInfo:
    info = WorkflowExecutionInfo(status=status)
    info.execution.workflow_id = f"lead-P-{i}"
    info.execution.run_id = f"run-{i}"
    info.type.name = "CadenceNurture"
    info.start_time.FromDatetime(datetime(2026, 11, 2 + i, 9, 0, 0, 250000))
    if status != 1:
        info.close_time.FromDatetime(datetime(2026, 11, 3 + i, 10, 30))
    keys = visibility.keys()
    encode_search_attributes(TypedSearchAttributes([SearchAttributePair(keys[k], v) for k, v in attributes.items()]),
                             info.search_attributes)
    for key, payload in memo_payloads.items():
        info.memo.fields[key].CopyFrom(payload)
    return info


async def _page(converter: DataConverter) -> list[WorkflowExecutionInfo]:
    attributes: list[dict[str, Any]] = [
        {visibility.NAME: "enterprise-nurture", visibility.VERSION: "0123456789ab", visibility.STAGE: "nurture",
         visibility.TOUCHES: 3, visibility.SCORE: 40, visibility.OUTCOME: "active", visibility.OWNER: "dana@seller.example",
         visibility.SOURCE: "sales", visibility.OPEN_TASK: "call", visibility.TASK_ASSIGNEE: "queue:inside",
         visibility.NEXT_ACTION_AT: datetime(2026, 11, 9, 14, 30, 15, 123000, tzinfo=UTC),
         visibility.CONTACT_KEYS: ["k1.digest-a", "k1.digest-b"]},
        {visibility.NAME: "enterprise-nurture", visibility.STAGE: "disqualified", visibility.OUTCOME: "disqualified",
         visibility.REASON: "bad_data", visibility.TOUCHES: 0},
        {visibility.NAME: "older", visibility.STAGE: "nurture", visibility.TOUCHES: 5, visibility.OUTCOME: "handoff"},
    ]
    rows = []
    for i, (memo, attrs) in enumerate(zip(MEMOS, attributes)):
        encoded = {key: (await converter.encode([value]))[0] for key, value in memo.items()}
        rows.append(_info(i, encoded, attrs, status=(1, 2, 2)[i]))
    # Not cadence's: left out, as a typo'd or foreign attribute would be.
    rows[0].search_attributes.indexed_fields["CustomKeywordField"].CopyFrom(Payload(
        metadata={"encoding": b"json/plain", "type": b"Keyword"}, data=b'"other"'))
    # Visibility may hand a single value back as a one-item list.
    rows[2].search_attributes.indexed_fields[visibility.OWNER].CopyFrom(Payload(
        metadata={"encoding": b"json/plain", "type": b"Keyword"}, data=b'["lee@seller.example"]'))
    return rows


def _sdk(rows: list[WorkflowExecutionInfo], converter: DataConverter) -> list[WorkflowExecution]:
    return [WorkflowExecution._from_raw_info(row, "default", converter) for row in rows]


ENCRYPTING = codec.data_converter(codec.parse_keys(f"k1:{codec.new_key()}"))


@pytest.mark.parametrize("converter", [DataConverter.default, ENCRYPTING], ids=["plain", "encrypted"])
def test_a_page_decodes_to_the_sdk_values(converter: DataConverter) -> None:
    async def check() -> None:
        rows = await _page(converter)
        if converter is ENCRYPTING:
            assert all(p.metadata["encoding"] != b"json/plain" for p in rows[0].memo.fields.values())
        sdk = _sdk(rows, converter)
        assert visibility.page_attributes(rows) == [
            {pair.key.name: pair.value for pair in wf.typed_search_attributes
             if pair.key.name in visibility.SEARCH_ATTRIBUTES} for wf in sdk]
        assert visibility.page_attributes(rows)[2][visibility.OWNER] == "lee@seller.example"
        assert visibility.page_attributes(rows)[0][visibility.CONTACT_KEYS] == ["k1.digest-a", "k1.digest-b"]
        assert await visibility.page_memos(converter, rows) == [dict(await wf.memo()) for wf in sdk] == MEMOS

        class Client:
            data_converter = converter

        assert await page_records(Client(), rows) == [(wf.start_time, await record_of(wf)) for wf in sdk]  # type: ignore[arg-type]

    asyncio.run(check())


def test_lead_rows_of_a_page_are_the_rows_of_the_sdk_values() -> None:
    rows = asyncio.run(_page(DataConverter.default))
    got = api._rows(rows)
    assert [r.lead_id for r in got] == ["P-0", "P-1", "P-2"]
    assert got[0] == api.LeadRow(
        lead_id="P-0", cadence="enterprise-nurture", version="0123456789ab", stage="nurture", outcome="active",
        reason="", touches=3, score=40, owner="dana@seller.example", source="sales", open_task="call",
        next_action_at=datetime(2026, 11, 9, 14, 30, 15, 123000, tzinfo=UTC), status="running",
        started_at=datetime(2026, 11, 2, 9, 0, 0, 250000, tzinfo=UTC))
    assert (got[1].status, got[1].reason, got[1].touches, got[1].score, got[1].next_action_at) == (
        "completed", "bad_data", 0, 0, None)


class _Service:
    """A visibility service over ``total`` numbered rows: records each request, answers from a cursor."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.asked: list[tuple[int, bytes]] = []

    async def list_workflow_executions(self, request: Any, retry: bool = False) -> ListWorkflowExecutionsResponse:
        self.asked.append((request.page_size, request.next_page_token))
        await asyncio.sleep(0)
        start = int(request.next_page_token or b"0")
        end = min(start + request.page_size, self.total)
        page = ListWorkflowExecutionsResponse(next_page_token=str(end).encode() if end < self.total else b"")
        for i in range(start, end):
            page.executions.add().execution.workflow_id = f"lead-{i}"
        return page


class _FakeClient:
    namespace = "default"

    def __init__(self, total: int) -> None:
        self.workflow_service = _Service(total)


async def _ids(client: _FakeClient, **kwargs: Any) -> list[list[str]]:
    return [[row.execution.workflow_id for row in page]
            async for page in visibility.pages(client, "WorkflowType = 'CadenceNurture'", **kwargs)]


def test_pages_follow_the_token_and_stop_at_the_limit() -> None:
    client = _FakeClient(7)
    assert asyncio.run(_ids(client, page_size=3)) == [["lead-0", "lead-1", "lead-2"], ["lead-3", "lead-4", "lead-5"],
                                                       ["lead-6"]]
    assert client.workflow_service.asked == [(3, b""), (3, b"3"), (3, b"6")]
    client = _FakeClient(7)
    assert asyncio.run(_ids(client, page_size=3, limit=5)) == [["lead-0", "lead-1", "lead-2"], ["lead-3", "lead-4"]]
    assert client.workflow_service.asked == [(3, b""), (2, b"3")]  # never asks for more than the limit
    client = _FakeClient(0)
    assert asyncio.run(_ids(client)) == []
    assert client.workflow_service.asked == [(visibility.PAGE_SIZE, b"")]
