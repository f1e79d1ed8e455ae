"""Ends an embedded Temporal server when the process that launched it dies.

The server runs in a session of its own (so Ctrl-C reaches cadence first, which
stops it in order); a launcher killed with SIGKILL or a closed terminal would
otherwise leave it running, holding its ports and its state directory. This
watchdog is a tiny process of its own session that waits for the launcher to
die, then stops the server and clears the pid file that names it. It also ends
when the server ends first. It works from any thread of the launcher (a
parent-death signal follows the launching thread, not the process).

Run as ``python -m cadence.server_watchdog LAUNCHER_PID SERVER_PID PID_FILE``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time
from pathlib import Path

POLL_SECONDS = 0.5
"""How often liveness is checked where pidfd is not available (not Linux)."""
STOP_SECONDS = 10.0
"""Seconds the server gets to stop after SIGTERM before it is killed."""


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):
        # Linux: a zombie still answers kill(0); its state letter says it is gone.
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _wait_any(pids: list[int]) -> None:
    """Block until one of ``pids`` has exited."""
    fds: list[int] = []
    try:
        if hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                fds = [os.pidfd_open(pid) for pid in pids]
        if len(fds) == len(pids):
            while all(alive(pid) for pid in pids):
                select.select(fds, [], [], POLL_SECONDS * 10)
            return
        while all(alive(pid) for pid in pids):
            time.sleep(POLL_SECONDS)
    finally:
        for fd in fds:
            os.close(fd)


def stop(pid: int, timeout: float = STOP_SECONDS) -> None:
    """SIGTERM ``pid``, then SIGKILL it if it is still there after ``timeout`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def clear_record(pid_file: Path, server_pid: int) -> None:
    """Remove ``pid_file`` if it still names ``server_pid`` (a newer server's record is left alone)."""
    with contextlib.suppress(OSError, ValueError):
        if json.loads(pid_file.read_text()).get("pid") == server_pid:
            pid_file.unlink()


def watch(launcher: int, server: int, pid_file: Path) -> None:
    """Wait until the launcher or the server exits; if the launcher went first, stop the server."""
    _wait_any([launcher, server])
    if alive(server) and not alive(launcher):
        stop(server)
        clear_record(pid_file, server)


def main(argv: list[str]) -> int:
    """Entry point: ``LAUNCHER_PID SERVER_PID PID_FILE``."""
    if len(argv) != 3:
        print("usage: python -m cadence.server_watchdog LAUNCHER_PID SERVER_PID PID_FILE", file=sys.stderr)
        return 2
    # The terminal that closes may hang up on the whole session; this one is its own.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    watch(int(argv[0]), int(argv[1]), Path(argv[2]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
