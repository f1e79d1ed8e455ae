"""``cadence preview -o DIR``: an .eml per email (the message a worker would send), .html letters, briefs, scripts."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

from cadence.channels.ids import message_id_for
from cadence.vocabulary import workflow_id_for
from tests.preview.conftest import PageReader, preview

FILES = ["1-welcome.eml", "2-intro-call.md", "3-drop.txt", "4-letter.html", "5-follow-up-a.eml", "6-follow-up-b.eml"]
LEADS = ["PREVIEW-1", "PREVIEW-1-without-optional-fields"]


def body(msg, subtype: str) -> str:
    """A part's text with the wire's CRLF line ends as LF."""
    return msg.get_body((subtype,)).get_content().replace("\r\n", "\n")


def listing(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_files(work: Path, capsys):
    code, _out, err = preview(capsys, "cadences/showcase.yaml", "-o", "out")
    assert code == 0
    assert err == "wrote out (13 files)\n"
    assert listing(work / "out") == sorted([".cadence-preview", "index.html"]
                                           + [f"{lead}/showcase/{name}" for lead in LEADS for name in FILES])
    assert PageReader((work / "out" / "index.html").read_text(encoding="utf-8")).sections[0] == "showcase-welcome"
    assert (work / "out" / "PREVIEW-1/showcase/2-intro-call.md").read_text(encoding="utf-8").startswith(
        "# Intro call: Northwind Logistics\nContact: Maria; touches so far: 1")
    letter = (work / "out" / "PREVIEW-1/showcase/4-letter.html").read_text(encoding="utf-8")
    assert letter.startswith("<!DOCTYPE html>") and "@page { size: letter;" in letter and "Dear Maria," in letter


def test_eml_files_parse_with_the_email_package(work: Path, capsys):
    assert preview(capsys, "cadences/showcase.yaml", "-o", "out")[0] == 0
    raw = (work / "out" / "PREVIEW-1/showcase/1-welcome.eml").read_bytes()
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == "Welcome, Maria"
    assert msg["From"] == "Dana Whitfield <dana@example.com>"
    assert msg["To"] == "Maria Gonzalez <maria.gonzalez@northwind.example>"
    assert msg["Reply-To"] == "sales@example.com"
    assert msg["Date"] == "Mon, 01 Mar 2027 15:23:25 +0000"  # 09:23:25 in Chicago (the lead's zone), its own second of the window
    assert msg["Message-ID"] == message_id_for(workflow_id_for("PREVIEW-1"), "welcome", 0, "cadence.local")
    assert msg["List-Unsubscribe"].startswith("<http://localhost:8080/unsubscribe?lead=PREVIEW-1&token=")
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (msg["X-Cadence-Lead"], msg["X-Cadence-Step"]) == ("PREVIEW-1", "welcome")
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert body(msg, "plain").startswith("Hi Maria,\n\nThanks for your interest from Northwind")
    assert body(msg, "html").startswith("<p>Hi Maria,</p>")

    sparse_file = work / "out" / "PREVIEW-1-without-optional-fields/showcase/1-welcome.eml"
    sparse = message_from_bytes(sparse_file.read_bytes(), policy=policy.default)
    assert (sparse["Subject"], sparse["To"]) == ("Welcome", "maria.gonzalez@northwind.example")
    assert sparse["Date"] == "Mon, 01 Mar 2027 14:00:00 +0000"  # 09:00 in New York: no time zone of its own
    assert body(sparse, "plain").startswith("Hi there,\n")
    variant = message_from_bytes((work / "out" / "PREVIEW-1/showcase/6-follow-up-b.eml").read_bytes(),
                                 policy=policy.default)
    assert (variant["Subject"], variant["X-Cadence-Variant"]) == ("Northwind Logistics: one question", "b")


def test_a_preview_replaces_an_earlier_one_the_same_bytes(work: Path, capsys):
    assert preview(capsys, "cadences/showcase.yaml", "-o", "out")[0] == 0
    first = {name: (work / "out" / name).read_bytes() for name in listing(work / "out")}
    (work / "out" / "stale.txt").write_text("from an older cadence", encoding="utf-8")
    assert preview(capsys, "cadences/showcase.yaml", "-o", "out")[0] == 0
    assert {name: (work / "out" / name).read_bytes() for name in listing(work / "out")} == first
    assert sorted(p.name for p in work.iterdir()) == ["cadences", "out", "templates"]


def test_an_empty_directory_is_used(work: Path, capsys):
    (work / "empty").mkdir()
    assert preview(capsys, "cadences/showcase.yaml", "-o", "empty", "--no-sparse")[0] == 0
    assert listing(work / "empty") == sorted([".cadence-preview", "index.html"]
                                             + [f"PREVIEW-1/showcase/{name}" for name in FILES])
