"""``cadence migrate``: bad input is refused in one line before anything connects."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence.cli.main import main
from cadence.dsl.compiler import compile_file
from cadence.migration import records

ROOT = Path(__file__).resolve().parents[2]
NURTURE = str(ROOT / "cadences" / "enterprise-nurture.yaml")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["migrate", *args])
    return code, capsys.readouterr().err


def test_a_new_file_of_another_cadence_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--cadence", "inbound-fast-follow", "--to", NURTURE) == (
        1, "error: the new file is cadence 'enterprise-nurture', not 'inbound-fast-follow'\n")


def test_a_mapping_to_a_missing_step_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    version = compile_file(NURTURE).short_version
    assert run(capsys, "--cadence", "enterprise-nurture", "--to", NURTURE, "--map", "roi-email=value-mail") == (
        1, f"error: --map roi-email=value-mail: version {version} of enterprise-nurture has no step 'value-mail'\n")
    code, err = run(capsys, "--cadence", "enterprise-nurture", "--to", NURTURE, "--map", "roi-email")
    assert code == 2 and "'roi-email' must look like name=value" in err


def test_undo_needs_a_readable_record_that_moved_someone(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    assert run(capsys, "--undo", str(missing)) == (
        1, f"error: {missing}: cannot read the migration record (No such file or directory)\n")
    other = tmp_path / "leads.jsonl"
    other.write_text('{"id": "L-1"}\n')
    assert run(capsys, "--undo", str(other)) == (
        1, f"error: {other}:1: not a cadence migration record (no 'cadence-migration/1' header)\n")
    record = records.create(tmp_path, {"id": "m-1", "key": "k", "cadence": "enterprise-nurture", "mapping": {}})
    record.append({"lead": "L-1", "outcome": "refused", "reason": "the lead has ended", "from_version": "abc"})
    record.close()
    assert run(capsys, "--undo", str(record.path)) == (
        1, f"error: {record.path}: migration m-1 moved no lead; nothing to undo\n")
    code, err = run(capsys, "--undo", str(record.path), "--cadence", "x")
    assert code == 2 and "--undo takes only the record" in err


def test_a_record_cut_short_by_a_crash_reads_up_to_its_last_whole_line(tmp_path: Path) -> None:
    record = records.create(tmp_path, {"id": "m-2", "key": "k2", "cadence": "c", "mapping": {}})
    record.append({"lead": "L-1", "outcome": "moved", "from_version": "abc"})
    with open(record.path, "a", encoding="utf-8") as out:
        out.write('{"lead": "L-2", "outc')  # the process died mid-line
    again = records.read(record.path)
    assert [line["lead"] for line in again.leads] == ["L-1"] and not again.finished
    resumed = records.unfinished(tmp_path, "k2")  # a re-run resumes it, after its last whole line
    assert resumed is not None and resumed.path == record.path
    resumed.append({"lead": "L-2", "outcome": "moved", "from_version": "abc"})
    assert records.read(record.path).counts() == {"moved": 2, "already": 0, "refused": 0}


def test_migrate_needs_a_cadence_and_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys)
    assert code == 2 and "give --cadence NAME and --to FILE (or --undo RECORD)" in err
