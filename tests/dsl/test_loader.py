"""Hostile and odd input: one located error each, fast, never a traceback."""

from __future__ import annotations

import time

import pytest

from cadence.dsl.loader import MAX_BYTES, LoadError, load_bytes
from cadence.dsl.validator import validate_file


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
        (b"a: \x07\n", "f.yaml:1:4: error: YAML syntax error: control characters are not allowed "
                       "(hint: remove control characters from the file)"),
        (b"a: [1\n", "f.yaml:2:1: error: YAML syntax error: did not find expected ',' or ']' "
                     "(hint: check the indentation and quoting near this line)"),
    ],
    ids=["empty", "comment", "empty-doc", "scalar", "dup", "tab", "utf8", "two-docs", "python-tag", "custom-tag",
         "complex-key", "control", "syntax"],
)
def test_one_located_error(raw: bytes, message: str) -> None:
    assert load_error(raw) == message


def test_explicit_core_tags_are_fine() -> None:
    assert load_bytes(b"a: !!str 3\nb: !!int '4'\n", "f.yaml").data == {"a": "3", "b": 4}


def test_missing_file_and_directory(tmp_path) -> None:
    assert [e.render() for e in validate_file(tmp_path / "nope.yaml")] == [f"{tmp_path / 'nope.yaml'}:0:0: error: file not found"]
    assert [e.message for e in validate_file(tmp_path)] == ["is a directory, not a cadence file"]
