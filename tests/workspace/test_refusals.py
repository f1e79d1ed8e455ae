"""Every refusal of the workspace over HTTP, in process (the pure engine behind the pages): wrong user, expired or
forged link, missing CSRF token, closed task, unknown outcome, an answer given twice. A refusal says why in words
and records nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx

from cadence.channels.links import handoff_token, new_handoff_grant
from tests.workspace.conftest import PASSWORD, SECRET, T0, Desk, csrf_of, later, make_desk, signin

TASK = "lead-L-1~discovery~1"


def text(response: httpx.Response) -> str:
    """The page's words as a reader sees them (tags dropped, entities of the templates undone)."""
    main = response.text.split('<main id="main" tabindex="-1">', 1)[-1].split("</main>", 1)[0]
    words = re.sub(r"<[^>]+>", " ", main).replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')
    return " ".join(words.split())


async def test_nobody_gets_in_without_signing_in_and_a_wrong_password_is_one_sentence(desk: Desk) -> None:
    desk.leads.enroll("L-1")
    async with desk.client() as http:
        for path in ("/tasks", f"/tasks/{TASK}", "/leads/L-1", "/handoffs/L-1", "/leads/L-1/pause"):
            response = await http.get(path)
            assert (response.status_code, response.headers["location"].split("?")[0]) == (303, "/signin"), path
        assert (await http.get("/tasks")).headers["location"] == "/signin?next=%2Ftasks"
        posted = await http.post(f"/tasks/{TASK}", data={"outcome": "connected"})
        assert posted.status_code == 401
        assert text(posted).startswith("Please sign in again Your sign-in has expired, so nothing was recorded.")
        for name, password in (("dana", "wrong password!"), ("eve", "correct horse battery")):
            token = await csrf_of(http, "/signin")
            refused = await http.post("/signin", data={"csrf": token, "name": name, "password": password})
            assert refused.status_code == 401
            assert "That name and password do not match a workspace user." in text(refused)
        response = await signin(http, "dana@seller.example")  # the address signs in as well as the name
        assert response.headers["location"] == "/tasks"
        cookie = response.headers["set-cookie"]
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower() and "secure" not in cookie.lower()
    assert desk.leads.calls == []


async def test_a_form_without_this_sessions_csrf_token_records_nothing(desk: Desk) -> None:
    desk.leads.enroll("L-1")
    async with desk.signed_in("dana") as dana, desk.signed_in("raj") as raj:
        others = await csrf_of(raj, "/tasks")
        for data in ({"outcome": "connected"}, {"outcome": "connected", "csrf": others},
                     {"outcome": "connected", "csrf": ""}):
            refused = await dana.post(f"/tasks/{TASK}", data=data)
            assert refused.status_code == 403
            assert text(refused) == ("This form has expired This form could not be checked: it is out of date or did "
                                     "not come from this site. Nothing was recorded. Reload the page and submit it again.")
        token = await csrf_of(dana, "/tasks")
        for path in ("/leads/L-1/pause", "/handoffs/L-1/accept", "/signout"):
            assert (await dana.post(path, data={"csrf": others})).status_code == 403
        assert (await dana.post("/signout", data={"csrf": token})).status_code == 303
    assert desk.leads.calls == []
    assert desk.leads.engines["L-1"].state.open_task is not None


