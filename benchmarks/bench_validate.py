"""Benchmark the language: validate 100 cadence files of 30+ steps, and the CLI's cold start.

Run: ``python benchmarks/bench_validate.py``. Prints ``name: value unit [target ...]`` lines
and exits 0, like the other scripts (a missed target shows in the figures).
Targets (issue 17): the 100 files in under 0.4 s in one process; ``cadence validate FILE``
(a fresh process, imports included) in under 0.3 s. Each figure is a median over fresh
processes (the caches of a process that validated once would flatter a second run);
``*_vs_target`` is the figure over its target in this run (below 1: met), and
``python_startup`` (a bare interpreter, same run) shows how busy the machine was.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FILES = 100
TOUCHES = 24


def cadence_text(n: int) -> str:
    """A realistic 33-step cadence: touches on four channels, gates, waits, a loop and exits."""
    lines = [
        f"cadence: bench-{n:03d}",
        f"description: Benchmark cadence number {n}",
        "schedule:",
        "  timezone: lead",
        "  default_timezone: America/New_York",
        '  business_hours: "mon-fri 09:00-17:00"',
        "  holidays: us",
        "lead_fields: [industry_segment]",
        "lists:",
        "  competitors: [rivalsoft.com, othercorp.com]",
        "disqualify_reasons: [no_response, opted_out, bad_data, not_a_fit, competitor]",
        "prequalify:",
        "  - reject_if: \"email_domain in lists.competitors\"",
        "    reason: competitor",
        "on:",
        "  reply: {reassess: reassess-1}",
        "  bounce: {disqualify: bad_data}",
        "  meeting_booked: {handoff: {to: \"{{ lead.owner }}\"}}",
        "steps:",
    ]
    for i in range(TOUCHES):
        kind = i % 4
        lines.append(f"  - id: touch-{i}")
        if kind == 0:
            lines += ["    email:", f"      template: emails/e{i % 6}.html.j2",
                      f"      subject: \"{{{{ lead.first_name }}}}, note {n}-{i} for {{{{ lead.company }}}}\""]
        elif kind == 1:
            lines += ["    call:", "      brief: calls/brief.md.j2", "      due: 2 business days",
                      "      on_outcome:", "        wrong_number: {disqualify: bad_data}",
                      "        meeting_booked: {handoff: {to: \"{{ lead.owner }}\", dossier: [history, company]}}"]
        elif kind == 2:
            lines += ["    voicemail: {script: voicemails/vm.txt.j2, mode: drop}"]
        else:
            lines += ["    letter: {template: letters/letter.html.j2, paper: letter}"]
        lines.append(f"    wait: {1 + i % 5} business days")
        if i % 8 == 7:
            g = i // 8 + 1
            lines += [f"  - id: reassess-{g}", "    gate:",
                      f"      - if: \"qualified_count >= {5 + g} and 'budget' in qualified\"",
                      "        handoff: {to: \"{{ lead.owner }}\"}",
                      f"      - if: \"score < {10 + g} and touches > {i}\"", "        disqualify: not_a_fit",
                      "      - else: continue"]
    lines += ["  - id: pause", "    wait: 1 week",
              "  - id: nurture-loop", "    loop: {back_to: touch-0, every: 14 days, times: 2}",
              "  - id: give-up", "    disqualify: no_response", ""]
    return "\n".join(lines)


def make_tree(root: Path) -> Path:
    """Write the cadences and their templates under ``root``; return the cadences directory."""
    (root / "cadences").mkdir()
    for folder in ("emails", "calls", "voicemails", "letters"):
        (root / "templates" / folder).mkdir(parents=True)
    for i in range(6):
        (root / "templates" / "emails" / f"e{i}.html.j2").write_text(
            f"<p>Hi {{{{ lead.first_name }}}},</p>\n<p>Email {i} for {{{{ lead.company }}}}.</p>\n"
            "{% if engaged %}<p>Thanks for writing back.</p>{% endif %}\n"
            '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>\n')
    (root / "templates" / "calls" / "brief.md.j2").write_text(
        "# Call {{ lead.first_name }} {{ lead.last_name }} at {{ lead.company }}\n"
        "{% for h in history %}- {{ h.at }} {{ h.channel }} {{ h.outcome }}\n{% endfor %}\n")
    (root / "templates" / "voicemails" / "vm.txt.j2").write_text("Hi {{ lead.first_name }}, {{ sender }} here.\n")
    (root / "templates" / "letters" / "letter.html.j2").write_text("<p>Dear {{ lead.first_name }},</p>\n")
    for n in range(FILES):
        (root / "cadences" / f"bench-{n:03d}.yaml").write_text(cadence_text(n))
    return root / "cadences"


VALIDATE_TARGET = 0.4
"""Seconds for the 100 files, in one process."""
COLD_START_TARGET = 0.3
"""Seconds for ``cadence validate FILE`` in a new process."""


def validate_once(cadences: Path) -> float:
    """Seconds to validate every file in this process (imports excluded: measured by the cold start)."""
    import cadence.cli.language  # imported before timing: imports are the cold start's business
    import cadence.dsl.validator  # noqa: F401
    from cadence.cli.main import main

    err = io.StringIO()
    start = time.perf_counter()
    # Warnings (the generated cadences have some) print to standard output, which the figures own.
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["validate", str(cadences)])
    elapsed = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"benchmark cadences are invalid: {err.getvalue()}")
    return elapsed


def bench_validate(cadences: Path, runs: int = 5) -> list[float]:
    """:func:`validate_once` in ``runs`` fresh interpreters, one after the other."""
    times = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, __file__, "--validate-once", str(cadences)], check=False,
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"validate run failed: {result.stdout}{result.stderr}")
        times.append(float(result.stdout.split()[-1]))
    return times


def _wall_times(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, check=False, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")
    return times


def bench_cold_start(file: Path, runs: int = 5) -> list[float]:
    """Wall times of ``cadence validate FILE``, each in a fresh interpreter."""
    exe = shutil.which("cadence", path=os.path.dirname(sys.executable))
    command = [exe] if exe else [sys.executable, "-c", "from cadence.cli.main import run; run()"]
    return _wall_times([*command, "validate", str(file)], runs)


def bench_python_startup(runs: int = 5) -> list[float]:
    """Wall times of a bare ``python -c pass``: the floor under every cold start, on this machine, now."""
    return _wall_times([sys.executable, "-c", "pass"], runs)


def main() -> int:
    from benchmarks.common import figure, info

    with tempfile.TemporaryDirectory() as tmp:
        cadences = make_tree(Path(tmp))
        steps = cadence_text(0).count("  - id: ")
        validate = bench_validate(cadences)
        cold = bench_cold_start(cadences / "bench-000.yaml")
        bare = bench_python_startup()
    seconds, cold_start = statistics.median(validate), statistics.median(cold)
    figure("steps_per_file", steps, "steps")
    figure(f"validate_{FILES}_files", seconds, "s", None, f"< {VALIDATE_TARGET} s")
    figure(f"validate_{FILES}_files_vs_target", seconds / VALIDATE_TARGET, "x")
    figure("validate_per_file", seconds / FILES * 1000, "ms")
    figure("cold_start_validate", cold_start, "s", None, f"< {COLD_START_TARGET} s")
    figure("cold_start_validate_vs_target", cold_start / COLD_START_TARGET, "x")
    figure("python_startup", statistics.median(bare), "s")
    info(f"medians of {len(validate)} fresh processes (validate: "
         f"{', '.join(f'{t:.3f}' for t in validate)} s) and of {len(cold)} (cold start: "
         f"{', '.join(f'{t:.3f}' for t in cold)} s)")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--validate-once"]:
        print(f"{validate_once(Path(sys.argv[2])):.6f}")
        sys.exit(0)
    sys.exit(main())
