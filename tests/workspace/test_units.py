"""The workspace's pure parts: links, sessions, passwords, the users file, the views, the settings, and the link in
the handoff email. No server, no clock of their own: every instant is stated here."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from cadence.channels.handoff import EmailHandoffSink, Handoff
from cadence.channels.links import (
    LinkRefused,
    handoff_token,
    new_handoff_grant,
    read_handoff_token,
)
from cadence.channels.requests import HandoffRequest
from cadence.channels.settings import ChannelSettings
from cadence.cli.main import main
from cadence.config import ConfigError, load_settings
from cadence.gateway.workspace import access, sessions, views
from cadence.gateway.workspace.passwords import (
    hash_password,
    password_problem,
    verify_password,
)
from cadence.gateway.workspace.users import User, UsersFile, UsersFileError, parse_users

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)


# ---------------------------------------------------------------- links


def test_a_handoff_link_round_trips_and_refuses_tampering_other_keys_and_age() -> None:
    grant = new_handoff_grant("L-1", "mia@seller.example", "2026-03-04T15:00:00Z", NOW)
    assert grant.expires == NOW + timedelta(days=7)
    token = handoff_token(grant, "k1")
    assert read_handoff_token(token, "k1", NOW + timedelta(days=6)) == grant
    for bad, key in ((token, "k2"), (token[:-1] + ("A" if token[-1] != "A" else "B"), "k1"), (token, None),
                     ("x" * 3000, "k1"), ("no-dot", "k1"), ("", "k1")):
        with pytest.raises(LinkRefused) as refused:
            read_handoff_token(bad, key, NOW)
        assert (str(refused.value), refused.value.expired) == ("not a valid link", False)
    with pytest.raises(LinkRefused) as old:
        read_handoff_token(token, "k1", NOW + timedelta(days=7))
    assert (str(old.value), old.value.expired, old.value.expired_at) == ("the link has expired", True, grant.expires)
    with pytest.raises(ValueError, match="a handoff link needs workspace_secret"):
        handoff_token(grant, "")


def _handoff(answer_by: str = "2026-03-04T15:00:00Z") -> Handoff:
    request = HandoffRequest(workflow_id="lead-L-1", lead={"id": "L-1", "first_name": "Uma"},
                             assignee="Mia Manager <mia@seller.example>", sections=(), state={}, answer_by=answer_by)
    return Handoff("ho-1", request, {"contact": {"name": "Uma"}}, "# Sales-ready lead: Uma\n")


def test_the_handoff_email_links_to_the_workspace_only_with_a_public_url_and_a_secret() -> None:
    bare = EmailHandoffSink(ChannelSettings(public_url="https://cadence.example.com"), transport=None)  # type: ignore[arg-type]
    plain = bare.build(_handoff(), "Mia Manager <mia@seller.example>", NOW).get_body(("plain",)).get_content()
    assert plain.replace("\r\n", "\n") == "# Sales-ready lead: Uma\n"

    sink = EmailHandoffSink(ChannelSettings(public_url="https://cadence.example.com", workspace_secret="k1"),
                            transport=None)  # type: ignore[arg-type]
    message = sink.build(_handoff(), "Mia Manager <mia@seller.example>", NOW)
    plain = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    head, _, tail = plain.partition("https://cadence.example.com/handoffs/L-1?link=")
    token = tail.split(">", 1)[0]
    assert head == "**Accept or reject this lead:** <"
    assert tail.split(">", 1)[1] == ("  \n_The link works until 2026-03-09 15:00 UTC; after that, sign in to the "
                                     "workspace._\n\n# Sales-ready lead: Uma\n")
    assert read_handoff_token(token, "k1", NOW) == new_handoff_grant("L-1", "mia@seller.example",
                                                                     "2026-03-04T15:00:00Z", NOW)
    html = message.get_body(("html",)).get_content()
    assert f'<a href="https://cadence.example.com/handoffs/L-1?link={token}">' in html
    without = sink.build(_handoff(answer_by=""), "mia@seller.example", NOW).get_body(("plain",)).get_content()
    assert without.startswith("**This lead in the workspace:** <https://cadence.example.com/handoffs/L-1?link=")


# ---------------------------------------------------------------- sessions and passwords


def test_a_session_cookie_is_signed_expires_and_keeps_its_newest_grants() -> None:
    keys = sessions.SessionKeys.derive("secret")
    grants = tuple(sessions.Grant(f"L-{i}", "mia@seller.example", "2026-03-04T15:00:00Z",
                                  int((NOW + timedelta(days=7)).timestamp())) for i in range(20))
    session = sessions.new_session(NOW, user="dana", fingerprint="f", grants=grants)
    value = sessions.encode(session, keys)
    decoded = sessions.decode(value, keys, NOW)
    assert decoded is not None and decoded.user == "dana" and decoded.grants == grants[-sessions.MAX_GRANTS:]
    assert sessions.decode(value, sessions.SessionKeys.derive("other"), NOW) is None
    assert sessions.decode(value[:-2] + "xx", keys, NOW) is None
    assert sessions.decode(value, keys, NOW + sessions.SESSION_LIFETIME) is None
    token = sessions.csrf_token(session, keys)
    assert sessions.csrf_ok(session, token, keys) and not sessions.csrf_ok(session, token[:-1], keys)
    assert not sessions.csrf_ok(sessions.new_session(NOW), token, keys)  # another session's token
    assert sessions.SessionKeys.derive(None) != sessions.SessionKeys.derive(None)  # no secret: this process only


def test_passwords_are_salted_scrypt_hashes() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$15$8$1$") and stored != hash_password("correct horse battery")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterz", stored)
    assert not verify_password("anything", None) and not verify_password("anything", "md5$abc")
    assert password_problem("short") == "a password needs at least 10 characters"
    assert password_problem(" padded password ") == "a password must not start or end with a space"


# ---------------------------------------------------------------- users


def test_the_users_file_is_checked_and_read_again_when_it_changes(tmp_path: Path) -> None:
    users = UsersFile(tmp_path / "users.json")
    assert users.users() == {}
    users.save({"dana": User("dana", "rep", ("sdr",), "Dana@Seller.example", "Europe/Berlin", "h")})
    assert (tmp_path / "users.json").stat().st_mode & 0o777 == 0o600
    assert users.find("dana@seller.example") == users.find("dana")
    dana = users.users()["dana"]
    assert dana.is_assignee("queue:sdr") and dana.is_assignee("DANA@seller.example") and not dana.is_assignee("queue:x")
    (tmp_path / "users.json").write_text(json.dumps({"format": 1, "users": [
        {"name": "raj", "role": "boss", "timezone": "Mars/Olympus"}]}))
    with pytest.raises(UsersFileError) as bad:
        users.users()
    assert str(bad.value) == (f"{tmp_path / 'users.json'}: user 'raj': role 'boss' is not one of: rep, manager; "
                              "timezone 'Mars/Olympus' is not an IANA zone (like Europe/Berlin)")
    with pytest.raises(UsersFileError, match="user 'a' is listed twice"):
        parse_users(json.dumps({"format": 1, "users": [{"name": "a", "role": "rep"}, {"name": "a", "role": "rep"}]}), "f")
    with pytest.raises(UsersFileError, match=r"f: not a cadence users file"):
        parse_users("[]", "f")


def test_cadence_users_adds_lists_and_removes_people(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CADENCE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["users", "add", "dana", "--role", "rep", "--queue", "queue:sdr", "--email", "dana@seller.example",
                 "--timezone", "Europe/Berlin", "--password-stdin"]) == 0
    assert main(["users", "add", "mia", "--role", "manager", "--no-password"]) == 0
    assert main(["users", "add", "mia", "--role", "rep", "--no-password"]) == 1
    assert main(["users", "add", "Bad", "--role", "rep", "--no-password"]) == 1
    assert main(["users", "list", "--json"]) == 0
    out, err = capsys.readouterr()
    users_file = tmp_path / "state" / "users.json"
    assert out.splitlines()[:2] == [f"added dana (rep) in {users_file}", f"added mia (manager) in {users_file}"]
    assert [json.loads(line) for line in out.splitlines()[2:]] == [
        {"name": "dana", "role": "rep", "queues": ["sdr"], "email": "dana@seller.example", "timezone": "Europe/Berlin",
         "password": True},
        {"name": "mia", "role": "manager", "queues": [], "email": "", "timezone": "UTC", "password": False}]
    assert err.splitlines() == [f"error: user 'mia' exists in {users_file}; use --replace to change them",
                                ("error: name 'Bad' must be 1-64 lower-case letters, digits or . _ - (starting with a "
                                 "letter or digit)")]
    assert verify_password("correct horse battery", UsersFile(users_file).users()["dana"].password)
    assert main(["users", "remove", "mia"]) == 0
    assert list(UsersFile(users_file).users()) == ["dana"]


# ---------------------------------------------------------------- settings


def test_the_workspace_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    s = load_settings(environ={"CADENCE_STATE_DIR": "/srv/cadence"})
    assert (s.users_file, s.auth_header, s.public_url, s.workspace_secret) == (Path("/srv/cadence/users.json"), None,
                                                                              None, None)
    s = load_settings(environ={"CADENCE_PUBLIC_URL": "https://cadence.example.com/", "CADENCE_WORKSPACE_SECRET": "k",
                               "CADENCE_AUTH_HEADER": "X-Forwarded-User"})
    assert (s.public_url, s.auth_header, s.workspace_secret) == ("https://cadence.example.com", "X-Forwarded-User", "k")
    assert {k: v for k, v, _ in s.describe()}["workspace_secret"] == "****"
    for env, message in (
            ({"CADENCE_AUTH_HEADER": "X Forwarded"},
             "CADENCE_AUTH_HEADER: 'X Forwarded' is not an HTTP header name (like X-Forwarded-User)"),
            ({"CADENCE_PUBLIC_URL": "https://x.example/?a=1"},
             "CADENCE_PUBLIC_URL: 'https://x.example/?a=1' is not a base URL (no ?query or #fragment)")):
        with pytest.raises(ConfigError) as bad:
            load_settings(environ=env)
        assert str(bad.value) == message
    (tmp_path / "cadence.toml").write_text('workspace_secret = "k"\n')
    with pytest.raises(ConfigError, match="workspace_secret must not be stored in a file"):
        load_settings(environ={})


# ---------------------------------------------------------------- views and access


def _state(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "lead_id": "L-1", "lead": {"id": "L-1", "first_name": "Uma", "company": "Buyer Inc", "owner": "mia@x.example"},
        "cadence": "ws-calls", "now": "2026-03-02T15:00:00Z", "touches": 1, "plan_touches": 2, "history": [],
        "qualification": {}, "missing": [], "stages": [],
        "open_task": {"task_id": "lead-L-1~follow-up~1", "kind": "call", "step": "follow-up", "assignee": "queue:sdr",
                      "due_at": "2026-03-03T15:00:00Z", "outcomes": ["connected"]}}
    return {**base, **kw}


def test_a_queue_row_says_touch_due_in_the_readers_zone_and_why() -> None:
    history = [{"at": "2026-03-02T12:00:00Z", "kind": "touch", "channel": "call", "step": "discovery",
                "outcome": "no_answer", "by": "dana"},
               {"at": "2026-03-02T15:00:00Z", "kind": "task", "channel": "call", "step": "follow-up",
                "outcome": "opened", "detail": "task lead-L-1~follow-up~1 due 2026-03-03T15:00:00Z"}]
    row = views.queue_row(_state(history=history), "America/New_York")
    assert (row.touch, row.due, row.due_in, row.overdue) == ("touch 2 of 2", "Tue 3 Mar 10:00 EST", "in 1 d", False)
    assert row.why == "next step after call discovery (no answer, 3 h ago)"
    replied = [history[0], {"at": "2026-03-02T14:30:00Z", "kind": "event", "outcome": "reply"}, history[1]]
    assert views.why(_state(history=replied)) == "the lead replied 30 min ago"
    assert views.why(_state(history=[])) == "first touch of ws-calls"
    late = _state(now="2026-03-04T15:00:00Z")
    early = _state(lead_id="L-2", open_task={**_state()["open_task"], "due_at": "2026-03-02T16:00:00Z"})
    rows = views.queue([_state(lead_id="L-3"), early, late], "UTC")
    assert [(r.lead_id, r.overdue, r.due_in) for r in rows] == [("L-1", True, "1 d ago"), ("L-2", False, "in 1 h"),
                                                                ("L-3", False, "in 1 d")]
    assert views.touch_position({"touches": 5, "plan_touches": 2}) == "touch 6 (2 planned)"


def test_qualification_lists_every_attribute_known_ones_with_who_and_when() -> None:
    state = _state(qualification={"budget": {"value": "120k", "by": "dana", "at": "2026-03-02T15:00:00Z"},
                                  "champion": {"value": "Ola", "by": "raj", "at": "2026-03-02T15:00:00Z"}},
                   missing=["decision_process", "urgency"])
    rows = views.qualification(state, "Europe/Berlin")
    assert [(a.name, a.known, a.value, a.when) for a in rows] == [
        ("decision_process", False, "", ""), ("budget", True, "120k", "Mon 2 Mar 16:00 CET"),
        ("urgency", False, "", ""), ("champion", True, "Ola", "Mon 2 Mar 16:00 CET")]


def test_who_may_do_what() -> None:
    dana = User("dana", "rep", ("sdr",), "dana@x.example")
    raj = User("raj", "rep", ("inside",))
    mia = User("mia", "manager")
    state = _state()
    assert access.may_work_task(dana, "queue:sdr") and not access.may_work_task(raj, "queue:sdr")
    assert access.may_work_task(mia, "queue:anything") and access.may_operate(mia) and not access.may_operate(dana)
    assert access.may_see_lead(dana, state) and not access.may_see_lead(raj, state)
    worked = _state(open_task=None, history=[{"kind": "touch", "by": "raj"}])
    assert access.may_see_lead(raj, worked) and not access.may_see_lead(dana, worked)
    handed = _state(open_task=None, phase="acceptance", acceptance={"to": "dana@x.example", "deadline": "2026-03-04T15:00:00Z"},
                    stages=[{"stage": "sales_ready", "entered_at": "2026-03-02T14:00:00Z"},
                            {"stage": "handed_off", "entered_at": "2026-03-02T14:00:01Z"}])
    assert access.may_answer_handoff(dana, handed) and not access.may_answer_handoff(raj, handed)
    grant = sessions.Grant("L-1", "dana@x.example", "2026-03-04T14:00:00Z", int((NOW + timedelta(days=1)).timestamp()))
    assert access.grant_covers(grant, handed, NOW)
    earlier = sessions.Grant("L-1", "dana@x.example", "2026-02-20T14:00:00Z", grant.expires)
    assert not access.grant_covers(earlier, handed, NOW)  # a link of an earlier handoff of the lead
    assert not access.grant_covers(grant, handed, NOW + timedelta(days=2))  # expired
    recycled = {**handed, "stages": [*handed["stages"], {"stage": "track:e2e-recycle", "entered_at": "x"}]}
    assert not access.grant_covers(grant, recycled, NOW)


def test_the_screenshot_script_photographs_every_page() -> None:
    script = (Path(__file__).resolve().parents[2] / "docs" / "workspace" / "screenshots.py").read_text()
    for name in ("signin", "queue", "task", "lead", "handoff", "confirm", "phone-queue", "phone-task"):
        assert f'"{name}"' in script and (script.count(f'shoot(page, "{name}"') + script.count(f'shoot(small, "{name}"')) == 1
