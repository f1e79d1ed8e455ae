"""``cadence report`` options, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
import pytest

from cadence.cli.main import COMMANDS, main
from cadence.cli.report import parse_when

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_when_is_a_date_a_datetime_now_or_an_age():
    assert parse_when("now", NOW) == NOW
    assert parse_when("30d", NOW) == NOW - timedelta(days=30)
    assert parse_when("12h", NOW) == NOW - timedelta(hours=12)
    assert parse_when("2w", NOW) == NOW - timedelta(weeks=2)
    assert parse_when("2026-11-01", NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    assert parse_when("2026-11-01T08:00:00-05:00", NOW) == datetime(2026, 11, 1, 13, tzinfo=UTC)
    with pytest.raises(click.BadParameter, match="expected a date"):
        parse_when("last month", NOW)


def test_the_command_is_registered_and_refuses_bad_options_before_connecting(capsys):
    assert COMMANDS["report"] == "cadence.cli.report:report"
    assert main(["report", "--cost", "call"]) == 2
    assert "expected CHANNEL=AMOUNT" in capsys.readouterr().err
    assert main(["report", "--since", "2026-11-02", "--until", "2026-11-01"]) == 2
    assert "is not before --until" in capsys.readouterr().err
    assert main(["report", "--help"]) == 0
    assert "--cost CHANNEL=AMOUNT" in capsys.readouterr().out