async def test_a_rep_sees_and_completes_only_their_tasks_and_their_queues(desk: Desk) -> None:
    desk.leads.enroll("L-1")
    async with desk.signed_in("raj") as raj:
        queue = await raj.get("/tasks")
        assert queue.status_code == 200 and "No open tasks." in text(queue)
        opened = await raj.get(f"/tasks/{TASK}")
        assert opened.status_code == 403
        assert text(opened) == ("Not your task This task is assigned to dana, not to you, raj (your queues: inside). "
                                "Nothing was recorded. My queue")
        token = await csrf_of(raj, "/tasks")
        posted = await raj.post(f"/tasks/{TASK}", data={"csrf": token, "outcome": "connected"})
        assert posted.status_code == 403
        lead = await raj.get("/leads/L-1")
        assert lead.status_code == 403
        assert "Lead L-1 is not one of yours, raj: you see the leads you own or work on." in text(lead)
        handoff = await raj.get("/handoffs/L-1")
        assert handoff.status_code == 404 and "Lead L-1 has not been handed to sales (yet)." in text(handoff)
    async with desk.signed_in("dana") as dana:
        action = await dana.get("/leads/L-1/pause")
        assert action.status_code == 403
        assert "Only managers may pause, resume, hand off or disqualify a lead, dana. Nothing was changed." in text(action)
        token = await csrf_of(dana, "/tasks")
        assert (await dana.post("/leads/L-1/disqualify", data={"csrf": token, "reason": "not_a_fit"})).status_code == 403
        queue = await dana.get("/tasks?assignee=queue:sdr")  # her queue's tasks only: none yet
        assert "No open tasks for queue:sdr." in text(queue)
        mine = await dana.get("/tasks")
        assert [m for m in re.findall(r'data-task="([^"]+)"', mine.text)] == [TASK]
    async with desk.signed_in("mia") as mia:  # a manager sees everybody's tasks
        assert re.findall(r'data-task="([^"]+)"', (await mia.get("/tasks")).text) == [TASK]
    assert desk.leads.calls == []
    # A rep's queue asks for their tasks only (one visibility query by assignee), a manager's for all.
    assert "raj" in desk.leads.asked_for[0] and "queue:inside" in desk.leads.asked_for[0]
    assert "dana" not in desk.leads.asked_for[0] and desk.leads.asked_for[-1] is None


async def test_an_unknown_outcome_or_attribute_is_refused_in_words_and_the_reps_input_is_kept(desk: Desk) -> None:
    desk.leads.enroll("L-1")
    async with desk.signed_in("dana") as dana:
        token = await csrf_of(dana, f"/tasks/{TASK}")
        refused = await dana.post(f"/tasks/{TASK}", data={"csrf": token, "outcome": "bogus", "notes": "spoke to CFO",
                                                          "learned.budget": "120k approved"})
        assert refused.status_code == 422
        assert ("“bogus” is not an outcome of this call; choose one of: connected, no answer, meeting booked, "
                "wrong number. Nothing was recorded.") not in text(refused)  # outcomes are shown as sent
        assert ("“bogus” is not an outcome of this call; choose one of: connected, no_answer, meeting_booked, "
                "wrong_number. Nothing was recorded.") in text(refused)
        assert ">spoke to CFO</textarea>" in refused.text and 'value="120k approved"' in refused.text
        none = await dana.post(f"/tasks/{TASK}", data={"csrf": token, "notes": "pressed Enter"})
        assert none.status_code == 422
        assert ("No outcome was chosen: pick an outcome of this call; choose one of: connected, no_answer, "
                "meeting_booked, wrong_number. Nothing was recorded.") in text(none)
        attribute = await dana.post(f"/tasks/{TASK}", data={"csrf": token, "outcome": "connected",
                                                            "learned.budgett": "120k"})
        assert attribute.status_code == 422
        assert "“budgett” is not a qualification attribute of this cadence. Nothing was recorded." in text(attribute)
    assert desk.leads.calls == []
    assert desk.leads.engines["L-1"].state.qualification == {}


async def test_a_closed_task_refuses_a_second_submission_politely(desk: Desk) -> None:
    desk.leads.enroll("L-1")
    async with desk.signed_in("dana") as dana:
        token = await csrf_of(dana, f"/tasks/{TASK}")
        form = {"csrf": token, "outcome": "connected", "notes": "budget approved", "learned.budget": "120k"}
        first = await dana.post(f"/tasks/{TASK}", data=form)
        assert (first.status_code, first.headers["location"]) == (303, "/leads/L-1")
        moved = await dana.get("/leads/L-1")
        assert "Recorded: connected (recorded connected for task lead-L-1~discovery~1)." in text(moved)
        assert "Open call task for queue:sdr: open the task" in text(moved)  # the lead moved on at once
        second = await dana.post(f"/tasks/{TASK}", data=form)
        assert second.status_code == 409
        assert text(second) == ("My queue Task closed Nothing was recorded: this task was already closed. Task "
                                "lead-L-1~discovery~1 is closed: connected was logged by dana at Mon 2 Mar 16:00 CET. "
                                "Notes: budget approved See where the lead is now · Back to my queue")
        again = await dana.get(f"/tasks/{TASK}")
        assert again.status_code == 200 and "is closed: connected was logged by dana" in text(again)
    assert desk.leads.calls == [("log_outcome", TASK, "connected", "dana")]


