"""Hostile and broken input: one documented error or a well-formed verdict, never anything else."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence.gateway.inbound import (
    MAX_BYTES,
    MAX_SUBJECT,
    MAX_TEXT,
    Bounce,
    InboundError,
    OutOfOffice,
    Reply,
    Verdict,
    classify,
)

MAIL = Path(__file__).parent / "mail"
FIXTURES = [p.read_bytes() for p in sorted(MAIL.glob("*.eml"))]
NOW = datetime(2026, 12, 21, 9, 30, tzinfo=timezone.utc)
MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,248}>")
HASH_ID = re.compile(r"sha256:[0-9a-f]{64}")
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,200}")
STATUS = re.compile(r"([245]\.\d{1,3}\.\d{1,3})?")


def assert_well_formed(verdict: Verdict) -> None:
    """What the rest of cadence may rely on in any verdict, whatever came in."""
    assert isinstance(verdict, (Bounce, OutOfOffice, Reply))
    assert MESSAGE_ID.fullmatch(verdict.message_id) or HASH_ID.fullmatch(verdict.message_id)
    assert all(MESSAGE_ID.fullmatch(i) for i in verdict.in_reply_to + verdict.references)
    assert len(verdict.references) <= 100
    assert all(TOKEN.fullmatch(t) for t in verdict.tokens) and len(verdict.tokens) <= 10
    assert verdict.sender is None or _one_word(verdict.sender) and verdict.sender == verdict.sender.lower()
    assert len(verdict.subject) <= MAX_SUBJECT and _clean(verdict.subject, allowed="")
    if isinstance(verdict, Bounce):
        assert len(verdict.recipients) <= 100
        for r in verdict.recipients:
            assert _one_word(r.address) and (r.original is None or _one_word(r.original))
            assert r.severity in ("hard", "soft") and STATUS.fullmatch(r.status)
            assert len(r.diagnostic) <= 1_000 and _clean(r.diagnostic, allowed="") and _clean(r.action, allowed="")
    else:
        assert len(verdict.text) <= MAX_TEXT and _clean(verdict.text, allowed="\n\t")
    if isinstance(verdict, OutOfOffice) and verdict.return_date is not None:
        assert NOW.date() < verdict.return_date <= NOW.date() + timedelta(days=366)


def _one_word(text: str) -> bool:
    return "@" in text and len(text) <= 254 and _clean(text, allowed="") and not any(c.isspace() for c in text)


def _clean(text: str, *, allowed: str) -> bool:
    """No control characters (but ``allowed``), no lone surrogates, encodable as UTF-8."""
    text.encode("utf-8")
    return not any(unicodedata.category(c) in ("Cc", "Cs") and c not in allowed for c in text)


def classify_or_refuse(raw: bytes) -> Verdict | InboundError:
    try:
        verdict = classify(raw, now=NOW)
    except InboundError as error:
        assert error.reason and "\n" not in error.reason
        return error
    assert_well_formed(verdict)
    return verdict


# ---- refused input: one error type, one line saying why ----

@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "message is empty"),
    (b" \r\n\t\n", "message is empty"),
    (b"\x00\x01\x02 garbage without any header\n", "no header fields: not an RFC 5322 message"),
    (b"Just some text.\n\nAnd more.\n", "no header fields: not an RFC 5322 message"),
    (b"From: a@b.example\n" + b"X-Filler: y\n" * 10_001 + b"\nbody", "header section of 10,002 lines, over the "
                                                                       "limit of 10,000"),
    (b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n" + b"--b\n\nx\n" * 5_001,
     "5,001 lines that may be MIME boundaries, over the limit of 5,000"),
    (b"From: a@b.example\nContent-Type: text/plain\n\n" + b"Note: x\n" * 100_001,
     "more than 100,000 lines that may be header fields"),
    (b"From: a@b.example\nContent-Type: message/delivery-status\n\n" + b"Action: failed\n\n" * 10_001,
     "a delivery report with 10,002 empty lines, over the limit of 10,000"),
    (b"From: a@b.example\n" + b"Content-Type: message/rfc822\n\nFrom: a@b.example\n" * 2_000,
     "MIME parts are nested too deeply to parse"),
])
def test_refused(raw: bytes, reason: str) -> None:
    with pytest.raises(InboundError) as error:
        classify(raw, now=NOW)
    assert error.value.reason == reason


def test_the_size_limit() -> None:
    head = b"From: a@b.example\nSubject: big\n\n"
    at_limit = head + b"x" * (MAX_BYTES - len(head))
    assert classify(at_limit, now=NOW).kind == "reply"
    with pytest.raises(InboundError) as error:
        classify(at_limit + b"x", now=NOW)
    assert error.value.reason == "message is 10,485,761 bytes, over the limit of 10,485,760 bytes (10 MiB)"


def test_not_bytes_is_refused() -> None:
    with pytest.raises(InboundError) as error:
        classify("From: a@b.example\n\nhi", now=NOW)  # type: ignore[arg-type]
    assert error.value.reason == "expected the message as bytes, got str"


def test_bytearray_and_memoryview_are_bytes() -> None:
    raw = FIXTURES[0]
    assert classify(bytearray(raw), now=NOW) == classify(memoryview(raw), now=NOW) == classify(raw, now=NOW)


def test_inbound_error_is_a_value_error_with_a_one_line_reason() -> None:
    error = InboundError("two\nlines  here")
    assert isinstance(error, ValueError)
    assert (error.reason, str(error)) == ("two lines here", "two lines here")


# ---- header injection ----

def test_an_encoded_line_break_adds_no_header() -> None:
    raw = (b"From: ann@buyer.example\n"
           b"Subject: =?utf-8?q?Thanks=0D=0AAuto-Submitted:_auto-replied=0D=0APrecedence:_bulk?=\n"
           b"\nSounds good.\n")
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Reply)
    assert verdict.subject == "Thanks Auto-Submitted: auto-replied Precedence: bulk"


def test_a_bare_carriage_return_is_not_a_line_break() -> None:
    raw = b"From: ann@buyer.example\nSubject: Thanks\rAuto-Submitted: auto-replied\r\n\r\nSounds good.\r\n"
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Reply)
    assert verdict.subject == "Thanks Auto-Submitted: auto-replied"


def test_an_injected_token_or_id_is_not_taken() -> None:
    raw = (b"From: =?utf-8?q?x=0D=0AFrom:_boss@corp.example?= <ann@buyer.example>\n"
           b"X-Cadence-Token: =?utf-8?q?jqwtcmbugi-4cadfbae0399bc1e3a30=0D=0AX-Evil:_1?=\n"
           b"X-Cadence-Token: jqwtcmbugi-4cadfbae0399bc1e3a30 X-Evil: 1\n"
           b"Message-ID: <a@b.example>\rX-Evil: 1\n"
           b"In-Reply-To: <id@x.example\n >\n"
           b"\nhi\n")
    verdict = classify(raw, now=NOW)
    assert (verdict.sender, verdict.tokens, verdict.in_reply_to) == ("ann@buyer.example", (), ())
    assert verdict.message_id == "<a@b.example>"


def test_folded_headers_are_unfolded() -> None:
    raw = b"From: ann@buyer.example\nSubject: Re: a long\n\tsubject\n  folded\n\nhi\n"
    assert classify(raw, now=NOW).subject == "Re: a long subject folded"


def test_control_characters_and_bidi_overrides_do_not_reach_the_verdict() -> None:
    raw = ("From: ann@buyer.example\nSubject: =?utf-8?b?" + "aGkbWzMxbSDigK5nbmlyZXZvcg==" + "?=\n"
           "Content-Type: text/plain; charset=utf-8\n\nline\x00one\x1b[31m\u202egnirevor\u2028two\n").encode()
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Reply)
    assert (verdict.subject, verdict.text) == ("hi [31m gnirevor", "lineone[31mgnirevor\ntwo")


# ---- bad encodings and broken structure ----

@pytest.mark.parametrize(("charset", "body", "text"), [
    ("x-no-such-charset", "caf\xc3\xa9", "café"),
    ("rot13", "caf\xc3\xa9", "café"),  # a codec, but not a text encoding
    ("unicode_escape", "\\u000aBcc: x", "\\u000aBcc: x"),  # refused: escapes would become text
    ("utf-8", "caf\xe9 \xff", "caf\ufffd \ufffd"),
    ("utf-7", "+2D0-", "\ufffd"),  # a lone surrogate
    ("iso-8859-1", "caf\xe9", "café"),
    ('"\xff\xfe"', "caf\xc3\xa9", "café"),
])
def test_bad_charsets_fall_back_to_replacement(charset: str, body: str, text: str) -> None:
    raw = (f"From: ann@buyer.example\nContent-Type: text/plain; charset={charset}\n\n{body}\n").encode("latin-1")
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Reply) and verdict.text == text


def test_eight_bit_headers_are_read_as_utf8() -> None:
    raw = "From: Jürgen <j@käufer.example>\nSubject: Grüße \xff\n\nhi\n".encode("utf-8").replace(b"\xc3\xbf", b"\xff")
    verdict = classify(raw, now=NOW)
    assert (verdict.sender, verdict.subject) == ("j@käufer.example", "Grüße \ufffd")


@pytest.mark.parametrize(("encoding", "body", "text"), [
    ("base64", "aGVsbG8gd29ybGQ", "hello world"),  # padding missing
    ("base64", "aGVs!!bG8=\n*", "hello"),
    ("quoted-printable", "caf=C3=A9 =ZZ soft=\nbreak", "café =ZZ softbreak"),
    ("x-uuencode", "begin 644 x\n#:&D*\n`\nend\n", "hi"),
    ("x-uuencode", "begin 644 x\n!!!!!\n", "begin 644 x\n!!!!!"),
    ("7bit\nContent-Transfer-Encoding: base64", "aGk=", "aGk="),  # the first field counts
])
def test_bad_transfer_encodings(encoding: str, body: str, text: str) -> None:
    raw = f"From: ann@buyer.example\nContent-Transfer-Encoding: {encoding}\n\n{body}\n".encode()
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Reply) and verdict.text == text


@pytest.mark.parametrize(("content_type", "body", "text"), [
    ('multipart/alternative; boundary="b"', "--b\nContent-Type: text/plain\n\nno closing boundary\n",
     "no closing boundary"),
    ("multipart/mixed", "--b\nContent-Type: text/plain\n\nno boundary parameter\n", ""),
    ('multipart/mixed; boundary="b"', "preamble only, no parts\n", ""),
    ('multipart/mixed; boundary="b"', "--b\n--b\n--b--\n", ""),
    ('multipart/mixed; boundary="b"', "--b\nContent-Type: multipart/mixed; boundary=\"b\"\n\n--b\n\ninner\n--b--\n",
     "inner"),
    ("message/rfc822", "From: x@y.example\n\ninner message\n", ""),
    ("text/html", "<div>unclosed <b>tags <blockquote type=cite>quoted", "unclosed tags"),
    ("text/html", "<p>a &#xD800; b &#0; c &#x110000; d</p>", "a \ufffd b \ufffd c \ufffd d"),
])
def test_broken_structure(content_type: str, body: str, text: str) -> None:
    raw = f"From: ann@buyer.example\nContent-Type: {content_type}\n\n{body}".encode()
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Reply) and verdict.text == text


@pytest.mark.parametrize(("depth", "text"), [(20, "deep"), (21, ""), (300, "")])
def test_parts_more_than_20_levels_down_are_ignored(depth: int, text: str) -> None:
    raw = b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b0\n\n"
    raw += b"".join(b"--b%d\nContent-Type: multipart/mixed; boundary=b%d\n\n" % (i, i + 1) for i in range(depth - 1))
    raw += b"--b%d\nContent-Type: text/plain\n\ndeep\n" % (depth - 1)
    verdict = classify(raw, now=NOW)
    assert isinstance(verdict, Reply) and verdict.text == text


# ---- mutated fixtures and generated garbage ----

_INSERTS = [b"\r", b"\n", b"\r\n", b"\x00", b"\n\n", b"\n--", b"=?utf-8?b?", b"?=", b"\xff\xfe", b"\n\t", b"<", b">",
            b";", b'charset="utf-7"', b"Content-Type: multipart/mixed; boundary=x\n", b"\n--x\n", b"\xc3", b"=\n",
            b"Content-Transfer-Encoding: base64\n", b"Content-Type: message/rfc822\n\n", b"((((", b"[ref:", b"&#xD800;"]


def mutate(rng: random.Random, data: bytes) -> bytes:
    """Flip, delete, insert, duplicate and truncate bytes: 1 to 8 edits."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not out:
            break
        at = rng.randrange(len(out))
        edit = rng.randrange(5)
        if edit == 0:
            out[at] = rng.randrange(256)
        elif edit == 1:
            del out[at: at + rng.randint(1, 200)]
        elif edit == 2:
            out[at:at] = rng.choice(_INSERTS)
        elif edit == 3:
            start = rng.randrange(len(out))
            out[at:at] = out[start: start + rng.randint(1, 300)]
        else:
            del out[at:]
    return bytes(out)


