"""The SMTP sink: each message a .eml file plus an index line."""

from __future__ import annotations

import errno
import json
import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from cadence.sink import SinkEntry, SmtpSink
from tests.conftest import free_port


def message(subject: str, message_id: str | None = "<hello.1@cadence.local>") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Dana <dana@seller.example>"
    msg["To"] = "Ada <ada@buyer.example>"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content("Hello Ada")
    return msg


def test_messages_become_files_and_index_lines(tmp_path: Path) -> None:
    seen: list[SinkEntry] = []
    with SmtpSink(tmp_path / "mail", port=0, on_message=seen.append) as sink:
        with smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
            smtp.login("anyone", "anything")  # any login is accepted
            smtp.send_message(message("Héllo Ada"), to_addrs=["ada@buyer.example", "bcc@seller.example"])
            smtp.send_message(message("Héllo Ada"))  # a retried send: same Message-ID
            smtp.send_message(message("No id", message_id=None))
        assert sink.received == 3
    lines = [json.loads(line) for line in (tmp_path / "mail" / "index.jsonl").read_text().splitlines()]
    assert [entry.to_json() for entry in seen] == lines
    first = lines[0]
    assert set(first) == {"at", "from", "to", "subject", "message_id", "file", "duplicate"}
    assert (first["from"], first["to"], first["subject"], first["message_id"], first["duplicate"]) == (
        "dana@seller.example", ["ada@buyer.example", "bcc@seller.example"], "Héllo Ada", "<hello.1@cadence.local>",
        False)
    assert [line["duplicate"] for line in lines] == [False, True, False]
    assert first["file"].endswith(".eml") and first["file"][:8].isdigit()
    assert first["file"].split("-")[-1] == lines[1]["file"].split("-")[-1]  # named by the Message-ID's hash
    stored = message_from_bytes((tmp_path / "mail" / first["file"]).read_bytes(), policy=policy.default)
    assert stored["Subject"] == "Héllo Ada" and stored.get_content().strip() == "Hello Ada"
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == sorted([*(line["file"] for line in lines),
                                                                            "index.jsonl"])


def test_duplicates_are_recognised_across_restarts(tmp_path: Path) -> None:
    for expected in (False, True):
        with SmtpSink(tmp_path, port=0) as sink, smtplib.SMTP("127.0.0.1", sink.port, timeout=5) as smtp:
            smtp.send_message(message("again"))
        assert json.loads(sink.index.read_text().splitlines()[-1])["duplicate"] is expected


def test_a_busy_port_raises_oserror(tmp_path: Path) -> None:
    port = free_port()
    with SmtpSink(tmp_path, port=port):
        with pytest.raises(OSError) as exc:
            SmtpSink(tmp_path, port=port).start()
    assert exc.value.errno == errno.EADDRINUSE
