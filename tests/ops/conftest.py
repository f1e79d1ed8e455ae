"""Fixtures for the ops tests: a clean environment, a scratch working directory, free ports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No CADENCE_* variables from the developer's shell, and no ./cadence.toml: cwd is a fresh directory."""
    for name in list(os.environ):
        if name.startswith("CADENCE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path
