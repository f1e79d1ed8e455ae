"""``cadence worker --deployment/--build-id``: Worker Versioning needs both, and names it can use."""

from __future__ import annotations

import pytest

from cadence.cli.main import main


def test_a_deployment_without_a_build_id_is_refused_before_connecting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["worker", "--processes", "1", "--deployment", "cadence"]) == 1
    assert capsys.readouterr().err == (
        "error: Worker Versioning needs both a deployment name and a build id (--deployment and --build-id, "
        "or CADENCE_DEPLOYMENT and CADENCE_BUILD_ID)\n")


def test_a_build_id_with_spaces_is_refused_where_it_was_set(capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_BUILD_ID", "2026 12")
    assert main(["worker", "--processes", "1"]) == 1
    assert capsys.readouterr().err == ("error: CADENCE_BUILD_ID: '2026 12' is not a deployment name or build id "
                                       "(letters, digits, '-', '_', '.'; at most 255)\n")
