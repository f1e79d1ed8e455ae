"""Several worker processes on one task queue, under one supervisor (``cadence worker --processes N``).

Workflow tasks are CPU-bound Python under the GIL, so one process uses one
core. The supervisor starts N copies of the same ``cadence worker`` command,
restarts one that dies (unless it keeps dying at once), forwards SIGINT and
SIGTERM to all and waits for their graceful stop. Children watch the
supervisor: if it is killed outright, they exit at once too (like a crash:
their unfinished activities are retried), so no worker outlives its launcher.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SUPERVISOR_ENV = "CADENCE_SUPERVISOR_PID"
"""Set in each child: the pid it must not outlive."""
QUICK_DEATH_SECONDS = 10.0
"""A child that exits this soon after starting counts as a crash loop."""
CRASH_LOOP = 3
"""Quick deaths in a row after which the supervisor gives up."""
STOP_SECONDS = 30.0
"""Seconds children get to stop gracefully before they are killed."""


def child_metrics_address(address: str | None, index: int) -> str | None:
    """Each child serves its own ``/metrics``: the configured port plus the child's index."""
    if not address:
        return None
    host, _, port = address.rpartition(":")
    return f"{host}:{int(port) + index}"


@dataclass
class WorkerPool:
    """The supervisor.

    Args:
        argv: the command line of one child (a ``cadence worker`` that runs one process).
        processes: how many children.
        env: their environment.
        metrics_address: the ``metrics_address`` setting (each child gets port + its index).
        echo: where the supervisor says what happens.
    """

    argv: list[str]
    processes: int
    env: dict[str, str]
    metrics_address: str | None = None
    echo: Callable[[str], None] = print
    children: list[subprocess.Popen[bytes] | None] = field(default_factory=list)
    _stopping: bool = False

    def run(self) -> int:
        """Run until SIGINT/SIGTERM (returns 0 when every child stopped cleanly) or a crash loop (returns 1)."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        started: list[float] = []
        quick: list[int] = []
        try:
            self.children = [self._start(i) for i in range(self.processes)]
            started = [time.monotonic()] * self.processes
            quick = [0] * self.processes
            while not self._stopping:
                time.sleep(0.2)
                for i, child in enumerate(self.children):
                    code = child.poll() if child is not None else None
                    if code is None or self._stopping:
                        continue
                    quick[i] = quick[i] + 1 if time.monotonic() - started[i] < QUICK_DEATH_SECONDS else 0
                    if quick[i] >= CRASH_LOOP:
                        self.echo(f"worker process {i + 1} keeps exiting at once (code {code}); stopping all")
                        self._stop_all()
                        return 1
                    self.echo(f"worker process {i + 1} (pid {child.pid}) exited with code {code}; restarting it")
                    self.children[i] = self._start(i)
                    started[i] = time.monotonic()
            return self._stop_all()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start(self, index: int) -> subprocess.Popen[bytes]:
        env = {**self.env, SUPERVISOR_ENV: str(os.getpid())}
        if (address := child_metrics_address(self.metrics_address, index)) is not None:
            env["CADENCE_METRICS_ADDRESS"] = address
        return subprocess.Popen(self.argv, env=env)

    def _stop(self, signum: int, _frame: object) -> None:
        self._stopping = True

    def _stop_all(self) -> int:
        running = [c for c in self.children if c is not None and c.poll() is None]
        for child in running:
            child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        worst = 0
        for child in (c for c in self.children if c is not None):
            try:
                code = child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                code = child.wait()
            worst = worst or (0 if code in (0, -signal.SIGTERM) else 1)
        return worst


def supervisor_gone() -> bool:
    """In a child: whether the supervisor that started it has died (never, outside a pool)."""
    pid = os.environ.get(SUPERVISOR_ENV)
    return bool(pid) and os.getppid() != int(pid)


__all__ = ["SUPERVISOR_ENV", "WorkerPool", "child_metrics_address", "supervisor_gone"]
