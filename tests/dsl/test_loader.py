"""Hostile and odd input: one located error each, fast, never a traceback."""

from __future__ import annotations

import json
import time

import pytest

from cadence.dsl.loader import MAX_BYTES, LoadError, load_bytes
from cadence.dsl.validator import validate_file
from tests.dsl.helpers import run_cli


def load_error(raw: bytes) -> str:
    with pytest.raises(LoadError) as info:
        load_bytes(raw, "f.yaml")
    return info.value.error.render()


def test_positions_of_values_and_keys() -> None:
    doc = load_bytes(b"cadence: x\nsteps:\n  - id: a\n    wait: 2 days\n", "f.yaml")
    assert doc.where(("steps", 0, "wait")) == (4, 11)
    assert doc.where(("steps", 0, "wait"), key=True) == (4, 5)
    assert doc.where(("steps", 0, "missing", 3)) == (3, 5)


def test_yaml_11_surprises_are_off() -> None:
    doc = load_bytes(b"on: {reply: continue}\nyes: no\nday: 2026-01-01\nflag: true\nn: 3\n", "f.yaml")
    assert doc.data == {"on": {"reply": "continue"}, "yes": "no", "day": "2026-01-01", "flag": True, "n": 3}


def test_bom_is_accepted() -> None:
    assert load_bytes(b"\xef\xbb\xbfcadence: x\n", "f.yaml").data == {"cadence": "x"}


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    start = time.perf_counter()
    message = load_error("\n".join(lines).encode())
    assert time.perf_counter() - start < 0.5
    assert message == "f.yaml:2:8: error: YAML alias '*a' is not allowed (hint: write the value out instead of referring to an anchor)"


def test_oversized_file_is_refused_before_parsing() -> None:
    raw = b"a: [" + b"1," * (MAX_BYTES // 2) + b"1]"
    start = time.perf_counter()
    assert load_error(raw) == "f.yaml:1:1: error: file is larger than 1024 KiB (hint: split it into a cadence and long-term tracks)"
    assert time.perf_counter() - start < 0.2


def test_deep_nesting_is_capped() -> None:
    message = load_error(b"a: " + b"[" * 5000 + b"]" * 5000)
    assert "nested deeper than 40 levels" in message


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "f.yaml:1:1: error: file is empty (hint: a cadence starts with 'cadence: NAME' and has 'steps:')"),
        (b"# only a comment\n", "f.yaml:1:1: error: file is empty (hint: a cadence starts with 'cadence: NAME' and has 'steps:')"),
        (b"---\n", "f.yaml:2:1: error: file is empty (hint: a cadence starts with 'cadence: NAME' and has 'steps:')"),
        (b"hello\n", "f.yaml:1:1: error: a cadence file must be a mapping of fields, found a single value "
                     "(hint: start with 'cadence: NAME' and list the steps under 'steps:')"),
        (b"a: 1\na: 2\n", "f.yaml:2:1: error: duplicate key 'a' (first written at line 1) "
                          "(hint: each field may appear only once in a mapping; merge or remove one)"),
        (b"a:\n  b: 1\n\tc: 2\n", "f.yaml:3:1: error: tab character used for indentation "
                                  "(hint: YAML indents with spaces only; replace the tab with spaces)"),
        (b"a: caf\xe9\n", "f.yaml:1:7: error: file is not UTF-8 text (byte 0xe9) (hint: save the file as UTF-8)"),
        (b"a: 1\n---\nb: 2\n", "f.yaml:2:1: error: more than one YAML document in the file "
                               "(hint: a cadence file holds one document; remove the '---' line or split the file)"),
        (b"a: !!python/object:os.system x\n", "f.yaml:1:4: error: YAML tag 'tag:yaml.org,2002:python/object:os.system' "
                                             "is not allowed (hint: remove the tag; write plain values)"),
        (b"a: !custom x\n", "f.yaml:1:4: error: YAML tag '!custom' is not allowed (hint: remove the tag; write plain values)"),
        (b"? [a]\n: 1\n", "f.yaml:1:3: error: a mapping key must be plain text (hint: remove the '?' or brackets around the key)"),
        (b"!!python/object/apply:os.system owner: x\n", "f.yaml:1:1: error: YAML tag "
         "'tag:yaml.org,2002:python/object/apply:os.system' is not allowed on a mapping key "
         "(hint: mapping keys are plain text; remove the tag)"),
        (b"a: \x07\n", "f.yaml:1:4: error: YAML syntax error: control characters are not allowed "
                       "(hint: remove control characters from the file)"),
        (b"a: [1\n", "f.yaml:2:1: error: YAML syntax error: did not find expected ',' or ']' "
                     "(hint: check the indentation and quoting near this line)"),
        # Columns count characters, not bytes: 'é' is two bytes in UTF-8.
        ("cadence: expr\ndescription: ééééééééé\nowner: a\x01b\n".encode(),
         "f.yaml:3:9: error: YAML syntax error: control characters are not allowed "
         "(hint: remove control characters from the file)"),
        ("a: \"éé\x01\"\n".encode(), "f.yaml:1:7: error: YAML syntax error: control characters are not allowed "
                                  "(hint: remove control characters from the file)"),
        ("cadence: expr\ndescription: café crème ".encode() + b"\xff\n",
         "f.yaml:2:25: error: file is not UTF-8 text (byte 0xff) (hint: save the file as UTF-8)"),
    ],
    ids=["empty", "comment", "empty-doc", "scalar", "dup", "tab", "utf8", "two-docs", "python-tag", "custom-tag",
         "complex-key", "key-tag", "control", "syntax", "control-after-accents", "control-in-quotes", "utf8-after-accents"],
)
def test_one_located_error(raw: bytes, message: str) -> None:
    assert load_error(raw) == message


