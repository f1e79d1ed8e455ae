"""The shipped cadences (cadences/*.yaml): every template, tracks included, renders on the page."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence import ir
from cadence.dsl.compiler import compile_file
from cadence.preview import preview_file, touchpoints
from tests.preview.conftest import SHIPPED, PageReader, preview


@pytest.mark.parametrize("cadence", SHIPPED, ids=lambda p: p.stem)
def test_page_renders_every_template(here: Path, capsys, cadence: Path):
    code, out, err = preview(capsys, str(cadence), "--no-sparse", "-o", "page.html")
    assert code == 0, out
    plan = compile_file(cadence)
    points = touchpoints(plan)
    assert out == (f"{plan.name} ({plan.short_version}): {len(points)} templates for 1 sample lead, enrolled "
                   f"Mon 1 Mar 09:00 {plan.schedule.default_timezone}\n")
    assert err == "wrote page.html\n"
    every = {path for p in (plan, *plan.tracks) for step in p.steps for path in ir.template_paths(step)}
    assert {t.template for t in points} == every
    page = PageReader((here / "page.html").read_text(encoding="utf-8"))
    assert page.sections == [t.key for t in points]
    for point in points:
        cell = page.cell(point.key, "PREVIEW-1")
        assert not cell.skipped, (point.key, cell.skipped)
        if point.channel == "email":
            assert cell.subject.strip() and cell.frames[0].strip() and cell.pre[0].strip(), point.key
        elif point.channel == "letter":
            assert "@page" in cell.frames[0], point.key
        else:
            assert cell.pre[0].strip(), point.key


@pytest.mark.parametrize("cadence", SHIPPED, ids=lambda p: p.stem)
def test_every_template_renders_for_a_lead_without_optional_fields(here: Path, cadence: Path):
    preview_file(cadence)  # raises PreviewFailed, naming each template, when one fails
