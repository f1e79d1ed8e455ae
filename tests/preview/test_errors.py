"""Failures: located as ``cadence validate`` locates errors, exit code 1, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence.dsl.errors import CadenceError
from cadence.preview import PreviewFailed, preview_file
from tests.preview.conftest import preview

SPARSE = "PREVIEW-1 without optional fields"
BROKEN = [
    "cadences/broken.yaml:7:23: error: steps[0].email.template: template 'emails/broken.html.j2' line 3: "
    f"'dict object' has no attribute 'first_name' (sample lead {SPARSE}) (hint: not every lead has first_name: "
    "write {{ lead.first_name | default('...') }} or test {% if lead.first_name is defined %})",
    "cadences/broken.yaml:10:53: error: steps[1].email.subject: 'dict object' has no attribute 'region' "
    f"(sample lead {SPARSE}) (hint: not every lead has region: write {{{{ lead.region | default('...') }}}} "
    "or test {% if lead.region is defined %})",
    "cadences/broken.yaml:13:19: error: steps[2].call.brief: template 'calls/budget.md.j2' line 2: "
    f"'dict object' has no attribute 'budget' (sample leads Maria Gonzalez (PREVIEW-1) and {SPARSE})",
]


def test_broken_templates_are_located(work: Path, capsys):
    code, out, err = preview(capsys, "cadences/broken.yaml", "-o", "page.html")
    assert code == 1
    assert out.splitlines() == BROKEN
    assert err == "failed: 3 template failures for the sample leads; nothing written\n"
    assert not (work / "page.html").exists()
    assert [p.name for p in work.iterdir()] == [p.name for p in work.iterdir() if not p.name.startswith(".")]


def test_an_earlier_output_is_left_alone(work: Path, capsys):
    (work / "page.html").write_text("an earlier preview\n", encoding="utf-8")
    (work / "out").mkdir()
    (work / "out" / ".cadence-preview").write_text("", encoding="utf-8")
    (work / "out" / "index.html").write_text("an earlier preview\n", encoding="utf-8")
    assert preview(capsys, "cadences/broken.yaml", "-o", "page.html")[0] == 1
    assert preview(capsys, "cadences/broken.yaml", "-o", "out")[0] == 1
    assert (work / "page.html").read_text(encoding="utf-8") == "an earlier preview\n"
    assert sorted(p.name for p in (work / "out").iterdir()) == [".cadence-preview", "index.html"]
    assert sorted(p.name for p in work.iterdir()) == ["cadences", "out", "page.html", "templates"]


def test_the_library_raises_once_with_every_failure(work: Path):
    with pytest.raises(PreviewFailed) as caught:
        preview_file("cadences/broken.yaml")
    assert [e.render() for e in caught.value.errors] == BROKEN
    first = caught.value.errors[0]
    assert isinstance(first, CadenceError)
    assert (first.file, first.line, first.column, first.path) == (
        "cadences/broken.yaml", 7, 23, "$.steps[0].email.template")
    assert str(caught.value).startswith("3 template failures:\ncadences/broken.yaml:7:23: error: ")


def test_a_failure_in_a_track_points_into_the_tracks_file(work: Path, capsys):
    (work / "cadences" / "main.yaml").write_text(
        "cadence: main\nschedule: {timezone: UTC}\ndisqualify_reasons: [no_response]\nsteps:\n"
        "  - id: hello\n    email: {template: emails/fine.html.j2, subject: Hello}\n    wait: 1 day\n"
        "  - id: later\n    track: broken\n", encoding="utf-8")
    code, out, _err = preview(capsys, "cadences/main.yaml")
    assert code == 1
    assert [line.split(": error: ")[0] for line in out.splitlines()] == [
        "cadences/broken.yaml:7:23", "cadences/broken.yaml:10:53", "cadences/broken.yaml:13:19"]


def test_an_invalid_cadence_is_reported_as_validate_does(work: Path, capsys):
    (work / "cadences" / "typo.yaml").write_text(
        "cadence: typo\nschedule: {timezone: UTC}\ndisqualify_reasons: [no_response]\nsteps:\n"
        "  - id: hello\n    email: {template: emails/welcom.html.j2, subject: Hello}\n"
        "  - id: give-up\n    disqualify: no_response\n", encoding="utf-8")
    code, out, err = preview(capsys, "cadences/typo.yaml")
    assert code == 1
    assert out == ("cadences/typo.yaml:6:23: error: steps[0].email.template: template 'emails/welcom.html.j2' not "
                   "found in templates/; did you mean 'emails/welcome.html.j2'?\n")
    assert err == "failed: 1 error in the cadence; nothing previewed (cadence validate cadences/typo.yaml)\n"


@pytest.mark.parametrize(("args", "message"), [
    (["cadences/missing.yaml"], "error: no cadence file cadences/missing.yaml"),
    (["cadences/showcase.yaml", "--lead", "nobody.csv"], "error: nobody.csv: No such file or directory"),
    (["cadences/showcase.yaml", "--map", "id=Lead"], "error: --map needs a lead file (--lead FILE)"),
    (["cadences/showcase.yaml", "-o", "cadences"],
     "error: cadences is not empty and not an earlier preview; give a new or empty directory"),
    (["cadences/showcase.yaml", "-o", "cadences/showcase.yaml"],
     "error: cadences/showcase.yaml is a file; give a directory, or a file name ending in .html for one page"),
])
def test_refusals_are_one_line(work: Path, capsys, args: list[str], message: str):
    before = (work / "cadences" / "showcase.yaml").read_bytes()
    code, out, err = preview(capsys, *args)
    assert (code, out, err) == (1, "", message + "\n")
    assert (work / "cadences" / "showcase.yaml").read_bytes() == before


def test_without_the_cadence_file_a_failure_is_located_in_the_template(work: Path):
    from cadence.dsl.compiler import compile_file
    from cadence.preview import preview_plan

    with pytest.raises(PreviewFailed) as caught:
        preview_plan(compile_file("cadences/broken.yaml"), sparse=False)
    assert [e.render() for e in caught.value.errors] == [
        "calls/budget.md.j2:2:0: error: 'dict object' has no attribute 'budget' (sample lead Maria Gonzalez (PREVIEW-1))"]
