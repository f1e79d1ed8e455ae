"""``.pre-commit-hooks.yaml``: the cadence-validate hook, run as pre-commit runs it (entry + the matching files)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import BIN, binary
from tests.preview.conftest import ROOT


def hook() -> dict[str, Any]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))  # not a cadence file
    assert isinstance(hooks, list) and len(hooks) == 1
    return hooks[0]


def run_hook(repo: Path) -> subprocess.CompletedProcess[str]:
    """What pre-commit does: the entry, with the repository's files that ``files`` matches, from its root."""
    spec = hook()
    pattern = re.compile(spec["files"])
    files = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file())
    matched = [f for f in files if pattern.search(f)]
    assert matched
    binary("cadence")
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run([*shlex.split(spec["entry"]), *matched], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_hook_definition():
    spec = hook()
    assert {k: spec[k] for k in ("id", "entry", "language", "files")} == {
        "id": "cadence-validate", "entry": "cadence validate", "language": "python", "files": r"^cadences/.*\.ya?ml$"}
    assert spec["name"] and spec["description"]
    pattern = re.compile(spec["files"])
    assert [f for f in ("cadences/a.yaml", "cadences/b.yml", "cadences/team/c.yaml", "cadences/a.yaml.bak",
                        "templates/emails/a.html.j2", "tests/dsl/fixtures/good/simple.yaml", "my-cadences/a.yaml")
            if pattern.search(f)] == ["cadences/a.yaml", "cadences/b.yml", "cadences/team/c.yaml"]


def test_the_shipped_cadences_pass():
    done = run_hook(ROOT)
    assert (done.returncode, done.stdout) == (0, "")
    count = len(list((ROOT / "cadences").glob("*.y*ml")))
    assert done.stderr == f"ok: {count} files valid\n"


def test_a_broken_cadence_stops_the_commit(tmp_path: Path):
    shutil.copytree(ROOT / "cadences", tmp_path / "cadences")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    (tmp_path / "cadences" / "draft.yaml").write_text(
        "cadence: draft\nschedule: {timezone: UTC}\ndisqualify_reasons: [no_response]\nsteps:\n"
        "  - id: hello\n    emial: {template: emails/inbound-welcome.html.j2, subject: Hello}\n", encoding="utf-8")
    done = run_hook(tmp_path)
    assert done.returncode == 1
    assert "cadences/draft.yaml:6:5: error: steps[0]: unknown field 'emial'; did you mean 'email'?" in done.stdout
    count = len(list((tmp_path / "cadences").glob("*.y*ml")))
    assert done.stderr == f"failed: 2 errors in 1 of {count} files\n"
