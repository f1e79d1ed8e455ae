"""Hostile lead data: refused at enrollment with a reason per lead, and harmless even if it got through."""

from __future__ import annotations

import csv
import json
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from cadence.channels.email import InvalidAddress, build_email
from cadence.channels.ids import message_id_for
from cadence.channels.requests import EmailRequest, Rendered
from cadence.channels.settings import ChannelSettings
from cadence.lead import MAX_FIELD_LENGTH, STANDARD_FIELDS, LeadError, parse_lead
from cadence.sources import read_leads

GOOD = {"id": "L-1", "first_name": "Zelda", "last_name": "Quixote", "email": "zelda@privatebuyer.example",
        "phone": "+1 415 555 0199", "company": "Privatebuyer", "timezone": "America/Chicago"}
INJECTIONS = ["Zelda\r\nBcc: victim@evil.example", "Zelda\nBcc: victim@evil.example", "Zelda\rX-Evil: 1",
              "Zelda\x00", "Zelda\x1b[31m", "Zelda\x7f", "=?utf-8?q?Zelda=0D=0ABcc:_victim@evil.example?="]


@pytest.mark.parametrize("field", [f for f in STANDARD_FIELDS if f not in ("id",)] + ["industry_segment"])
@pytest.mark.parametrize("value", INJECTIONS[:6], ids=["crlf", "lf", "cr", "nul", "esc", "del"])
def test_control_characters_are_refused_in_every_field(field: str, value: str) -> None:
    with pytest.raises(LeadError) as err:
        parse_lead({**GOOD, field: value})
    assert f"{field}: contains control characters (line breaks are not allowed)" in err.value.problems


@pytest.mark.parametrize("value", ["L-1\r\nBcc: x", "L 1", "L-1<script>", "../../etc/passwd", "x" * 129, "L@1"])
def test_hostile_ids_are_refused(value: str) -> None:
    with pytest.raises(LeadError, match="^id: "):
        parse_lead({**GOOD, "id": value})


def test_every_problem_of_a_lead_is_reported_at_once() -> None:
    with pytest.raises(LeadError) as err:
        parse_lead({"id": "L-9", "email": "not-an-address", "phone": "call me maybe", "timezone": "Mars/Olympus",
                    "company": "x" * (MAX_FIELD_LENGTH + 1), "employees": "many", "source": "spam",
                    "first_name": ["Zelda"], "last_name": {"a": 1}, "title": True, "Bad Field": "x"})
    assert err.value.problems == [
        "company: longer than 2000 characters",
        "first_name: must be text or a number, got list",
        "last_name: must be text or a number, got dict",
        "title: must be text or a number, got bool",
        "field name 'Bad Field' must be lower_snake_case",
        "email: 'not-an-address' is not a valid address",
        "phone: 'call me maybe' is not a valid phone number",
        "timezone: 'Mars/Olympus' is not an IANA time zone (like America/Chicago)",
        "source: 'spam' must be one of marketing, sales",
        "employees: 'many' is not a number",
    ]


@pytest.mark.parametrize(("record", "problem"), [
    ({"email": "a@b.example\r\n"}, None),  # surrounding whitespace is stripped: a trailing CRLF is harmless
    ({"email": "zelda@privatebuyer.example, victim@evil.example"}, "email: "),
    ({"email": "Zelda <zelda@privatebuyer.example>"}, "email: "),
    ({"email": "zelda@privatebuyer.example\nBcc: victim@evil.example"}, "email: contains control characters"),
    ({"email": "a" * 250 + "@b.example"}, "email: "),
    ({"phone": "+1 415 555 0199; DROP TABLE"}, "phone: "),
    ({"phone": "1" * 40}, "phone: "),
    ({"timezone": "../../../../etc/localtime"}, "timezone: "),
    ({"timezone": "/etc/passwd"}, "timezone: "),
    ({"employees": "nan"}, "employees: "),
    ({"revenue": "-5"}, "revenue: "),
    ({"deal_size": "1e400"}, "deal_size: "),
    ({"timezone": "America"}, "timezone: 'America' is not an IANA time zone"),  # a folder of the zone database
    ({"timezone": "Etc"}, "timezone: 'Etc' is not an IANA time zone"),
    ({"timezone": "A" * 300}, "timezone: 'AAAA"),  # a file name too long for the system
])
def test_invalid_contact_data_is_refused(record: dict[str, Any], problem: str | None) -> None:
    if problem is None:
        assert parse_lead({**GOOD, **record}).fields["email"] == "a@b.example"
        return
    with pytest.raises(LeadError) as err:
        parse_lead({**GOOD, **record})
    assert any(p.startswith(problem) for p in err.value.problems), err.value.problems


def test_absurd_records_are_refused_without_work() -> None:
    with pytest.raises(LeadError, match="at most 100 fields"):
        parse_lead({"id": "L-1", **{f"f{i}": "x" for i in range(200)}})
    with pytest.raises(LeadError, match="must be an object, got list"):
        parse_lead(["id", "L-1"])
    with pytest.raises(LeadError, match="longer than 2000"):
        parse_lead({**GOOD, "notes": "x" * 10_000_000})


