"""The gateway as a process (issue #15): one-click unsubscribe from the link in the email a lead received,
through a real HTTP client and a real browser, on the dev server with a worker."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
SLOW = Path(__file__).parent / "cadences" / "e2e-slow.yaml"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("gateway"), gateway=True) as running:
        yield running


def _enrolled_and_emailed(stack: Stack, lead_id: str) -> str:
    """Enroll a lead; the List-Unsubscribe URL of the email its SMTP server received (raw bytes)."""
    leads = stack.tmp / f"{lead_id}.json"
    leads.write_text(f'{{"id": "{lead_id}", "first_name": "Uma", "email": "{lead_id.lower()}@buyer.example"}}')
    stack.cli("enroll", "--cadence", str(SLOW), str(leads))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for envelope in stack.mailbox.envelopes:
            raw = envelope.original_content
            if f"{lead_id.lower()}@buyer.example".encode() in raw:
                found = re.search(rb"\r\nList-Unsubscribe: <([^>\r\n]+)>\r\n", raw)
                assert found is not None, raw[:2000]
                return found.group(1).decode()
        time.sleep(0.2)
    raise AssertionError(f"no email reached {lead_id}")


def _status(stack: Stack, lead_id: str) -> Any:
    return stack.json("status", lead_id)


def test_one_click_unsubscribe_ends_the_lead_once_and_forged_links_change_nothing(stack: Stack) -> None:
    url = _enrolled_and_emailed(stack, "U-1")
    assert url.startswith(f"{stack.gateway_url}/unsubscribe?lead=U-1&token=")

    shown = httpx.get(url)  # what a mail scanner does: it must change nothing
    assert shown.status_code == 200 and ">Unsubscribe</button>" in shown.text
    forged = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    for response in (httpx.get(forged), httpx.post(forged, data={"List-Unsubscribe": "One-Click"})):
        assert response.status_code == 403 and "This unsubscribe link is not valid." in response.text
    assert _status(stack, "U-1")["status"] == "active"

    clicked = httpx.post(url, data={"List-Unsubscribe": "One-Click"})  # RFC 8058, as a mail client sends it
    assert clicked.status_code == 200 and "You are unsubscribed." in clicked.text
    ended = stack.poll(lambda st: st["status"] == "ended", "status", "U-1")
    assert (ended["outcome"]["kind"], ended["outcome"]["reason"]) == ("disqualified", "opted_out")
    again = stack.poll(lambda rows: rows and rows[0]["reason"] == "opted_out", "list", "--outcome", "disqualified")
    assert [r["lead_id"] for r in again] == ["U-1"]
    second = httpx.post(url, data={"List-Unsubscribe": "One-Click"})
    assert second.status_code == 200 and "You were already unsubscribed." in second.text
    unsubscribes = [h for h in _status(stack, "U-1")["history"] if h["outcome"] == "unsubscribe"]
    assert len(unsubscribes) == 1 and unsubscribes[0]["by"] == "gateway"

    # The address stays on the do-not-contact list after the lead has ended: no cadence may enroll it again.
    listed = stack.cli("suppress", "check", "u-1@buyer.example", ok=False)
    assert listed.returncode == 1
    assert re.fullmatch(r"u-1@buyer\.example: on the do-not-contact list \(unsubscribed \d{4}-\d\d-\d\d by gateway\)\n",
                        listed.stdout), listed.stdout
    again_file = stack.tmp / "again.json"
    again_file.write_text('{"id": "U-1-again", "first_name": "Uma", "email": "U-1@Buyer.Example"}')
    refused = stack.cli("enroll", "--cadence", str(SLOW), str(again_file), ok=False)
    assert refused.returncode == 1
    assert re.search(r"rejected: U-1@Buyer\.Example is on the do-not-contact list \(unsubscribed \S+ by gateway\); "
                     r"not enrolled", refused.stderr), refused.stderr


def test_an_address_listed_while_its_lead_waits_gets_no_further_email(stack: Stack) -> None:
    quick = Path(__file__).parent / "cadences" / "e2e-quick.yaml"
    leads = stack.tmp / "s-1.json"
    leads.write_text('{"id": "S-1", "first_name": "Sam", "email": "sam@rival.example", "company": "Rival"}')
    stack.cli("suppress", "add", "*@rival.example", "--note", "competitor", "--by", "ops")
    stack.cli("enroll", "--cadence", str(quick), str(leads), "--time-scale", "60", ok=False)  # refused at the door
    direct = stack.tmp / "s-2.json"
    direct.write_text('{"id": "S-2", "first_name": "Sue", "email": "sue@partner.example", "company": "Partner"}')
    stack.cli("enroll", "--cadence", str(SLOW), str(direct))
    stack.poll(lambda st: st["touches"] == 1, "status", "S-2")  # the first email went out
    stack.cli("suppress", "add", "sue@partner.example", "--by", "ops")
    stack.cli("suppress", "remove", "*@rival.example")
    assert stack.cli("suppress", "check", "sam@rival.example").stdout == "sam@rival.example: not on the do-not-contact list\n"
    assert [r["pattern"] for r in stack.json("suppress", "list")].count("sue@partner.example") == 1


def test_a_person_unsubscribes_in_a_browser(stack: Stack, browser: Any) -> None:
    url = _enrolled_and_emailed(stack, "U-2")
    page = browser.new_page()
    try:
        page.goto(url)
        assert page.locator("h1").inner_text() == "Email preferences"
        assert _status(stack, "U-2")["status"] == "active"  # opening the page changed nothing
        page.get_by_role("button", name="Unsubscribe").click()
        page.wait_for_load_state()
        assert "You are unsubscribed." in page.locator("main").inner_text()
    finally:
        page.close()
    ended = stack.poll(lambda st: st["status"] == "ended", "status", "U-2")
    assert ended["outcome"]["reason"] == "opted_out"
