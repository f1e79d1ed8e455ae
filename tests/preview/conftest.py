"""Shared helpers of the preview tests: a working copy of the fixtures, the CLI, and a reader of the page."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.dsl.helpers import run_cli

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FIXTURES = HERE / "fixtures"
SHIPPED = sorted((ROOT / "cadences").glob("*.yaml"))


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory with no cadence settings from the environment or a config file
    (the defaults: sender ``Cadence <cadence@localhost>``, links to ``http://localhost:8080/unsubscribe``)."""
    for name in [n for n in os.environ if n.startswith("CADENCE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def work(here: Path) -> Path:
    """:func:`here`, holding the fixtures' ``cadences/`` and ``templates/``."""
    shutil.copytree(FIXTURES / "cadences", here / "cadences")
    shutil.copytree(FIXTURES / "templates", here / "templates")
    return here


def preview(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``cadence preview ARGS`` in-process: (exit code, stdout, stderr)."""
    return run_cli(capsys, "preview", *args)


@dataclass
class Cell:
    """One lead's column of one template's section."""

    touch: str
    lead: str
    classes: set[str]
    subject: str = ""
    frames: list[str] = field(default_factory=list)
    """``srcdoc`` of each iframe, as the browser gets it (unescaped)."""
    pre: list[str] = field(default_factory=list)
    skipped: str = ""
    marker: str = ""


class PageReader(HTMLParser):
    """The cells, tags and CSP of a preview page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: list[Cell] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sections: list[str] = []
        self._touch = ""
        self._capture: str | None = None
        self._text: list[str] = []
        self.feed(page)
        self.close()

    def cell(self, touch: str, lead: str) -> Cell:
        return next(c for c in self.cells if c.touch == touch and c.lead == lead)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        classes = set((a.get("class") or "").split())
        if tag == "section" and a.get("data-touch"):
            self._touch = str(a["data-touch"])
            self.sections.append(self._touch)
        elif tag == "article" and a.get("data-lead"):
            self.cells.append(Cell(self._touch, str(a["data-lead"]), classes))
        elif tag == "iframe" and self.cells:
            self.cells[-1].frames.append(str(a.get("srcdoc")))
        elif self.cells and ((tag == "dd" and "subject" in classes) or tag == "pre"
                             or (tag == "p" and classes & {"skipped", "marker"})):
            marked = classes & {"skipped", "marker"}
            self._capture = "subject" if tag == "dd" else "pre" if tag == "pre" else marked.pop()
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._capture:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._capture and tag in ("dd", "pre", "p"):
            text, cell = "".join(self._text), self.cells[-1]
            if self._capture == "pre":
                cell.pre.append(text)
            else:
                setattr(cell, self._capture, text)
            self._capture = None
