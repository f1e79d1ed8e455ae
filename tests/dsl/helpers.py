"""Shared helpers of the language tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence.cli.main import main

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
GOOD = FIXTURES / "good"
BAD = FIXTURES / "bad"
TEMPLATES = FIXTURES / "templates"
ROOT = HERE.parents[1]


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``cadence ARGS`` in-process; return (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