async def test_a_task_closed_while_the_form_was_open_is_refused_with_the_workflows_words(desk: Desk) -> None:
    desk.leads.enroll("L-1")
    async with desk.signed_in("dana") as dana:
        token = await csrf_of(dana, f"/tasks/{TASK}")
        engine = desk.leads.engines["L-1"]
        desk.leads.meanwhile = lambda: engine.log_outcome(TASK, "no_answer", "", {}, "mia", T0)
        refused = await dana.post(f"/tasks/{TASK}", data={"csrf": token, "outcome": "connected", "notes": "n"})
        assert refused.status_code == 409
        assert ("The lead refused this: task lead-L-1~discovery~1 is not open: lead L-1 has no open task. Nothing was "
                "recorded.") in text(refused)
    assert desk.leads.calls == []
    assert [h["outcome"] for h in engine.state.history if h["kind"] == "touch"] == ["no_answer"]


async def _handed_off(desk: Desk) -> None:
    desk.leads.enroll("L-1")
    async with desk.signed_in("dana") as dana:
        token = await csrf_of(dana, f"/tasks/{TASK}")
        booked = await dana.post(f"/tasks/{TASK}", data={"csrf": token, "outcome": "meeting_booked"})
        assert booked.status_code == 303
    assert desk.leads.engines["L-1"].state.phase == "acceptance"


def _link(desk: Desk, *, now: object = None, secret: str = SECRET, lead_id: str = "L-1") -> str:
    deadline = desk.leads.engines["L-1"].state.acceptance["deadline"]  # type: ignore[index]
    grant = new_handoff_grant(lead_id, "mia@seller.example", deadline, now or desk.clock[0])  # type: ignore[arg-type]
    return f"/handoffs/{lead_id}?link={handoff_token(grant, secret)}"


async def test_an_expired_forged_or_foreign_link_grants_nothing(desk: Desk) -> None:
    await _handed_off(desk)
    async with desk.client() as http:
        expired = await http.get(_link(desk, now=desk.clock[0] - timedelta(days=8)))
        assert expired.status_code == 403
        assert text(expired) == ("This link has expired The link in the handoff email worked until Sun 1 Mar 15:00 UTC. "
                                 "Sign in to see the lead and answer the handoff. Sign in")
        forged = _link(desk)
        for url in (forged[:-2] + ("AA" if not forged.endswith("AA") else "BB"), _link(desk, secret="another-key"),
                    "/handoffs/L-1?link=", "/handoffs/L-1?link=x.y"):
            refused = await http.get(url)
            assert refused.status_code == 403
            assert text(refused).startswith("This link is not valid This handoff link is damaged or was not made by "
                                            "this workspace.")
        foreign = await http.get(_link(desk, lead_id="L-2").replace("/handoffs/L-2?", "/handoffs/L-1?"))
        assert foreign.status_code == 403 and "This handoff link is for another lead." in text(foreign)
        assert (await http.get("/handoffs/L-1")).status_code == 303  # still nobody: on to sign in
        token = await csrf_of(http, "/signin")
        posted = await http.post("/handoffs/L-1/accept", data={"csrf": token})
        assert posted.status_code == 401
        assert "Your sign-in or the handoff link has expired, so nothing was recorded." in text(posted)
    assert [c[0] for c in desk.leads.calls] == ["log_outcome"]


