"""The benchmark scripts run and print figures in their documented format (benchmarks/README.md)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURE = re.compile(r"^[a-z0-9_]+: -?[0-9.]+ \S+( \([0-9.]+x vs baseline\))?( \[target [^\]]+\])?$")


@pytest.mark.parametrize(("script", "expected"), [
    ("bench_history.py", {"history_events_per_lead_silent", "billable_actions_per_lead_reply"}),
    ("bench_validate.py", {"validate_100_files", "cold_start_validate"}),
])
def test_a_benchmark_exits_0_and_prints_one_figure_per_line(script: str, expected: set[str]) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script)], capture_output=True, text=True,
                          timeout=240, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # The SDK's core logs warnings to stdout with ANSI colours; figures and notes are the rest.
    lines = [line for line in proc.stdout.splitlines() if line.strip() and not line.startswith(("#", "\x1b"))]
    bad = [line for line in lines if not FIGURE.match(line)]
    assert not bad, bad
    assert expected <= {line.split(":", 1)[0] for line in lines}
