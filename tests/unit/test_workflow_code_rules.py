"""Workflow code keeps the sandbox's rules by itself.

The worker passes ``workflows`` and ``cadence`` through the sandbox (one copy per process
instead of one per lead: benchmarks/README.md, figure 4), so the sandbox no longer traps a
clock read, a random draw or I/O in them. This check does, statically, for the modules that
run inside workflows: the workflow modules and every pure module they import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_MODULES = sorted((ROOT / "workflows").glob("*.py"))
PURE_MODULES = [ROOT / "src" / "cadence" / f"{name}.py" for name in (
    "engine", "acceptance", "commands", "context_values", "scoring", "schedule", "lead_view", "ir", "utc",
    "templating", "vocabulary", "visibility", "lead", "metrics", "messages")] + sorted(
    (ROOT / "src" / "cadence" / "migration").glob("[pt]*.py"))  # positions.py, targets.py
FORBIDDEN_CALLS = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "monotonic"), ("time", "sleep"), ("time", "perf_counter"),
    ("uuid", "uuid1"), ("uuid", "uuid4"), ("os", "urandom"), ("os", "getenv"), ("asyncio", "sleep"),
    ("utc", "now"),
}
OUTSIDE_WORKFLOWS = {("utc.py", "now")}
"""Functions documented for use outside workflows only (files and records), whose body may read the clock;
``utc.now`` itself is among the forbidden calls above."""
FORBIDDEN_MODULES = {"random", "secrets", "socket", "subprocess", "threading", "requests", "httpx", "urllib"}


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for fn in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        if (path.name, fn.name) in OUTSIDE_WORKFLOWS:
            fn.body = []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
            if (name, node.func.attr) in FORBIDDEN_CALLS:
                found.append(f"{path.name}:{node.lineno}: {name}.{node.func.attr}()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("open", "input"):
            found.append(f"{path.name}:{node.lineno}: {node.func.id}()")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            found += [f"{path.name}:{node.lineno}: import {n}" for n in names if n.split(".")[0] in FORBIDDEN_MODULES]
    return found


@pytest.mark.parametrize("path", WORKFLOW_MODULES + PURE_MODULES, ids=lambda p: p.name)
def test_code_that_runs_in_workflows_reads_no_clock_draws_nothing_and_does_no_io(path: Path) -> None:
    assert path.is_file(), path
    assert _problems(path) == []


def test_the_check_finds_what_the_sandbox_would_have_trapped(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import random\nfrom datetime import datetime\n\ndef f():\n    open('x')\n"
                   "    return datetime.now(), time.time()\n")
    assert _problems(bad) == ["bad.py:1: import random", "bad.py:5: open()", "bad.py:6: datetime.now()",
                              "bad.py:6: time.time()"]