def test_a_lead_file_gives_one_error_per_bad_lead_and_keeps_the_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "first_name", "email", "phone", "timezone"])
        w.writerow(["L-1", "Zelda", "zelda@privatebuyer.example", "+1 415 555 0199", "America/Chicago"])
        w.writerow(["L-2", "Mal\r\nBcc: victim@evil.example", "mal@x.example", "", ""])
        w.writerow(["L-3", "Long", "nope", "12", "Nowhere/City"])
        w.writerow(["L-4", "x" * 5000, "", "", ""])
        w.writerow(["L-5", "Fine", "fine@x.example", "", ""])
    rows = list(read_leads(path))
    assert [line for line, _ in rows] == [2, 3, 5, 6, 7]  # the quoted CRLF spans two physical lines
    ok = {r.id for _, r in rows if not isinstance(r, str)}
    errors = {line: r for line, r in rows if isinstance(r, str)}
    assert ok == {"L-1", "L-5"}
    assert "first_name: contains control characters" in errors[3]
    assert "email: 'nope' is not a valid address" in errors[5] and "phone: '12'" in errors[5] and "timezone:" in errors[5]
    assert errors[6] == "first_name: longer than 2000 characters"
    jsonl = tmp_path / "leads.jsonl"
    jsonl.write_text("\n".join([json.dumps(GOOD), "[1,2]", "{bad json", json.dumps({**GOOD, "id": "L-2", "email": 5})]) + "\n")
    results = [r if isinstance(r, str) else r.id for _, r in read_leads(jsonl)]
    assert results[0] == "L-1"
    assert results[1] == "a lead must be an object, got list"
    assert results[2].startswith("invalid JSON")
    assert results[3] == "email: '5' is not a valid address"


# -- defence in depth: the email builder with data that never passed parse_lead --------------------

SETTINGS = ChannelSettings(unsubscribe_secret="s3cret", sender="Dana Rep <dana@seller.example>")
BODY = Rendered("emails/x.html.j2", "<p>Hi {{ lead.first_name }} from {{ lead.company }}</p>")
EXPECTED_HEADERS = {"subject", "from", "to", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post", "x-cadence-token",
                    "x-cadence-lead", "x-cadence-step", "mime-version", "content-type"}


def build(lead: dict[str, Any], **kw: Any) -> Any:
    fields: dict[str, Any] = dict(workflow_id="lead-L-1", lead=lead, step_id="hello", iteration=0, body=BODY,
                                  subject="Hi {{ lead.first_name }} at {{ lead.company }}", context={"lead": lead},
                                  message_id=message_id_for("lead-L-1", "hello", 0))
    fields.update(kw)
    return build_email(EmailRequest(**fields), SETTINGS)


def headers_of(built: Any) -> tuple[set[str], Any]:
    raw = built.message.as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    return {k.lower() for k in parsed.keys()}, parsed


HOSTILE_NAMES = [
    *INJECTIONS[:6],
    "Zelda\u2028Bcc: victim@evil.example",
    "Zelda\x85Bcc: victim@evil.example",
    "Bcc: victim@evil.example",
    "\"Zelda\" <victim@evil.example>, x",
    pytest.param("=?utf-8?q?Zelda=0D=0ABcc:_victim@evil.example?=", id="encoded-word-q"),
    pytest.param("=?utf-8?b?WmVsZGENCkJjYzogdkBldmlsLmV4YW1wbGU=?=", id="encoded-word-b"),
]


@pytest.mark.parametrize("value", HOSTILE_NAMES)
@pytest.mark.parametrize("field", ["first_name", "last_name", "company"])
def test_hostile_names_never_become_headers(field: str, value: str) -> None:
    built = build({**GOOD, field: value})
    names, parsed = headers_of(built)
    assert names == EXPECTED_HEADERS
    assert built.recipient == "zelda@privatebuyer.example"
    assert [a.addr_spec for a in parsed["To"].addresses] == ["zelda@privatebuyer.example"]
    assert "\n" not in built.subject and "\r" not in built.subject
    head = built.message.as_bytes().split(b"\r\n\r\n", 1)[0]
    assert not any(line.lower().startswith((b"bcc:", b"x-evil:")) for line in head.split(b"\r\n"))


@pytest.mark.parametrize("email", ["zelda@privatebuyer.example\r\nBcc: victim@evil.example",
                                   "zelda@privatebuyer.example, victim@evil.example",
                                   "Zelda <victim@evil.example>", "", "victim@evil.example\x00"])
def test_a_hostile_address_is_refused_not_sent(email: str) -> None:
    with pytest.raises(InvalidAddress):
        build({**GOOD, "email": email})


def test_hostile_sender_and_step_values_are_contained() -> None:
    from temporalio.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as err:
        build(GOOD, sender="Dana <dana@seller.example>\r\nBcc: victim@evil.example")
    assert err.value.type == "InvalidSender" and err.value.non_retryable
    with pytest.raises(ApplicationError) as err:
        build(GOOD, message_id="<a@b>\r\nBcc: victim@evil.example")
    assert err.value.type == "InvalidMessageId"
    names, parsed = headers_of(build(GOOD, step_id="hello\r\nBcc: victim@evil.example", variant="a\nX-Evil: 1"))
    assert names == EXPECTED_HEADERS | {"x-cadence-variant"}
    assert "\n" not in str(parsed["X-Cadence-Step"]) and " " not in str(parsed["X-Cadence-Step"])


@pytest.mark.parametrize(("value", "first_rule"), [
    (-5, "-5"), (float("nan"), "nan"), (float("inf"), "inf"), ("2,5", "25"), ("12,50", "1250"), ("1.234,56", "1.23456"),
])
def test_lead_files_read_numbers_strictly_and_running_leads_keep_the_first_rule(value: Any, first_rule: Any) -> None:
    with pytest.raises(LeadError) as err:
        parse_lead({**GOOD, "deal_size": value}, strict_numbers=True)
    assert err.value.problems == [f"deal_size: {str(value)!r} is not a number"]
    # The rule a running lead's updates were applied with, kept so that its history replays to the same values.
    assert str(parse_lead({**GOOD, "deal_size": value}).fields["deal_size"]) == first_rule
    assert parse_lead({**GOOD, "deal_size": "1,250,000.50"}, strict_numbers=True).fields["deal_size"] == 1250000.5
