"""Who a command acts as (cadence.cli.operator): one rule for pause, disqualify, suppress, migrate, backfill."""

from __future__ import annotations

import getpass

import pytest

from cadence.cli.operator import operator


def test_by_wins_else_the_login_else_a_plain_operator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "dana")
    assert operator("mia") == "mia"
    assert operator("") == operator(None) == "operator:dana"

    def no_login() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(getpass, "getuser", no_login)
    assert operator() == "operator"