def test_tabs_that_are_not_indentation_are_fine() -> None:
    raw = b"description: |\n  Line one\n  \tindented with a tab\nlists: [a,\n\tb]\nowner: \"x\n\ty\"\nn:\t3\n"
    assert load_bytes(raw, "f.yaml").data == {
        "description": "Line one\n\tindented with a tab\n", "lists": ["a", "b"], "owner": "x y", "n": 3}


@pytest.mark.parametrize(
    ("raw", "where"),
    [(b"a: |\n  x\n\ty\n", "3:1"), (b"a: |\n  x\n \ty\n", "3:2"), (b"\ta: 1\n", "1:1"), (b"a:\n  - 1\n  \t- 2\n", "3:3"),
     (b"a: 1\r\n\tb: 2\r\n", "2:1")],
    ids=["block-scalar", "block-scalar-after-space", "first-line", "list", "crlf"],
)
def test_tabs_that_are_indentation_are_refused(raw: bytes, where: str) -> None:
    assert load_error(raw) == (f"f.yaml:{where}: error: tab character used for indentation "
                               "(hint: YAML indents with spaces only; replace the tab with spaces)")


def test_explicit_core_tags_are_fine() -> None:
    assert load_bytes(b"a: !!str 3\nb: !!int '4'\nc: !!float 5\nd: !!bool True\ne: !!null ''\nf: !!float 1e3\n", "f.yaml").data == {
        "a": "3", "b": 4, "c": 5.0, "d": True, "e": None, "f": 1000.0}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"a: 1\nb: !!int bad_data\n", "f.yaml:2:4: error: 'bad_data' is not a valid !!int value "
                                      "(hint: remove the tag; write plain values)"),
        (b"a: !!float abc\n", "f.yaml:1:4: error: 'abc' is not a valid !!float value (hint: remove the tag; write plain values)"),
        (b"a: !!bool maybe\n", "f.yaml:1:4: error: 'maybe' is not a valid !!bool value (hint: remove the tag; write plain values)"),
        (b"a: !!int " + b"x" * 100 + b"\n", "f.yaml:1:4: error: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a valid !!int "
                                          "value (hint: remove the tag; write plain values)"),
        (b"a: [" + b"9" * 4301 + b"]\n", "f.yaml:1:5: error: number has more than 4300 digits "
                                      "(hint: write a smaller number, or quote it to keep it as text)"),
        (b"a: 0b_\n", "f.yaml:1:4: error: '0b_' is not a valid number (hint: quote it to keep it as text)"),
        (b"a: !!int ''\n", "f.yaml:1:4: error: '' is not a valid !!int value (hint: remove the tag; write plain values)"),
        (b"a: !!bool yes\n", "f.yaml:1:4: error: 'yes' is not a valid !!bool value (hint: remove the tag; write plain values)"),
        (b"a: !!int 1:30\n", "f.yaml:1:4: error: '1:30' is not a valid !!int value (hint: remove the tag; write plain values)"),
    ],
    ids=["int", "float", "bool", "long-text", "long-int", "no-digit", "empty-int", "yaml-11-bool", "sexagesimal"],
)
def test_scalar_that_cannot_be_read(raw: bytes, message: str) -> None:
    assert load_error(raw) == message


def test_sexagesimal_numbers_stay_text() -> None:
    long = "1" + ":0" * 3000
    doc = load_bytes(f"a: 1:30\nb: 9:00\nc: -1:30.5\nd: {long}\ne: 4300\n".encode(), "f.yaml")
    assert doc.data == {"a": "1:30", "b": "9:00", "c": "-1:30.5", "d": long, "e": 4300}


def test_a_file_that_cannot_be_read_does_not_stop_the_others(capsys, tmp_path) -> None:
    (tmp_path / "a.yaml").write_text("cadence: abc\nowner: !!int bad_data\n")
    (tmp_path / "b.yaml").write_text("cadence: abc\nowner: " + "9" * 5000 + "\n")
    (tmp_path / "c.yaml").write_text("cadence: abc\nowner: !!float abc\n")
    code, out, err = run_cli(capsys, "validate", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [
        f"{tmp_path / 'a.yaml'}:2:8: error: 'bad_data' is not a valid !!int value (hint: remove the tag; write plain values)",
        f"{tmp_path / 'b.yaml'}:2:8: error: number has more than 4300 digits "
        "(hint: write a smaller number, or quote it to keep it as text)",
        f"{tmp_path / 'c.yaml'}:2:8: error: 'abc' is not a valid !!float value (hint: remove the tag; write plain values)",
    ]
    assert err == "failed: 3 errors in 3 of 3 files\n"
    code, out, _err = run_cli(capsys, "validate", "--format", "sarif", str(tmp_path))
    results = json.loads(out)["runs"][0]["results"]
    assert code == 1
    assert [r["locations"][0]["physicalLocation"]["region"] for r in results] == [{"startLine": 2, "startColumn": 8}] * 3


def test_missing_file_and_directory(tmp_path) -> None:
    assert [e.render() for e in validate_file(tmp_path / "nope.yaml")] == [f"{tmp_path / 'nope.yaml'}:0:0: error: file not found"]
    assert [e.message for e in validate_file(tmp_path)] == ["is a directory, not a cadence file"]
