"""The real inbound SMTP listener under hostile sessions (issue #15): huge lines, binary junk, a DATA with no end,
thousands of recipients, oversized, malformed and deeply nested MIME, header injection. It never crashes, never
answers ``250`` for a message it did not take (every ``250 2.0.0 taken`` is one message delivered to a lead,
quarantined or ignored, and nothing else is), and serves a good message afterwards.

The gateway runs on its own thread and event loop, as in production; the sessions are raw sockets, since no
well-behaved SMTP client sends any of this."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiosmtplib
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence.gateway.app import Gateway, GatewayOptions
from cadence.gateway.serve import running
from tests.conftest import free_port
from tests.gateway.test_webhooks import SECRET, SENT_TO_L1, Leads

PROCESSED = ("delivered", "quarantined", "ignored")
GOOD = (b"From: robin@prospect.example\r\nTo: nurture@seller.example\r\nSubject: Re: hello\r\n"
        b"Message-ID: <good-1@prospect.example>\r\nIn-Reply-To: " + SENT_TO_L1.encode() + b"\r\n\r\nYes, call me.\r\n")


class Errors(logging.Handler):
    """Every ERROR record the gateway or aiosmtpd logs (an exception inside the listener is one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Listener:
    """The gateway served on a thread of its own, with its counts and the door to leads it gave events to."""

    port: int
    gateway: Gateway
    leads: Leads
    quarantine: Path
    errors: Errors

    def processed(self) -> int:
        return sum(self.gateway.intake.counts[outcome] for outcome in PROCESSED)


@pytest.fixture(scope="module")
def listener(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Listener]:
    quarantine = tmp_path_factory.mktemp("fuzz") / "quarantine"
    leads = Leads()
    options = GatewayOptions(unsubscribe_secret=SECRET, quarantine_dir=quarantine)
    gateway = Gateway(options, leads)  # type: ignore[arg-type]
    port = free_port()
    loop = asyncio.new_event_loop()
    ready, stop = threading.Event(), asyncio.Event()
    failed: list[BaseException] = []

    async def serve() -> None:
        try:
            async with running(gateway, port=0, smtp_port=port):
                ready.set()
                await stop.wait()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            failed.append(exc)
            ready.set()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    errors = Errors()
    for name in ("cadence", "mail.log"):
        logging.getLogger(name).addHandler(errors)
    thread.start()
    ready.wait(10)
    assert not failed, failed
    try:
        yield Listener(port, gateway, leads, quarantine, errors)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(15)
        loop.close()
        for name in ("cadence", "mail.log"):
            logging.getLogger(name).removeHandler(errors)


def session(port: int, chunks: list[bytes], *, quit_: bool = True) -> list[bytes]:
    """Send ``chunks`` as they are (no framing, no dot-stuffing) on one connection, then QUIT (unless told not
    to) and close our side; the server's reply lines until it closes. Replies are read while sending, so a
    server that answers every line never waits on us."""
    replies = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        def read() -> None:
            try:
                while chunk := sock.recv(65536):
                    replies.extend(chunk)
            except OSError:
                pass

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            for chunk in chunks:
                sock.sendall(chunk)
            if quit_:
                sock.sendall(b"QUIT\r\n")
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server hung up on us: what it answered before is what counts
        reader.join(20)
        assert not reader.is_alive(), "the listener neither answered nor closed within 20 s"
    return bytes(replies).split(b"\r\n")


def check(listener: Listener, chunks: list[bytes], *, quit_: bool = True) -> list[bytes]:
    """Run one hostile session and hold the listener to its promises; the reply lines."""
    before = listener.processed()
    refused = listener.gateway.intake.counts["refused"]
    replies = session(listener.port, chunks, quit_=quit_)
    assert replies[0].startswith(b"220 "), replies[:3]
    taken = sum(line.startswith(b"250 2.0.0 taken") for line in replies)
    assert listener.processed() - before == taken, "a 250 for a message not taken, or a message taken without one"
    assert listener.gateway.intake.counts["refused"] == refused and not any(line.startswith(b"451") for line in replies)
    assert not [line for line in replies if re.match(rb"500 Error: \(", line)], "an exception inside the listener"
    assert not listener.errors.records, [r.getMessage() for r in listener.errors.records]
    return replies


def transaction(message: bytes, recipients: int = 1) -> list[bytes]:
    rcpts = b"".join(b"RCPT TO:<n%d@seller.example>\r\n" % i for i in range(recipients))
    return [b"EHLO fuzz.example\r\n", b"MAIL FROM:<x@elsewhere.example>\r\n", rcpts, b"DATA\r\n",
            message, b"\r\n.\r\n"]


def good_message_still_served(listener: Listener) -> None:
    before = len(listener.leads.calls)
    _errors, answer = asyncio.run(aiosmtplib.send(GOOD, sender="robin@prospect.example",
                                                  recipients=["nurture@seller.example"], hostname="127.0.0.1",
                                                  port=listener.port, timeout=20))
    assert answer == "2.0.0 taken"
    assert listener.leads.calls[before:] == [("send", "L-1", "reply", {
        "event_id": "<good-1@prospect.example>", "detail": "Yes, call me."}, "smtp")]


def nested(depth: int) -> bytes:
    head = b"".join(b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(depth))
    return b"From: a@b.example\r\nMIME-Version: 1.0\r\n" + head + b"Content-Type: text/plain\r\n\r\nhi\r\n"


HOSTILE: dict[str, tuple[list[bytes], int]] = {
    # name: (chunks, how many messages the listener must take)
    "a 200 KB command line": ([b"EHLO " + b"x" * 200_000 + b"\r\n"], 0),
    "binary junk as commands": ([b"\x00\xff\xfe\r\n", b"\x16\x03\x01\x02\x00\x01\x00\r\n", b"MAIL\r\nRCPT\r\n"], 0),
    "DATA before anything": ([b"DATA\r\n", b"hello\r\n.\r\n"], 0),
    "a DATA that never ends, then hang-up": (transaction(GOOD)[:-1], 0),
    "a 2000-character line inside DATA": (transaction(b"Subject: x\r\n\r\n" + b"y" * 2000), 0),
    "5000 recipients": (transaction(GOOD, recipients=5000), 1),
    "multipart nested 3000 deep": (transaction(nested(3000)), 1),
    "a broken multipart, bad base64, bad charsets": (transaction(
        b"From: =?utf-8?B?!!!?= <a@b.example>\r\nContent-Type: multipart/report; report-type=delivery-status; "
        b"boundary=\"B\"\r\nContent-Transfer-Encoding: base64\r\n\r\n--B\r\nContent-Type: text/plain; "
        b"charset*=''%FF\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64===\r\n--B\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nStatus: 9.9.9\r\nFinal-Recipient: rfc822; \xff@x\r\n"), 1),
    "header injection and bare LF/CR": (transaction(
        b"Subject: hi\r\nBcc: victim@x.example\r\nX-Cadence-Token: " + b"a" * 500 + b"\nIn-Reply-To: <\r>\r\n"
        b"\r\nbody\rwith\x00NUL\n.\n"), 1),
    "not a message at all": (transaction(b"\x00\x01\x02 not mail"), 1),
    "two messages, the second with a dot-stuffed line": (
        transaction(GOOD) + transaction(b"Subject: a\r\n\r\n..\r\n"), 2),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_session_is_answered_and_the_next_good_message_taken(listener: Listener, name: str) -> None:
    chunks, takes = HOSTILE[name]
    replies = check(listener, chunks, quit_=name != "a DATA that never ends, then hang-up")
    assert sum(line.startswith(b"250 2.0.0 taken") for line in replies) == takes
    good_message_still_served(listener)


def test_an_oversized_message_is_refused_before_it_is_read(listener: Listener) -> None:
    replies = check(listener, transaction(b"Subject: big\r\n\r\n" + (b"z" * 998 + b"\r\n") * 11_000))
    assert any(line.startswith(b"552 ") for line in replies)
    good_message_still_served(listener)


_LINES = st.one_of(st.sampled_from([
    b"From: a@b.example", b"Subject: =?utf-8?q?=FF?=", b"MIME-Version: 1.0",
    b"Content-Type: multipart/mixed; boundary=B",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=B", b"Content-Type: message/rfc822",
    b"Content-Transfer-Encoding: base64", b"Auto-Submitted: auto-replied", b"In-Reply-To: " + SENT_TO_L1.encode(),
    b"References: <a@b> " + SENT_TO_L1.encode(), b"X-Cadence-Token: zzz-00", b"Status: 5.1.1", b"Action: failed",
    b"Final-Recipient: rfc822; bea@buyer.example", b"--B", b"--B--", b"", b".", b"..", b"\x00", b"DATA", b"QUIT",
    b"RSET", b"x" * 1200,
]), st.binary(max_size=60))
_COMMANDS = st.one_of(st.sampled_from([
    b"EHLO a", b"HELO a", b"MAIL FROM:<a@b.example>", b"MAIL FROM:<>", b"RCPT TO:<n@seller.example>", b"RSET",
    b"NOOP", b"VRFY x", b"STARTTLS", b"AUTH PLAIN AAAA", b"BDAT 10", b"HELP", b"MAIL FROM:<a@b.example> SIZE=99999999",
]), st.binary(max_size=80))


@settings(max_examples=40, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(before=st.lists(_COMMANDS, max_size=6), lines=st.lists(_LINES, max_size=40),
       recipients=st.integers(0, 30), terminated=st.booleans())
def test_generated_sessions_keep_every_promise(listener: Listener, before: list[bytes], lines: list[bytes],
                                               recipients: int, terminated: bool) -> None:
    chunks: list[Any] = [command + b"\r\n" for command in before]
    transaction_chunks = transaction(b"\r\n".join(lines), recipients=recipients)
    chunks += transaction_chunks if terminated else transaction_chunks[:-1]
    check(listener, chunks, quit_=terminated)


def test_still_serving_after_the_fuzz(listener: Listener) -> None:
    good_message_still_served(listener)