async def test_a_link_answers_its_handoff_once_as_the_person_it_was_emailed_to(desk: Desk) -> None:
    await _handed_off(desk)
    async with desk.client() as http:
        opened = await http.get(_link(desk))
        assert (opened.status_code, opened.headers["location"]) == (303, "/handoffs/L-1")  # the token leaves the URL
        page = await http.get("/handoffs/L-1")
        assert page.status_code == 200
        assert "Waiting for mia@seller.example to accept or reject by Wed 4 Mar 15:00 UTC (in 2 d)." in text(page)
        assert "Unanswered by then, it goes to queue:sales-managers; rejected, it goes back to nurture (e2e-recycle)." \
            in text(page)
        assert "You opened this from the handoff email sent to mia@seller.example" in text(page)
        assert page.headers["referrer-policy"] == "no-referrer" and page.headers["x-frame-options"] == "DENY"
        token = await csrf_of(http, "/handoffs/L-1")
        no_reason = await http.post("/handoffs/L-1/reject", data={"csrf": token, "reason": "  "})
        assert no_reason.status_code == 422
        assert ("A rejection needs a reason: say what is missing or why the lead is not a fit. Nothing was recorded."
                in text(no_reason))
        accepted = await http.post("/handoffs/L-1/accept", data={"csrf": token, "note": "calling Tuesday"})
        assert (accepted.status_code, accepted.headers["location"]) == (303, "/handoffs/L-1")
        done = await http.get("/handoffs/L-1")
        assert "You accepted the lead (accepted)." in text(done)
        assert "Accepted by mia (calling Tuesday)." in text(done)
        again = await http.post("/handoffs/L-1/accept", data={"csrf": token, "note": "calling Tuesday"})
        assert again.status_code == 409
        assert ("This handoff was already answered: accepted by mia at Mon 2 Mar 15:00 UTC. Nothing was recorded."
                in text(again))
        later(desk, timedelta(days=8))  # the grant in the browser ends with its link
        assert (await http.get("/handoffs/L-1")).status_code == 303
    assert desk.leads.calls[1:] == [("accept", "L-1", "mia")]
    assert desk.leads.engines["L-1"].state.outcome["reason"] == "accepted by mia"  # type: ignore[index]


async def test_operator_actions_ask_first_and_a_second_pause_is_refused(desk: Desk) -> None:
    desk.leads.enroll("L-1")
    async with desk.signed_in("mia") as mia:
        asked = await mia.get("/leads/L-1/pause")
        assert asked.status_code == 200
        assert "Pause Uma Lee? No touch happens until someone resumes the lead." in text(asked)
        assert desk.leads.calls == []  # asking changes nothing
        token = await csrf_of(mia, "/leads/L-1/pause")
        paused = await mia.post("/leads/L-1/pause", data={"csrf": token})
        assert (paused.status_code, paused.headers["location"]) == (303, "/leads/L-1")
        assert "Paused." in text(await mia.get("/leads/L-1"))
        again = await mia.post("/leads/L-1/pause", data={"csrf": token})
        assert again.status_code == 409
        assert "Uma Lee is already paused (by mia, 2026-03-02T15:00:00Z). Nothing was changed." in text(again)
        bad = await mia.post("/leads/L-1/disqualify", data={"csrf": token, "reason": "competitor"})
        assert bad.status_code == 422
        assert "Choose a reason the cadence declares: no_response, bad_data, not_a_fit, opted_out. Nothing was changed." in text(bad)
        gone = await mia.post("/leads/L-1/disqualify", data={"csrf": token, "reason": "not_a_fit", "note": "student"})
        assert gone.status_code == 303
        ended = await mia.post("/leads/L-1/resume", data={"csrf": token})
        assert ended.status_code == 409
        assert "Uma Lee has already ended (disqualified: not_a_fit). Nothing was changed." in text(ended)
        assert (await mia.get("/leads/L-1/explode")).status_code == 404
    assert desk.leads.calls == [("pause", "L-1", "mia"), ("disqualify", "L-1", "mia")]
    history = [(h["kind"], h["outcome"], h["by"]) for h in desk.leads.engines["L-1"].state.history if h["by"] == "mia"]
    assert history == [("operator", "paused", "mia"), ("operator", "disqualify", "mia"), ("stage", "disqualified", "mia")]


async def test_a_changed_password_or_a_removed_user_ends_their_sessions(desk: Desk) -> None:
    async with desk.signed_in("dana") as dana:
        assert (await dana.get("/tasks")).status_code == 200
        users = desk.users.users()
        users["dana"] = users["dana"].__class__(**{**users["dana"].__dict__, "password": users["mia"].password + "x"})
        desk.users.save(users)
        assert (await dana.get("/tasks")).status_code == 303
    async with desk.signed_in("mia") as mia:
        later(desk, timedelta(hours=13))  # a session lasts a working day
        assert (await mia.get("/tasks")).status_code == 303