@pytest.mark.parametrize("chunk", range(8))
def test_mutated_fixtures_never_raise_anything_else(chunk: int) -> None:
    """800 mutations (seeds 0-799) of the fixtures; each classified twice with the same result."""
    for seed in range(chunk * 100, chunk * 100 + 100):
        rng = random.Random(seed)
        raw = mutate(rng, rng.choice(FIXTURES))
        first = classify_or_refuse(raw)
        again = classify_or_refuse(raw)
        assert type(first) is type(again)
        if not isinstance(first, InboundError):
            assert first == again, f"seed {seed}"


_HEADER_LINES = st.sampled_from([
    b"From: ann@buyer.example", b"From: =?utf-8?q?a=0D=0A<evil@x>?= <a@b>", b"From: " + b"(" * 50,
    b"Subject: =?utf-7?q?+2D0-?=", b"Subject: =?x?b?!!!?=", b"Message-ID: <\xff@x>", b"Auto-Submitted: \xff",
    b"In-Reply-To: <a@b> <c@d>", b"References: a@b c@d", b"X-Cadence-Token: aaaaaaaaaaaaaaaa",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=B",
    b"Content-Type: multipart/mixed; boundary=B", b"Content-Type: message/rfc822",
    b"Content-Type: message/delivery-status", b"Content-Type: message/global-delivery-status",
    b"Content-Type: text/rfc822-headers", b"Content-Type: text/html; charset*=''%FF",
    b"Content-Type: text/plain; charset*0*=utf-8''%C3; charset*1*=%A9", b"Content-Type: text/plain; charset=utf-16",
    b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable",
    b"Content-Disposition: attachment; filename*=x''%", b"Final-Recipient: rfc822; \xff@x", b"Action: failed",
    b"Status: 5.1.1", b"Diagnostic-Code: smtp; 550 5.1.1 x", b"--B", b"--B--", b"",
])
_BODY_LINES = st.one_of(_HEADER_LINES, st.sampled_from([
    b"> quoted", b"On Mon wrote:", b"-- ", b"back on 14 January", b"bis 31.02.2027", b"[ref:bbbbbbbbbbbbbbbb]",
    b"<div class=gmail_quote><blockquote type=cite>", b"&#xD800;", b"PGI+aGk8L2I+", b"=E9=", b"+2D0-",
]), st.binary(max_size=40))


@settings(max_examples=300, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(head=st.lists(_HEADER_LINES, max_size=10), body=st.lists(_BODY_LINES, max_size=30))
def test_generated_messages_never_raise_anything_else(head: list[bytes], body: list[bytes]) -> None:
    classify_or_refuse(b"\n".join(head) + b"\n\n" + b"\n".join(body))


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(raw=st.binary(max_size=3_000))
def test_random_bytes_never_raise_anything_else(raw: bytes) -> None:
    classify_or_refuse(raw)


@pytest.mark.parametrize("index", range(len(FIXTURES)))
def test_every_fixture_is_well_formed(index: int) -> None:
    verdict = classify_or_refuse(FIXTURES[index])
    assert not isinstance(verdict, InboundError)
