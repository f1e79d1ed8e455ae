"""Every bad fixture yields exactly the error lines pinned in its ``# expect:`` comments."""

from __future__ import annotations

import pytest

from tests.dsl.helpers import BAD, FIXTURES, run_cli

EXPECT = "# expect: "


def expected(path) -> list[str]:
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    return [line[len(EXPECT):] for line in lines if line.startswith(EXPECT)]


BAD_FILES = sorted(BAD.glob("*.yaml"))


def test_there_are_at_least_30_bad_fixtures() -> None:
    assert sum(1 for f in BAD_FILES if expected(f)) >= 30


@pytest.mark.parametrize("path", BAD_FILES, ids=lambda p: p.stem)
def test_bad_fixture(path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(FIXTURES)
    shown = f"bad/{path.name}"
    code, out, err = run_cli(capsys, "validate", shown)
    want = expected(path)
    got = [line.removeprefix(f"{shown}:") for line in out.splitlines()]
    assert got == want
    assert code == (1 if want else 0)
    assert "Traceback" not in out + err
