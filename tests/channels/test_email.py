"""Email over a real SMTP server: headers, alternatives, injection, bounces, retries."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from temporalio.exceptions import ApplicationError

from cadence.channels.activities import ChannelActivities
from cadence.channels.email import verify_unsubscribe_token
from cadence.channels.htmltext import html_to_text
from cadence.channels.ids import message_id_for, workflow_of_message_id
from cadence.channels.signing import lead_of_token
from cadence.channels.requests import EmailRequest, EmailResult, Rendered
from cadence.channels.settings import ChannelSettings
from tests.conftest import free_port

from .conftest import LEAD, run

BODY = Rendered(
    "emails/case-study.html.j2",
    "<html><head><style>p {color: red}</style></head><body>"
    "<p>Hi {{ lead.first_name }},</p>"
    "<p>Teams like {{ lead.company }} cut costs &amp; time. "
    '<a href="https://example.com/case?id=7">Read the case study</a>.</p>'
    '<ul><li>Faster</li><li>Cheaper</li></ul>'
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a> · sent by {{ sender }}</p></body></html>',
)


def request(lead: dict[str, Any] | None = None, **kw: Any) -> EmailRequest:
    lead = dict(LEAD if lead is None else lead)
    fields: dict[str, Any] = dict(
        workflow_id=f"lead-{lead.get('id')}", lead=lead, step_id="case-study", iteration=0, body=BODY,
        subject="What {{ lead.company }}'s peers changed", context={"lead": lead},
        message_id=message_id_for(f"lead-{lead.get('id')}", "case-study", 0),
        sender="Dana Rep <dana@example.com>", reply_to="sales@example.com",
    )
    fields.update(kw)
    return EmailRequest(**fields)


async def test_email_arrives_with_headers_and_alternatives(acts: ChannelActivities, smtp: Any) -> None:
    handler, _ = smtp
    req = request()
    result = await run(acts.send_email, req)
    assert isinstance(result, EmailResult)
    assert result.accepted and not result.bounced
    assert result.message_id == req.message_id
    assert result.subject == "What Globex's peers changed"

    [envelope] = handler.envelopes
    assert envelope.mail_from == "dana@example.com"
    assert envelope.rcpt_tos == ["jane@example.com"]
    [msg] = handler.messages()
    assert msg["Message-ID"] == req.message_id
    assert msg["Subject"] == "What Globex's peers changed"
    assert msg["From"] == "Dana Rep <dana@example.com>"
    assert msg["To"] == "Jane Doe <jane@example.com>"
    assert msg["Reply-To"] == "sales@example.com"
    assert msg["X-Cadence-Lead"] == "L-1"
    assert lead_of_token(str(msg["X-Cadence-Token"]), acts.settings.unsubscribe_secret) == "L-1"
    assert msg["X-Cadence-Step"] == "case-study"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsub = str(msg["List-Unsubscribe"])
    assert unsub.startswith("<http://localhost:8080/unsubscribe?lead=L-1&token=") and unsub.endswith(">")
    assert verify_unsubscribe_token("L-1", unsub[:-1].rsplit("token=", 1)[1], "s3cret")
    assert not verify_unsubscribe_token("L-2", unsub[:-1].rsplit("token=", 1)[1], "s3cret")
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = msg.get_body(("html",)).get_content()
    assert "Hi Jane," in text
    assert "Read the case study (https://example.com/case?id=7)" in text
    assert "- Faster\n- Cheaper" in text
    assert "color: red" not in text
    assert "unsubscribe?lead=L-1&token=" in text
    assert "Globex cut costs &amp; time" in html
    assert "sent by Dana Rep &lt;dana@example.com&gt;" in html


async def test_header_injection_through_lead_fields_and_subject(acts: ChannelActivities, smtp: Any) -> None:
    handler, _ = smtp
    lead = {**LEAD, "first_name": "Bob\r\nBcc: evil@x.com", "last_name": "Smith\nX-Evil: 1",
            "company": "Globex\r\nBcc: evil2@x.com"}
    req = request(lead, subject="Hello\r\nBcc: evil3@x.com\r\n {{ lead.company }}", sender=None, reply_to=None)
    result = await run(acts.send_email, req)
    assert result.accepted
    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["jane@example.com"]
    raw = envelope.original_content or envelope.content
    header_block = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in header_block and b"\nBcc:" not in header_block
    assert b"\nX-Evil" not in header_block
    [msg] = handler.messages()
    assert msg["Bcc"] is None and msg["X-Evil"] is None
    assert msg["To"].addresses[0].addr_spec == "jane@example.com"
    assert msg["To"].addresses[0].display_name == "Bob Bcc: evil@x.com Smith X-Evil: 1"
    assert msg["Subject"] == "Hello Bcc: evil3@x.com Globex Bcc: evil2@x.com"
    assert msg["From"] == "Cadence <cadence@example.com>"
    assert set(msg.keys()) == {
        "Subject", "From", "To", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post",
        "X-Cadence-Lead", "X-Cadence-Token", "X-Cadence-Step", "MIME-Version", "Content-Type",
    }


async def test_550_recipient_is_a_bounce_not_an_error(acts: ChannelActivities, smtp: Any) -> None:
    handler, _ = smtp
    result = await run(acts.send_email, request({**LEAD, "email": "bounce@example.com"}))
    assert not result.accepted and result.bounced
    assert "550" in result.detail and "user unknown" in result.detail
    assert handler.envelopes == []


async def test_451_recipient_raises_for_a_retry(acts: ChannelActivities, smtp: Any) -> None:
    with pytest.raises(ApplicationError) as err:
        await run(acts.send_email, request({**LEAD, "email": "later@example.com"}))
    assert not err.value.non_retryable
    assert "451" in str(err.value)


async def test_connection_refused_raises_for_a_retry(outbox: Any) -> None:
    acts = ChannelActivities(ChannelSettings(smtp_port=free_port(), smtp_timeout=2, outbox_dir=outbox))
    with pytest.raises(ApplicationError) as err:
        await run(acts.send_email, request())
    assert not err.value.non_retryable
    assert err.value.type == "SmtpUnavailable"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"body": Rendered("emails/x.html.j2", "<p>{{ lead.nickname }}</p>")}, "nickname"),
        ({"body": Rendered("emails/x.html.j2", "<p>{% if %}</p>")}, "emails/x.html.j2:1"),
        ({"subject": "Hi {{ lead.company "}, "subject"),
        ({"body": Rendered("emails/x.html.j2", "{{ ''.__class__.__mro__ }}")}, "emails/x.html.j2"),
    ],
)
async def test_template_errors_are_not_retried(acts: ChannelActivities, smtp: Any, change: dict[str, Any],
                                               needle: str) -> None:
    with pytest.raises(ApplicationError) as err:
        await run(acts.send_email, request(**change))
    assert err.value.type == "TemplateError"
    assert err.value.non_retryable
    assert needle in str(err.value)
    assert smtp[0].envelopes == []


async def test_retry_after_acceptance_does_not_send_twice(acts: ChannelActivities, smtp: Any) -> None:
    handler, _ = smtp
    req = request()
    first = await run(acts.send_email, req, attempt=1)
    again = await run(acts.send_email, req, attempt=2)
    assert first.accepted and again.accepted
    assert "earlier attempt" in again.detail
    assert len(handler.envelopes) == 1
    other_run = await run(acts.send_email, req, attempt=2, run_id="run-2")
    assert other_run.accepted and len(handler.envelopes) == 2


async def test_unusable_lead_address_is_reported_as_bounce(acts: ChannelActivities, smtp: Any) -> None:
    result = await run(acts.send_email, request({**LEAD, "email": "jane@example.com\r\nBcc: evil@x.com"}))
    assert result.bounced and not result.accepted
    assert "invalid recipient" in result.detail
    assert smtp[0].envelopes == []


async def test_bad_sender_is_not_retried(acts: ChannelActivities, smtp: Any) -> None:
    with pytest.raises(ApplicationError) as err:
        await run(acts.send_email, request(sender="not an address"))
    assert err.value.type == "InvalidSender" and err.value.non_retryable


def test_message_id_is_deterministic() -> None:
    a = message_id_for("lead-L-1", "case-study", 0)
    assert a == message_id_for("lead-L-1", "case-study", 0)
    assert a != message_id_for("lead-L-1", "case-study", 1)
    assert a != message_id_for("lead-L-2", "case-study", 0)
    assert a.startswith("<") and a.endswith(".case-study.0@cadence.local>")
    assert message_id_for("lead-L-1", "case-study", 0, "mail.example.com").endswith("@mail.example.com>")
    assert workflow_of_message_id(a) == "lead-L-1"
    assert workflow_of_message_id(message_id_for("lead-Zoë Ü/1", "s", 3)) == "lead-Zoë Ü/1"
    for other in ("<CAF=abc123@mail.gmail.com>", "<a.b.c.d@x>", "<1@x.0123456789abcdef.y.0>", "", "<>"):
        assert workflow_of_message_id(other) is None, other


def test_html_to_text_keeps_structure_and_links() -> None:
    text = html_to_text(
        "<h1>Title</h1><p>One &amp; two<br>three</p><ol><li>a</li><li>b</li></ol>"
        '<p><a href="https://x.example/p">https://x.example/p</a> and <a href="mailto:a@b.c">mail us</a></p>'
        "<script>alert(1)</script>"
    )
    assert text == "Title\n\nOne & two\nthree\n\n1. a\n2. b\n\nhttps://x.example/p and mail us (a@b.c)\n"


def test_request_dataclass_unchanged() -> None:
    names = [f.name for f in dataclasses.fields(EmailRequest)]
    assert names[:8] == ["workflow_id", "lead", "step_id", "iteration", "body", "subject", "context", "message_id"]
