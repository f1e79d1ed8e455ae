"""docs/authoring.md stays true: its finished files validate and preview as the guide shows."""

from __future__ import annotations

import re
from pathlib import Path

from cadence.dsl.compiler import compile_file
from tests.dsl.helpers import run_cli
from tests.preview.conftest import ROOT

DOC = ROOT / "docs" / "authoring.md"
_BLOCK = re.compile(r"^```\w* file=(\S+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def finished_files() -> dict[str, str]:
    """Each ```lang file=PATH block of the guide; a later block of the same file replaces an earlier one."""
    return {path: text for path, text in _BLOCK.findall(DOC.read_text(encoding="utf-8"))}


def test_the_finished_cadence_validates_and_previews(here: Path, capsys):
    files = finished_files()
    assert sorted(files) == ["cadences/webinar-follow-up.yaml", "leads.csv", "templates/calls/webinar-call.md.j2",
                             "templates/emails/webinar-case-study.html.j2", "templates/emails/webinar-last.html.j2",
                             "templates/emails/webinar-thanks.html.j2", "templates/voicemails/webinar.txt.j2"]
    for path, text in files.items():
        (here / path).parent.mkdir(parents=True, exist_ok=True)
        (here / path).write_text(text, encoding="utf-8")
    doc = DOC.read_text(encoding="utf-8")

    assert run_cli(capsys, "validate", "cadences/") == (0, "", "ok: 1 file valid\n")
    version = compile_file("cadences/webinar-follow-up.yaml").short_version
    assert f"webinar-follow-up ({version}): 200 leads from Mon 1 Mar 2027 09:00" in doc  # the simulated version

    code, out, _err = run_cli(capsys, "preview", "cadences/webinar-follow-up.yaml")
    assert code == 0
    first, second = out.splitlines()
    assert first == (f"webinar-follow-up ({version}): 6 templates for 2 sample leads, enrolled Mon 1 Mar 09:00 "
                     "America/New_York")
    assert second in doc
    code, out, _err = run_cli(capsys, "preview", "cadences/webinar-follow-up.yaml", "--lead", "leads.csv",
                              "-o", "leads-preview.html")
    assert code == 0 and out.splitlines()[1] in doc
