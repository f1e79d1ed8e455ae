"""The gateway as a process (issue #15): one-click unsubscribe from the link in the email a lead received,
through a real HTTP client and a real browser, and a reply found by its sender's address (also after the
address changed), on the dev server with a worker."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from cadence.contacts import ContactKeys
from tests.e2e.conftest import Stack, running_stack
from tests.gateway.test_webhooks import signed_event

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
SLOW = Path(__file__).parent / "cadences" / "e2e-slow.yaml"
INBOUND_TOKEN = "e2e-inbound-token"
EVENTS_SECRET = "e2e-crm-secret"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("gateway"), gateway=True,
                       extra_env={"CADENCE_INBOUND_MATCH_SENDER": "true",
                                  "CADENCE_INBOUND_TOKEN": INBOUND_TOKEN,
                                  "CADENCE_EVENTS_SECRET": EVENTS_SECRET}) as running:
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


def _on_its_own_loop(read: Any) -> Any:
    # A thread of its own: the browser test's playwright keeps an event loop on this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, read()).result()


def _contact_keys(stack: Stack, lead_id: str) -> list[str]:
    """The lead's ``CadenceContactKeys`` as visibility stores them."""
    from temporalio.client import Client

    async def read() -> list[str]:
        client = await Client.connect(stack.env["CADENCE_TEMPORAL_ADDRESS"])
        described = await client.get_workflow_handle(f"lead-{lead_id}").describe()
        return next((list(p.value) for p in described.typed_search_attributes
                     if p.key.name == "CadenceContactKeys"), [])

    return _on_its_own_loop(read)


def _contact_key_upserts(stack: Stack, lead_id: str) -> int:
    """How many times the lead's workflow wrote ``CadenceContactKeys`` into its history."""
    from temporalio.client import Client

    async def read() -> int:
        client = await Client.connect(stack.env["CADENCE_TEMPORAL_ADDRESS"])
        history = await client.get_workflow_handle(f"lead-{lead_id}").fetch_history()
        return sum("CadenceContactKeys" in e.upsert_workflow_search_attributes_event_attributes.search_attributes
                   .indexed_fields for e in history.events)

    return _on_its_own_loop(read)


def _inbound(stack: Stack, raw: bytes) -> Any:
    taken = httpx.post(f"{stack.gateway_url}/inbound/mime", content=raw,
                       headers={"Authorization": f"Bearer {INBOUND_TOKEN}"}, timeout=30)
    assert taken.status_code == 200, taken.text
    return taken.json()


def test_a_reply_that_lost_its_thread_finds_its_lead_by_the_senders_address(stack: Stack) -> None:
    _enrolled_and_emailed(stack, "M-1")
    # Visibility holds a keyed digest of the address (the workers' and gateway's signing key), not the address.
    assert _contact_keys(stack, "M-1") == [ContactKeys(stack.env["CADENCE_UNSUBSCRIBE_SECRET"]).of_address(
        "m-1@buyer.example")]
    fresh = (b"From: Mia <M-1@Buyer.example>\r\nTo: dana@seller.example\r\nSubject: a question\r\n"
             b"Message-ID: <q-1@buyer.example>\r\n\r\nWhat would it cost for 40 seats?\r\n")
    assert _inbound(stack, fresh) == {"outcome": "delivered", "lead_id": "M-1", "kind": "reply", "detail": None}
    replied = stack.poll(lambda st: st["engagement"]["replies"] == 1, "status", "M-1")
    assert [(h["detail"], h["by"]) for h in replied["history"] if h["outcome"] == "reply"] == [
        ("What would it cost for 40 seats?", "http")]

    # A second running lead with the same address: the gateway does not guess between them.
    twin = stack.tmp / "m-2.json"
    twin.write_text('{"id": "M-2", "first_name": "Mia", "email": "m-1@buyer.example"}')
    stack.cli("enroll", "--cadence", str(SLOW), str(twin))
    stack.poll(lambda st: st["touches"] == 1, "status", "M-2")
    again = _inbound(stack, fresh.replace(b"<q-1@", b"<q-2@"))
    assert again["outcome"] == "quarantined"
    assert re.fullmatch(r"2 running leads have the sender's address \((M-2, M-1|M-1, M-2)\): route it with cadence "
                        r"event", again["detail"]), again["detail"]


