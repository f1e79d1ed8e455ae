"""Mutated good cadences either validate or fail with located errors: never an exception."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cadence import ir
from cadence.cli.main import main
from cadence.dsl import compile_file
from tests.dsl.helpers import GOOD, TEMPLATES

BASES = {p.name: yaml.safe_load(p.read_text()) for p in sorted(GOOD.glob("*.yaml"))}
LINE = re.compile(r"^.+\.yaml:[1-9][0-9]*:[1-9][0-9]*: (error|warning): \S.*$")
WARNING = re.compile(r"^.+\.yaml:[1-9][0-9]*:[1-9][0-9]*: warning: \S.* \[[a-z-]+\]$")

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "continue", "give-up", "intro-cal", "reassess", "3 fortnights", "5 days", "lead", "UTC",
                     "{{ lead.nope }}", "{% if %}", "score <", "emails/none.html.j2", "../x", "rep:ann", "a" * 300,
                     "no_response", "stale-monthly", "'x' in qualified", "lists.nope"]),
    st.text(max_size=12),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=8), scalars, max_size=2))


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(paths(v, prefix + (k,)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(paths(v, prefix + (i,)))
    return out


def parent_of(data: Any, path: tuple) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@st.composite
def mutants(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(sorted(BASES)))
    data = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 3))):
        candidates = [p for p in paths(data) if p]
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        parent, key = parent_of(data, path), path[-1]
        op = draw(st.sampled_from(["drop", "replace", "rename", "duplicate"]))
        if op == "drop":
            del parent[key]
        elif op == "replace":
            parent[key] = draw(values)
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=10)) + str(key)[1:]] = parent.pop(key)
        elif op == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    lines = text.splitlines(keepends=True)
    if draw(st.booleans()) and lines:  # text-level damage too: drop or garble a line
        index = draw(st.integers(0, len(lines) - 1))
        lines[index] = draw(st.sampled_from(["", "  bad: [\n", "\t- x\n", ": :\n", "x: *y\n", lines[index] * 2]))
    return "".join(lines)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mutants")
    (root / "cadences").mkdir()
    shutil.copytree(TEMPLATES, root / "templates")
    for path in GOOD.glob("*.yaml"):
        shutil.copy(path, root / "cadences" / path.name)
    return root


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=mutants())
def test_mutants_never_crash(workdir: Path, text: str) -> None:
    target = workdir / "cadences" / "enterprise-nurture.yaml"
    target.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    os.environ["CADENCE_DEBUG"] = "1"  # an exception escapes instead of becoming a one-line message
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", str(target), str(workdir / "cadences" / "stale-monthly.yaml")])
    finally:
        del os.environ["CADENCE_DEBUG"]
    lines = out.getvalue().splitlines()
    assert code in (0, 1), err.getvalue()
    if code == 0:
        assert all(WARNING.match(line) for line in lines), lines  # warnings never fail a file
        plan = compile_file(target)  # whatever validates compiles, and round-trips
        assert ir.plan_from_dict(json.loads(ir.canonical_json(plan))) == plan
    else:
        assert lines and all(LINE.match(line) for line in lines), lines
    assert "Traceback" not in out.getvalue() + err.getvalue()


def test_a_track_name_no_file_system_takes_is_a_located_error(tmp_path, capsys):
    from cadence.cli.main import main

    name = "a" * 300
    cadence = tmp_path / "c.yaml"
    cadence.write_text("cadence: ccc\nschedule: {timezone: UTC}\ndisqualify_reasons: [no_response]\nsteps:\n"
                       f"  - id: g\n    gate:\n      - else: {{track: {name}}}\n")
    assert main(["validate", str(cadence)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("c.yaml:7:23: error: steps[0].gate[0].else.track: is longer than 64 characters")
    assert out[1].endswith(f"c.yaml:7:23: error: steps[0].gate[0].else.track: no cadence file '{name}.yaml' "
                           "next to this file (hint: a track is another cadence file in the same directory, "
                           "named without .yaml)")
