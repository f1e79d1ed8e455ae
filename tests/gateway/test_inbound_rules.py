"""The classification rules one at a time, on small hand-made messages."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from cadence.gateway.inbound import Bounce, BouncedRecipient, OutOfOffice, Reply, classify, message_ids

NOW = datetime(2026, 12, 21, 9, 30, tzinfo=timezone.utc)
SENT = "<nrswczbnjqwtcmbugi.5a0abd9bd5928408.intro.0@mail.acme-cadence.example>"


def message(headers: str, body: str = "Thanks, let's talk.\n") -> bytes:
    return f"From: Ann Buyer <ann@buyer.example>\nMessage-ID: <m1@buyer.example>\n{headers}\n\n{body}".encode()


def dsn(status_fields: str, top: str = "multipart/report; report-type=delivery-status") -> bytes:
    return message(
        f'Subject: failure\nContent-Type: {top}; boundary="b"',
        f"--b\nContent-Type: text/plain\n\nIt failed.\n\n--b\nContent-Type: message/delivery-status\n\n"
        f"Reporting-MTA: dns; mx.example\n\n{status_fields}\n--b--\n",
    )


@pytest.mark.parametrize(("headers", "evidence"), [
    ("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
    ("Auto-Submitted: auto-generated (vacation)", "Auto-Submitted: auto-generated"),
    ("Auto-Submitted: Auto-Notified; owner-email=x@y", "Auto-Submitted: auto-notified"),
    ("X-Autoreply: yes", "X-Autoreply"),
    ("X-Autorespond: 1", "X-Autorespond"),
    ("Precedence: bulk", "Precedence: bulk"),
    ("Precedence: junk", "Precedence: junk"),
    ("Precedence: auto_reply", "Precedence: auto_reply"),
    ("Subject: Out of Office: Quick question", "Subject: out of office"),
    ("Subject: Automatic reply: Quick question", "Subject: automatic reply"),
    ("Subject: [EXTERNAL] Out of office AutoReply: Quick question", "Subject: out of office"),
    ("Subject: Abwesenheitsnotiz: Kurze Frage", "Subject: abwesenheitsnotiz"),
    ("Subject: Automatische Antwort: Kurze Frage", "Subject: automatische antwort"),
    ("Subject: Absence du bureau", "Subject: absence du bureau"),
    ("Subject: =?utf-8?q?R=C3=89PONSE_AUTOMATIQUE_:_Question?=", "Subject: réponse automatique"),
    ("Subject: Fuera de la oficina: Pregunta", "Subject: fuera de la oficina"),
    ("Subject: Respuesta automatica: Pregunta", "Subject: respuesta automatica"),
    ("Return-Path: <>", "Return-Path: <>"),
    ("Content-Type: multipart/report; report-type=disposition-notification; boundary=b",
     "Content-Type: multipart/report; report-type=disposition-notification"),
])
def test_automatic_signs(headers: str, evidence: str) -> None:
    verdict = classify(message(headers), now=NOW)
    assert isinstance(verdict, OutOfOffice)
    assert verdict.evidence == evidence
    assert verdict.return_date is None


def test_a_prose_bounce_from_the_mailer_daemon_is_automatic_not_a_bounce() -> None:
    raw = (b"From: MAILER-DAEMON@mx.buyer.example\nSubject: failure notice\n\n"
           b"Hi. This is the qmail-send program at mx.buyer.example.\nI'm afraid I wasn't able to deliver your "
           b"message to the following addresses.\n\n<gone@buyer.example>:\nSorry, no mailbox here by that name.\n")
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, OutOfOffice)
    assert verdict.evidence == "From: MAILER-DAEMON"


@pytest.mark.parametrize("headers", [
    "X-Auto-Response-Suppress: All",
    "Auto-Submitted: no",
    "Auto-Submitted:",
    "X-Autoreply: no",
    "Precedence: list",
    "Subject: Re: Out of office plans for next year",
    "Subject: Outlook for the out of office season",
    "Return-Path: <ann@buyer.example>",
])
def test_not_automatic(headers: str) -> None:
    assert isinstance(classify(message(headers), now=NOW), Reply)


def test_a_delivery_report_comes_before_automatic_signs() -> None:
    raw = dsn("Final-Recipient: rfc822; gone@buyer.example\nAction: failed\nStatus: 5.1.1\n")
    raw = raw.replace(b"Subject: failure", b"Subject: Out of office\nAuto-Submitted: auto-replied")
    assert classify(raw, now=NOW).kind == "bounce"


@pytest.mark.parametrize(("fields", "expected"), [
    ("Final-Recipient: rfc822; gone@buyer.example\nAction: failed\nStatus: 5.1.1\n",
     [("gone@buyer.example", "failed", "5.1.1", "hard")]),
    ("Final-Recipient: rfc822; full@buyer.example\nAction: failed\nStatus: 4.2.2\n",
     [("full@buyer.example", "failed", "4.2.2", "soft")]),
    ("Final-Recipient: rfc822; a@buyer.example\nAction: failed\n", [("a@buyer.example", "failed", "", "hard")]),
    ("Final-Recipient: rfc822; a@buyer.example\nAction: delayed\n", [("a@buyer.example", "delayed", "", "soft")]),
    ("Final-Recipient: rfc822; a@buyer.example\nAction: failed\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full\n",
     [("a@buyer.example", "failed", "5.2.2", "hard")]),
    ("Final-Recipient: rfc822; a@buyer.example\nStatus: 4.4.1\n", [("a@buyer.example", "", "4.4.1", "soft")]),
    ("Original-Recipient: rfc822; <Old@Buyer.example>\nAction: failed (permanent)\nStatus: 5.1.1 (unknown)\n",
     [("old@buyer.example", "failed", "5.1.1", "hard")]),
    ("Final-Recipient: rfc822; ok@buyer.example\nAction: delivered\nStatus: 2.0.0\n", []),
    ("Final-Recipient: rfc822; ok@buyer.example\nAction: relayed\nStatus: 5.0.0\n", []),
    ("Final-Recipient: rfc822; ok@buyer.example\nAction: expanded\n", []),
    ("Final-Recipient: rfc822; not an address\nAction: failed\nStatus: 5.1.1\n", []),
    ("", []),
])
def test_recipient_rules(fields: str, expected: list[tuple[str, str, str, str]]) -> None:
    verdict = classify(dsn(fields), now=NOW)
    assert isinstance(verdict, Bounce)
    assert [(r.address, r.action, r.status, r.severity) for r in verdict.recipients] == expected


def test_a_report_declared_without_a_status_part_is_a_bounce_with_nothing_to_act_on() -> None:
    raw = message('Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
                  "--b\nContent-Type: text/plain\n\nYour message bounced.\n--b--\n")
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Bounce)
    assert (verdict.recipients, verdict.original_message_id, verdict.severity) == ((), None, None)


def test_a_status_part_in_a_mixed_message_is_a_bounce() -> None:
    verdict = classify(dsn("Final-Recipient: rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\n",
                           top="multipart/mixed"), now=NOW)
    assert isinstance(verdict, Bounce) and verdict.severity == "hard"


def test_a_global_delivery_status_part_is_read_as_text() -> None:
    raw = message(
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "--b\nContent-Type: message/global-delivery-status\nContent-Transfer-Encoding: base64\n\n"
        "UmVwb3J0aW5nLU1UQTogZG5zOyBteAoKRmluYWwtUmVjaXBpZW50OiB1dGYtODsgasO8cmdlbkBrw6R1ZmVyLmV4YW1wbGUK\n"
        "QWN0aW9uOiBmYWlsZWQKU3RhdHVzOiA1LjEuMQo=\n--b--\n",
    )
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Bounce)
    assert verdict.recipients == (BouncedRecipient(address="jürgen@käufer.example", original=None, action="failed",
                                                   status="5.1.1", severity="hard", diagnostic=""),)


def test_a_human_forwarding_a_bounce_is_a_reply() -> None:
    bounce = dsn("Final-Recipient: rfc822; gone@buyer.example\nAction: failed\nStatus: 5.1.1\n").decode()
    raw = message('Subject: Fwd: failure\nContent-Type: multipart/mixed; boundary="outer"',
                  f"--outer\nContent-Type: text/plain\n\nFYI, this bounced. Use ann@buyer.example.\n\n"
                  f"--outer\nContent-Type: message/rfc822\n\n{bounce}\n--outer--\n")
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Reply)
    assert verdict.text == "FYI, this bounced. Use ann@buyer.example."


def test_the_original_message_id_falls_back_to_the_reports_own_field() -> None:
    raw = dsn("Final-Recipient: rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\n")
    raw = raw.replace(b"Reporting-MTA: dns; mx.example", f"Reporting-MTA: dns; mx.example\nX-Original-Message-ID: "
                                                         f"{SENT}".encode())
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Bounce) and verdict.original_message_id == SENT


@pytest.mark.parametrize(("value", "expected"), [
    (f"{SENT}", (SENT,)),
    (f"\n {SENT}\n (Bob's message)", (SENT,)),
    ("<a@x.example> <b@y.example>", ("<a@x.example>", "<b@y.example>")),
    ("a@x.example", ("<a@x.example>",)),
    ("<a b@x.example>", ()),
    ("<a@x.example\r\nX-Evil: 1>", ()),
    ("<>", ()),
    ("not an id", ()),
    ("<" + "a" * 250 + "@x>", ()),
])
def test_message_ids(value: str, expected: tuple[str, ...]) -> None:
    assert message_ids(value) == expected


def test_references_keep_the_root_and_the_last_99() -> None:
    refs = " ".join(f"<r{i}@x.example>" for i in range(150))
    verdict = classify(message(f"References: {refs}\nIn-Reply-To: <r149@x.example> <r149@x.example>"), now=NOW)
    assert verdict.references == ("<r0@x.example>",) + tuple(f"<r{i}@x.example>" for i in range(51, 150))
    assert verdict.in_reply_to == ("<r149@x.example>",)


def test_a_message_without_message_id_is_known_by_its_hash() -> None:
    raw = b"From: ann@buyer.example\nSubject: hi\n\nhello\n"
    expected = "sha256:885e73b4a70072ea1e7640c95c131e6a7349840212396d1283ce0b659ff3ff5c"
    assert classify(raw, now=NOW).message_id == expected
    assert classify(raw + b"\n", now=NOW).message_id != classify(raw, now=NOW).message_id


@pytest.mark.parametrize(("headers", "body", "tokens"), [
    ("X-Cadence-Token: jqwtcmbugi-4cadfbae0399bc1e3a30", "", ("jqwtcmbugi-4cadfbae0399bc1e3a30",)),
    ("X-Cadence-Token: short", "", ()),
    ("X-Cadence-Token: has spaces in it, not a token", "", ()),
    ("Subject: Re: hi [ref:jqwtcmbugi-4cadfbae0399bc1e3a30]", "", ("jqwtcmbugi-4cadfbae0399bc1e3a30",)),
    ("", "> [ref:jqwtcmbugi-4cadfbae0399bc1e3a30]\n> [ref:jqwtcmbugi-4cadfbae0399bc1e3a30]\n",
     ("jqwtcmbugi-4cadfbae0399bc1e3a30",)),
    ("X-Cadence-Token: aaaaaaaaaaaaaaaa", "[ref:bbbbbbbbbbbbbbbb] [ref:cccccccccccccccc]",
     ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb", "cccccccccccccccc")),
    ("", "[ref:" + "a" * 201 + "]", ()),
    ("", "[ref:aaaaaaa-bbbbbbb]", ()),
    ("", " ".join(f"[ref:token{i:02d}xxxxxxxxxxx]" for i in range(15)),
     tuple(f"token{i:02d}xxxxxxxxxxx" for i in range(10))),
])
def test_tokens(headers: str, body: str, tokens: tuple[str, ...]) -> None:
    assert classify(message(headers or "X-Nothing: 1", body or "hello"), now=NOW).tokens == tokens


@pytest.mark.parametrize(("value", "sender"), [
    ("Ann Buyer <Ann@Buyer.Example>", "ann@buyer.example"),
    ("ann@buyer.example (Ann Buyer)", "ann@buyer.example"),
    ('"Buyer, Ann <boss@corp.example>" <ann@buyer.example>', "ann@buyer.example"),
    ("=?utf-8?q?boss=40corp.example?= <ann@buyer.example>", "ann@buyer.example"),
    ("undisclosed-recipients:;", None),
    ("Ann Buyer", None),
    ("(" * 40 + "x" + ")" * 40 + " ann@buyer.example", "ann@buyer.example"),
    ("(" * 5000 + " ann@buyer.example", None),  # beyond the 2,000 characters read
])
def test_sender(value: str, sender: str | None) -> None:
    raw = message("X-Nothing: 1").replace(b"From: Ann Buyer <ann@buyer.example>", f"From: {value}".encode())
    assert classify(raw, now=NOW).sender == sender
