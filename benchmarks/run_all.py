"""Run every benchmark in its own process and print their figures (``#`` lines are notes).

Run: ``python benchmarks/run_all.py [--quick]`` (about 11 minutes on 2 cores; ``--quick``
uses small lead counts, about 4 minutes). Exits 0 when every script ran; a missed
target is reported in the figures, not as a failure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

SCRIPTS: list[tuple[str, list[str], list[str]]] = [
    # (script, default arguments, --quick arguments)
    ("bench_history.py", [], []),
    ("bench_run.py", [], ["--leads", "100", "--dev-leads", "100"]),
    ("bench_enroll.py", [], ["--leads", "2000"]),
    ("bench_memory.py", [], ["--leads", "1000", "--baseline-leads", "500"]),
    ("bench_validate.py", [], []),
    ("bench_replay.py", [], []),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small lead counts (a smoke run)")
    parser.add_argument("--only", nargs="*", help="script names to run (default: all)")
    args = parser.parse_args(argv)
    failed = []
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "RUST_LOG": "error"}
    for script, normal, quick in SCRIPTS:
        if args.only and script not in args.only and script.removesuffix(".py") not in args.only:
            continue
        command = [sys.executable, str(HERE / script), *(quick if args.quick else normal)]
        print(f"## {' '.join(['python', 'benchmarks/' + script, *command[2:]])}", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env)
        for line in proc.stdout.splitlines():
            if line.strip() and "WARN" not in line and not line.startswith("\x1b"):  # the SDK core logs to stdout
                print(line, flush=True)
        print(f"# {script}: exit {proc.returncode} in {time.perf_counter() - t0:.0f} s", flush=True)
        if proc.returncode != 0:
            failed.append(script)
            print(proc.stderr[-3000:], file=sys.stderr)
    if failed:
        print(f"# failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
