"""The files in deploy/ pass real linters (hadolint, the Compose specification's schema), and the linters are
not no-ops: a broken file fails them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import binary

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary("hadolint"), "--no-color", str(path)], capture_output=True, text=True, timeout=60)


def _compose_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
                           str(path)], capture_output=True, text=True, timeout=120)


def test_the_dockerfile_passes_hadolint_and_runs_unprivileged_with_a_healthcheck(tmp_path: Path) -> None:
    checked = _hadolint(DEPLOY / "Dockerfile")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    text = (DEPLOY / "Dockerfile").read_text()
    assert "\nUSER 10001\n" in text and "\nHEALTHCHECK " in text and "python:3.11-slim" in text
    sloppy = tmp_path / "Dockerfile"
    sloppy.write_text("FROM python\nRUN apt-get update && apt-get install -y curl\nCMD cadence worker\n")
    assert _hadolint(sloppy).returncode != 0  # untagged image, unpinned apt, shell-form CMD


def test_the_compose_file_matches_the_compose_specification_and_holds_no_secrets(tmp_path: Path) -> None:
    checked = _compose_check(DEPLOY / "compose.yaml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert {"postgresql", "temporal", "temporal-ui", "worker", "gateway"} <= set(compose["services"])
    for service in compose["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if any(word in name for word in ("PASSWORD", "SECRET", "TOKEN", "PWD")):
                assert str(value).startswith("${"), f"{name} holds a literal value"
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  worker:\n    image: cadence\n    replicas: lots\n")
    assert _compose_check(broken).returncode != 0
