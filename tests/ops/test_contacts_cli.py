"""``cadence contacts`` without sender matching, or with bad input: one line, exit 1 or 2, nothing contacted.

The commands at work on a running stack: tests/e2e/test_gateway_e2e.py.
"""

from __future__ import annotations

import pytest

from cadence.cli.main import main
from tests.conftest import free_port

OFF = ("error: sender matching is off: set CADENCE_INBOUND_MATCH_SENDER=true (with the gateway's unsubscribe "
       "secret) to use contact keys\n")


@pytest.mark.parametrize("args", [["find", "pat@buyer.example"], ["backfill"], ["backfill", "--dry-run"]])
def test_with_sender_matching_off_it_says_so_before_connecting(args: list[str], capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # nothing listens there
    assert main(["contacts", *args]) == 1
    assert capsys.readouterr() == ("", OFF)


@pytest.mark.parametrize("address", ["pat at buyer", "pat@buyer"])  # enrollment's rule: no lead could have it
def test_find_refuses_what_is_not_an_address(address: str, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_INBOUND_MATCH_SENDER", "true")
    assert main(["contacts", "find", address]) == 2
    assert capsys.readouterr().err.endswith(f"Error: Invalid value for ADDRESS: '{address}' is not an email address\n")


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["contacts", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: cadence contacts" in out and "cadence contacts backfill --dry-run" in out
