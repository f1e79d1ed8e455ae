"""The workspace in a browser, end to end: the dev server, a worker and ``cadence gateway`` as processes, Chromium
driven by playwright. A rep signs in, works the queue and logs calls; the lead moves at once; the manager accepts
from the link in the handoff email; a form sent twice is refused politely; the keyboard alone is enough; a phone
is wide enough."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest

from cadence.gateway.workspace.users import UsersFile
from tests.e2e.conftest import Stack, running_stack
from tests.workspace.conftest import CADENCE, PASSWORD, SECRET, USERS

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("workspace")
    users = UsersFile(tmp / "users.json")
    users.save(dict(USERS))
    with running_stack(tmp, gateway=True, extra_env={"CADENCE_WORKSPACE_SECRET": SECRET,
                                                     "CADENCE_USERS_FILE": str(users.path),
                                                     # Not under test here; left off so a stack of another
                                                     # test file can run at the same time.
                                                     "CADENCE_METRICS_ADDRESS": "", "CADENCE_GATEWAY_SMTP_PORT": "0"}
                       ) as running:
        yield running


def enroll(stack: Stack, lead_id: str) -> dict[str, Any]:
    """Enroll a lead owned by the manager; its state once the discovery call task is open."""
    leads = stack.tmp / f"{lead_id}.json"
    leads.write_text(json.dumps({"id": lead_id, "first_name": "Uma", "last_name": "Lee", "company": "Buyer Inc",
                                 "email": f"{lead_id.lower()}@buyer.example", "phone": "+1 415 555 0100",
                                 "owner": "mia@seller.example"}))
    stack.cli("enroll", "--cadence", str(CADENCE), str(leads))
    return stack.poll(lambda st: bool(st.get("open_task")), "status", lead_id)


def sign_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/tasks")
    assert page.url.startswith(f"{url}/signin?next=")
    page.get_by_label("Name or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{url}/tasks")


def reload_until(page: Any, ready: Any, timeout: float = 15.0) -> None:
    """Reload ``page`` until ``ready(page)``: the page shows a lead's state as of its request, and a busy worker
    may take longer than the page waits for the lead to move."""
    deadline = time.monotonic() + timeout
    while not ready(page):
        if time.monotonic() > deadline:
            raise AssertionError(f"{page.url} never showed what was expected:\n{page.locator('main').inner_text()}")
        time.sleep(0.3)
        page.reload()


def handoff_email(stack: Stack, lead_id: str, timeout: float = 20.0) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in stack.mailbox.to("mia@seller.example"):
            if message["X-Cadence-Lead"] == lead_id:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no handoff email for {lead_id}")


def test_a_rep_logs_two_calls_and_the_manager_accepts_from_the_emailed_link(stack: Stack, browser: Any) -> None:
    url = stack.gateway_url
    state = enroll(stack, "W-1")
    task_id = state["open_task"]["task_id"]
    rep = browser.new_context()
    page = rep.new_page()
    sign_in(page, url, "dana")
    row = page.locator(f'tr[data-task="{task_id}"]')
    assert "Buyer Inc" in row.inner_text() and "touch 1 of 2" in row.inner_text()
    row.get_by_role("link", name="Uma Lee").click()
    assert page.locator("h1").inner_text() == "Call: Uma Lee, Buyer Inc"
    assert "Discovery call: Uma at Buyer Inc" in page.locator(".brief").inner_text()  # the cadence's own brief
    page.get_by_label("Notes").fill("Spoke with the CFO; budget approved for Q3")
    page.get_by_label("Budget allocated, or budgeting process documented").fill("120k approved")
    page.get_by_label("Decision process and timeframe documented").fill("board decides in June")
    page.get_by_role("button", name="connected", exact=True).click()
    page.wait_for_url(f"{url}/leads/W-1")
    assert page.locator(".flash").inner_text().startswith("Recorded: connected")
    budget = page.locator('tr[data-attribute="budget"]').inner_text()
    assert "120k approved" in budget and "dana" in budget
    assert "board decides in June" in page.locator('tr[data-attribute="decision_process"]').inner_text()
    assert page.locator("#qualification").inner_text() == "Qualification: 2 of 10 known"

    reload_until(page, lambda p: p.get_by_role("link", name="open the task").count() == 1)
    page.get_by_role("link", name="open the task").click()  # the follow-up, opened at once for dana's queue
    assert "follow-up" in page.locator(".meta").inner_text()
    page.get_by_role("button", name="meeting booked").click()
    page.wait_for_url(f"{url}/leads/W-1")
    reload_until(page, lambda p: p.locator("#lead-stage").inner_text() == "handed off")
    rep.close()

    email = handoff_email(stack, "W-1")
    plain = email.get_body(("plain",)).get_content()
    link = plain.split("**Accept or reject this lead:** <", 1)[1].split(">", 1)[0]
    assert link.startswith(f"{url}/handoffs/W-1?link=")
    manager = browser.new_context()  # not signed in: the link is enough
    page = manager.new_page()
    page.goto(link)
    assert page.url == f"{url}/handoffs/W-1"  # the token left the address bar
    assert "Waiting for mia@seller.example to accept or reject by" in page.locator("#deadline").inner_text()
    assert "120k approved" in page.locator(".dossier").inner_text()
    page.get_by_label("Note (optional)").fill("calling Tuesday")
    page.get_by_role("button", name="Accept").click()
    page.wait_for_url(f"{url}/handoffs/W-1")
    assert page.locator("#answered").inner_text() == "Accepted by mia (calling Tuesday)."
    manager.close()
    ended = stack.poll(lambda st: st["status"] == "ended", "status", "W-1")
    assert ended["outcome"]["reason"] == "accepted by mia"
    said = [(h["kind"], h["step"], h["outcome"], h["by"]) for h in ended["history"] if h["kind"] in ("touch", "operator")]
    assert said == [("touch", "discovery", "connected", "dana"), ("touch", "follow-up", "meeting_booked", "dana"),
                    ("operator", "", "accepted", "mia")]
    assert ended["qualification"]["budget"]["by"] == "dana"


def test_keyboard_only_and_a_form_sent_twice_is_refused_politely(stack: Stack, browser: Any) -> None:
    url = stack.gateway_url
    task_id = enroll(stack, "W-2")["open_task"]["task_id"]
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{url}/signin")
    page.wait_for_function("document.activeElement.id === 'name'")  # the name field has the focus
    page.keyboard.type("dana")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/tasks")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")  # the focus can be seen
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href') || ''").endswith(task_id):
            break
    else:
        raise AssertionError("the task link cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/tasks/{task_id}")
    second = context.new_page()  # the same form, open in a second tab
    second.goto(page.url)

    page.get_by_label("Budget allocated, or budgeting process documented").focus()
    page.keyboard.type("not discussed")
    page.keyboard.press("Enter")  # Enter in a field must not record an outcome
    page.wait_for_timeout(300)
    assert page.url == f"{url}/tasks/{task_id}"
    assert stack.json("status", "W-2")["open_task"]["task_id"] == task_id
    page.get_by_label("Notes").focus()
    page.keyboard.type("left a message with the assistant")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == "no_answer":
            break
    else:
        raise AssertionError("the outcome buttons cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/leads/W-2")

    second.get_by_role("button", name="connected", exact=True).click()
    second.wait_for_load_state()
    assert second.locator("#problem").inner_text() == "Nothing was recorded: this task was already closed."
    assert "is closed: no answer was logged by dana" in second.locator("main").inner_text()
    context.close()
    history = stack.json("status", "W-2")["history"]
    assert [(h["step"], h["outcome"]) for h in history if h["kind"] == "touch"] == [("discovery", "no_answer")]


def test_a_phone_wide_screen_needs_no_sideways_scrolling(stack: Stack, browser: Any) -> None:
    url = stack.gateway_url
    task_id = enroll(stack, "W-3")["open_task"]["task_id"]
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, url, "mia")
    for path in ("/tasks", f"/tasks/{task_id}", "/leads/W-3", "/leads/W-3/disqualify"):
        page.goto(f"{url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    page.goto(f"{url}/tasks/{task_id}")
    button = page.get_by_role("button", name="meeting booked").bounding_box()
    assert button is not None and button["x"] >= 0 and button["x"] + button["width"] <= 390
    context.close()

