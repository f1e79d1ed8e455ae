"""`cadence list` in a narrow terminal or a pipe: lead ids are never cut (issue #16); ``--json`` streams pages."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from rich.console import Console

from cadence.cli.leads import _echo_json, _echo_json_pages, lead_table
from cadence.client import LeadRow

IDS = ["DEMO-000017-1", "CRM-2026-11-000123456", "L-1"]


def _row(lead_id: str) -> LeadRow:
    return LeadRow(lead_id=lead_id, cadence="enterprise-nurture-for-manufacturing", version="ab" * 32,
                   stage="track:stale-monthly", outcome="disqualified", reason="no_response", touches=12, score=35,
                   owner="dana.longname@seller.example", source="marketing", open_task="", status="completed",
                   next_action_at=datetime(2027, 2, 2, 15, 0, tzinfo=UTC), started_at=None)


def _render(width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, color_system=None).print(lead_table([_row(i) for i in IDS]))
    return out.getvalue()


def test_ids_are_whole_and_other_columns_fold_in_80_columns():
    text = _render(80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    for lead_id in IDS:
        assert sum(lead_id in line for line in lines) == 1, text
    assert "…" not in text  # nothing is cut; long values fold onto more lines
    folded = "".join(line.split("│")[2].strip() for line in lines if line.count("│") > 2)
    assert folded.count("enterprise-nurture-for-manufacturing") == 3


def test_a_wide_terminal_shows_one_line_per_lead():
    text = _render(220)
    assert sum(line.count("│") > 2 for line in text.splitlines()) == len(IDS)  # one line per lead


def _json_pages(pages: list[list[dict[str, object]]], capsys: pytest.CaptureFixture[str]) -> str:
    async def each() -> AsyncIterator[list[dict[str, object]]]:
        for page in pages:
            yield page

    asyncio.run(_echo_json_pages(each()))
    return capsys.readouterr().out


def test_list_json_printed_page_by_page_is_the_json_of_the_whole_list(capsys: pytest.CaptureFixture[str]) -> None:
    rows = [_row(i).__dict__ for i in IDS]
    _echo_json(rows)
    whole = capsys.readouterr().out
    assert _json_pages([rows[:2], [], rows[2:]], capsys) == whole
    assert _json_pages([rows], capsys) == whole
    _echo_json(rows[:1])
    one = capsys.readouterr().out
    assert _json_pages([rows[:1]], capsys) == one
    assert _json_pages([], capsys) == _json_pages([[]], capsys) == "[]\n"
    assert whole.startswith('[\n  {\n    "lead_id": "DEMO-000017-1",\n') and whole.endswith('\n  }\n]\n')
    assert '"next_action_at": "2027-02-02 15:00:00+00:00",' in whole  # as str() writes a datetime