async def test_behind_a_trusted_proxy_its_header_names_the_person(tmp_path: object) -> None:
    desk = make_desk(tmp_path, auth_header="X-Forwarded-User")  # type: ignore[arg-type]
    desk.leads.enroll("L-1")
    async with desk.client() as http:
        nobody = await http.get("/tasks")
        assert nobody.status_code == 401
        assert text(nobody) == ("Not signed in The sign-in proxy did not say who you are (no X-Forwarded-User header). "
                                "Open the workspace through your company's sign-in address.")
        stranger = await http.get("/tasks", headers={"X-Forwarded-User": "eve"})
        assert stranger.status_code == 403
        assert "You are signed in as eve, who is not a user of this workspace." in text(stranger)
        dana = {"X-Forwarded-User": "dana@seller.example"}
        assert re.findall(r'data-task="([^"]+)"', (await http.get("/tasks", headers=dana)).text) == [TASK]
        page = await http.get(f"/tasks/{TASK}", headers=dana)
        token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        logged = await http.post(f"/tasks/{TASK}", headers=dana, data={"csrf": token, "outcome": "no_answer"})
        assert logged.status_code == 303
        assert (await http.post("/signin", data={"csrf": token, "name": "dana", "password": "x"})).status_code == 401
    assert desk.leads.calls == [("log_outcome", TASK, "no_answer", "dana")]


async def test_while_temporal_or_the_worker_is_away_pages_say_so_and_record_nothing(desk: Desk) -> None:
    from cadence import client as api

    desk.leads.enroll("L-1")
    async with desk.signed_in("dana") as dana:
        token = await csrf_of(dana, f"/tasks/{TASK}")

        async def away(*args: object, **kwargs: object) -> None:
            raise api.Unreachable("the Temporal server did not answer (UNAVAILABLE)")

        desk.leads.state = away  # type: ignore[method-assign]
        down = await dana.post(f"/tasks/{TASK}", data={"csrf": token, "outcome": "connected"})
        assert (down.status_code, down.headers["retry-after"]) == (503, "30")
        assert text(down) == ("Try again in a minute cadence cannot reach its server right now. Nothing was recorded; "
                              "try again in a minute.")

        async def silent(*args: object, **kwargs: object) -> None:
            raise api.NoWorker("no worker answered for lead L-1 within 10 s; is `cadence worker` running?")

        desk.leads.state = silent  # type: ignore[method-assign]
        page = await dana.get(f"/tasks/{TASK}")
        assert page.status_code == 503
        assert text(page) == ("No worker is answering no worker answered for lead L-1 within 10 s; is `cadence worker` "
                              "running? Nothing was recorded; try again in a minute.")
    assert desk.leads.calls == []


async def test_pages_run_only_their_own_script_and_are_never_cached_or_framed(desk: Desk) -> None:
    async with desk.client() as http:
        page = await http.get("/signin")
        nonce = re.search(r'<script nonce="([^"]+)">', page.text).group(1)  # type: ignore[union-attr]
        assert page.headers["content-security-policy"] == (
            f"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
        assert (page.headers["cache-control"], page.headers["x-frame-options"]) == ("no-store", "DENY")
        assert nonce not in (await http.get("/signin")).text  # a new one each time
        huge = await http.post("/signin", content=b"x" * 70_000,
                               headers={"content-type": "application/x-www-form-urlencoded"})
        assert huge.status_code == 413


async def test_failed_sign_ins_shut_the_door_for_a_while_without_checking_the_password(desk: Desk) -> None:
    from cadence.gateway.workspace.throttle import ADDRESS_FAILURES, FAILURES

    async with desk.client() as http:
        token = await csrf_of(http, "/signin")

        async def attempt(name: str, password: str) -> httpx.Response:
            return await http.post("/signin", data={"csrf": token, "name": name, "password": password})

        for _ in range(FAILURES):
            assert (await attempt("dana", "wrong password!")).status_code == 401
        shut = await attempt("Dana", PASSWORD)  # the right password now changes nothing
        assert shut.status_code == 429 and shut.headers["retry-after"] == "900"
        assert ("Too many failed sign-ins for this name or from this address. Try again in 15 minutes."
                in text(shut))
        assert (await attempt("raj", PASSWORD)).status_code == 303  # another name from here is not shut out
    later(desk, timedelta(minutes=15))
    async with desk.client() as http:  # a quarter of an hour later the door is open again
        assert (await signin(http, "dana")).status_code == 303
    async with desk.client() as http:  # one address guessing many names is shut out too
        token = await csrf_of(http, "/signin")
        for i in range(ADDRESS_FAILURES):
            assert (await http.post("/signin", data={"csrf": token, "name": f"user{i}", "password": "x"})).status_code == 401
        assert (await http.post("/signin", data={"csrf": token, "name": "dana", "password": PASSWORD})).status_code == 429
