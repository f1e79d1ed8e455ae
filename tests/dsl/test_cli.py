"""``cadence validate`` and ``cadence schema``: exit codes, formats, import cost."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.dsl.helpers import BAD, GOOD, ROOT, run_cli


def test_valid_directory(capsys) -> None:
    code, out, err = run_cli(capsys, "validate", str(GOOD))
    assert (code, out, err) == (0, "", "ok: 3 files valid\n")


def test_one_valid_file(capsys) -> None:
    code, out, err = run_cli(capsys, "validate", str(GOOD / "simple.yaml"))
    assert (code, out, err) == (0, "", "ok: 1 file valid\n")


def test_invalid_file_lines_and_summary(capsys, monkeypatch) -> None:
    monkeypatch.chdir(BAD.parent)
    code, out, err = run_cli(capsys, "validate", "good/simple.yaml", "bad/unknown-step.yaml", "bad/typo-field.yaml")
    assert code == 1
    assert out.splitlines() == [
        "bad/unknown-step.yaml:10:11: error: steps[2].goto: unknown step 'intro-cal'; did you mean 'intro-call'?",
        "bad/typo-field.yaml:7:7: error: steps[0].email: unknown field 'tempalte'; did you mean 'template'?",
    ]
    assert err == "failed: 2 errors in 2 of 3 files\n"


_CYCLE_HEAD = """schedule: {timezone: UTC}
disqualify_reasons: [no_response]
steps:
  - id: welcome
    email: {template: emails/welcome.html.j2, subject: Hello}
    wait: 2 days
"""
PING = "cadence: ping\n" + _CYCLE_HEAD + """  - id: check
    wait: 1 day
    gate:
      - if: "engaged"
        handoff: {}
      - else: {track: pong}
"""
PONG = "cadence: pong\n" + _CYCLE_HEAD + """  - id: back
    track: ping
"""


def test_a_track_cycle_with_an_invalid_file_is_invalid_in_any_order(capsys, tmp_path, monkeypatch) -> None:
    (tmp_path / "cadences").mkdir()
    (tmp_path / "cadences" / "ping.yaml").write_text(PING, encoding="utf-8")
    (tmp_path / "cadences" / "pong.yaml").write_text(PONG, encoding="utf-8")
    (tmp_path / "templates" / "emails").mkdir(parents=True)
    (tmp_path / "templates" / "emails" / "welcome.html.j2").write_text("Hi", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    pong_error = ("cadences/pong.yaml:9:12: error: steps[1].track: track 'ping' is invalid (1 error in cadences/ping.yaml) "
                  "(hint: run: cadence validate cadences/ping.yaml)")
    ping_error = ("cadences/ping.yaml:9:5: error: steps[1]: step 'check': 'wait' only follows a touch (email, call, voicemail, "
                  "letter), not a gate step (hint: add a separate wait step)")
    # ping is checked first, and checks pong while its own verdict is still open: pong must not be kept as valid.
    code, out, err = run_cli(capsys, "validate", "cadences")
    assert (code, out.splitlines(), err) == (1, [ping_error, pong_error], "failed: 2 errors in 2 of 2 files\n")
    code, out, err = run_cli(capsys, "validate", "cadences/pong.yaml")
    assert (code, out.splitlines(), err) == (1, [pong_error], "failed: 1 error in 1 of 1 files\n")


def test_exit_code_resets_between_runs(capsys) -> None:
    assert run_cli(capsys, "validate", str(BAD / "empty.yaml"))[0] == 1
    assert run_cli(capsys, "validate", str(GOOD / "simple.yaml"))[0] == 0


def test_json_format(capsys, monkeypatch) -> None:
    monkeypatch.chdir(BAD.parent)
    code, out, _err = run_cli(capsys, "validate", "--format", "json", "good/simple.yaml", "bad/empty.yaml")
    assert code == 1
    data = json.loads(out)
    assert data["valid"] is False
    assert data["summary"] == {"files": 2, "valid": 1, "invalid": 1, "errors": 1, "warnings": 0}
    assert data["files"][0] == {"file": "good/simple.yaml", "valid": True, "errors": [], "warnings": []}
    assert data["files"][1]["errors"] == [{
        "file": "bad/empty.yaml", "line": 1, "column": 1, "path": "$", "message": "file is empty",
        "hint": "a cadence starts with 'cadence: NAME' and has 'steps:'",
    }]


def test_usage_errors_exit_2(capsys, tmp_path) -> None:
    code, _out, err = run_cli(capsys, "validate", str(tmp_path / "missing.yaml"))
    assert code == 2 and "no such file or directory" in err
    code, _out, err = run_cli(capsys, "validate", str(tmp_path))
    assert code == 2 and "no cadence files" in err
    assert run_cli(capsys, "validate")[0] == 2
    assert run_cli(capsys, "validate", "--format", "xml", str(GOOD))[0] == 2


def test_directory_is_searched_recursively(capsys, tmp_path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (nested / "x.yml").write_text("cadence: x\n")
    (tmp_path / "notes.txt").write_text("not a cadence")
    code, out, err = run_cli(capsys, "validate", str(tmp_path))
    assert code == 1
    assert out.startswith(f"{tmp_path / 'a' / 'b' / 'x.yml'}:1:1: error: cadence file: missing required field")
    assert err.endswith("in 1 of 1 files\n")


def test_schema_command_prints_the_schema(capsys) -> None:
    code, out, _err = run_cli(capsys, "schema")
    assert code == 0
    data = json.loads(out)
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert out == (ROOT / "src/cadence/schema/cadence.schema.json").read_text()


def test_validate_does_not_import_temporalio_and_starts_fast() -> None:
    code = (
        "import sys, time; t = time.perf_counter()\n"
        "from cadence.cli.main import main\n"
        f"rc = main(['validate', {str(GOOD / 'simple.yaml')!r}])\n"
        "assert rc == 0, rc\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('temporalio', 'cadence.engine'))\n"
        "assert not bad, bad\n"
        "assert 'cadence.engine' not in sys.modules and 'cadence.channels' not in sys.modules\n"
        "print(time.perf_counter() - t)\n"
    )
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - start
    assert result.returncode == 0, result.stderr
    assert elapsed < 2.0  # the strict 0.5 s target is measured by benchmarks/bench_validate.py