def test_a_changed_address_moves_the_contact_key_by_the_cli_and_by_a_crm(stack: Stack) -> None:
    keys = ContactKeys(stack.env["CADENCE_UNSUBSCRIBE_SECRET"])
    _enrolled_and_emailed(stack, "K-1")
    _enrolled_and_emailed(stack, "K-2")
    stack.cli("event", "K-1", "lead_updated", "-d", "email=Kim@New.example")
    assert _contact_keys(stack, "K-1") == [keys.of_address("kim@new.example")]
    # A CRM's signed event (a signal through the gateway) does the same; other fields leave the key alone.
    crm_event = {"id": "crm-1", "lead": "K-2", "kind": "lead_updated", "fields": {"email": "kit@new.example"}}
    posted = httpx.post(f"{stack.gateway_url}/events", timeout=30, **signed_event(crm_event, secret=EVENTS_SECRET))
    assert posted.status_code == 200, posted.text
    stack.poll(lambda st: st["lead"]["email"] == "kit@new.example", "status", "K-2")
    assert _contact_keys(stack, "K-2") == [keys.of_address("kit@new.example")]
    # The CRM's retry adds nothing to the lead's history, not even the key again; a phone change leaves it be.
    again = httpx.post(f"{stack.gateway_url}/events", timeout=30, **signed_event(crm_event, secret=EVENTS_SECRET))
    assert again.status_code == 200, again.text
    stack.cli("event", "K-2", "lead_updated", "-d", "phone=+1 312 555 0100")
    stack.poll(lambda st: st["lead"].get("phone") == "+1 312 555 0100", "status", "K-2")
    assert _contact_keys(stack, "K-2") == [keys.of_address("kit@new.example")]
    assert _contact_key_upserts(stack, "K-2") == 1

    def mail(sender: str, message_id: str) -> bytes:
        return (f"From: {sender}\r\nTo: dana@seller.example\r\nSubject: moved\r\nMessage-ID: {message_id}\r\n"
                f"\r\nI have a new address.\r\n").encode()

    assert _inbound(stack, mail("kim@new.example", "<k-1@new.example>"))["lead_id"] == "K-1"
    old = _inbound(stack, mail("k-1@buyer.example", "<k-2@buyer.example>"))
    assert old["outcome"] == "quarantined" and old["detail"].startswith("no lead matches"), old


def test_leads_enrolled_before_sender_matching_get_their_keys_by_a_backfill(stack: Stack) -> None:
    keys = ContactKeys(stack.env["CADENCE_UNSUBSCRIBE_SECRET"])
    off = {"CADENCE_INBOUND_MATCH_SENDER": "false"}
    for lead in ('{"id": "B-1", "first_name": "Bo", "email": "B-1@Buyer.example"}',
                 '{"id": "B-2", "first_name": "Bea", "phone": "+1 312 555 0142"}'):
        path = stack.tmp / "late.json"
        path.write_text(lead)
        stack.cli("enroll", "--cadence", str(SLOW), str(path), env=off)
    stack.poll(lambda st: st["touches"] >= 1, "status", "B-1")
    assert _contact_keys(stack, "B-1") == []
    history = _status(stack, "B-1")["history"]
    missing = stack.cli("contacts", "find", "b-1@buyer.example", ok=False)
    assert missing.returncode == 1 and missing.stdout.startswith("no running lead has that address")
    assert stack.poll(lambda out: out["without_key"] >= 2, "contacts", "backfill", "--dry-run")["dry_run"] is True

    # A key computed for an address the lead no longer has is refused, and nothing is written.
    async def stale() -> str:
        from temporalio.client import Client

        from cadence import client as api
        from cadence.messages import UPDATE_CONTACT_KEYS, ContactKeysInput

        client = await Client.connect(stack.env["CADENCE_TEMPORAL_ADDRESS"])
        try:
            await api._update(client, "B-1", UPDATE_CONTACT_KEYS,
                              ContactKeysInput(email="b-1@old.example", keys=[keys.of_address("b-1@old.example")]))
        except api.ActionRefused as exc:
            return str(exc)
        return "accepted"

    assert _on_its_own_loop(stale) == "lead B-1's address changed after its key was computed; nothing was published"
    assert _contact_key_upserts(stack, "B-1") == 0

    done = stack.json("contacts", "backfill")
    assert done["published"] >= 1 and "B-2" in done["without_address"] and done["refused"] == []
    assert _contact_keys(stack, "B-1") == [keys.of_address("b-1@buyer.example")]
    assert _status(stack, "B-1")["history"][:len(history)] == history  # the lead's own story is as it was
    assert not [h for h in _status(stack, "B-1")["history"] if h["kind"] == "operator"]
    assert stack.cli("contacts", "find", "b-1@BUYER.example").stdout == "B-1\n"
    again = stack.json("contacts", "backfill")
    assert (again["published"], again["without_address"], again["refused"]) == (0, ["B-2"], [])
    text = stack.cli("contacts", "backfill").stdout
    assert text == "0 of 1 running leads without a contact key got theirs; 1 have no email address\n"

    reply = (b"From: Bo <b-1@buyer.example>\r\nTo: dana@seller.example\r\nSubject: hello again\r\n"
             b"Message-ID: <b-1-new@buyer.example>\r\n\r\nCan we talk next week?\r\n")
    assert _inbound(stack, reply)["lead_id"] == "B-1"
