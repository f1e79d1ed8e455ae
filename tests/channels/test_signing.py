"""Signed tokens: what comes back names its lead only when this deployment signed it."""

from __future__ import annotations

from cadence.channels.signing import lead_of_token, lead_token, signature


def test_a_lead_token_round_trips_and_refuses_forgeries():
    token = lead_token("L-1001", "s3cret")
    assert token.startswith("jqwtcmbqge-") and len(token.rpartition("-")[2]) == 20
    assert lead_of_token(token, "s3cret") == "L-1001"
    assert lead_of_token(token, "other-secret") is None  # another deployment's token
    assert lead_of_token(lead_token("L-1002", "s3cret").rpartition("-")[0] + "-" + token.rpartition("-")[2],
                         "s3cret") is None  # another lead's id under this lead's signature
    for damaged in ("", "-", "no-dash-here!", token[:-1], "zz" + token, "x" * 500):
        assert lead_of_token(damaged, "s3cret") is None
    assert lead_of_token(lead_token("Zoë Ü/1", None), None) == "Zoë Ü/1"


def test_purposes_do_not_share_signatures():
    assert signature("lead", "L-1", "k") != signature("unsubscribe", "L-1", "k")
