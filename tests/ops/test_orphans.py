"""`cadence dev` and `cadence server` leave nothing running, however they end (issue #16)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from cadence.config import load_settings
from cadence.server import EmbeddedServer, port_in_use
from cadence.server_watchdog import STOP_SECONDS, alive
from tests.conftest import BIN, free_port

CADENCE = str(Path(BIN) / "cadence")


class Launched:
    """A `cadence` command in its own process, its output collected line by line."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env = {k: v for k, v in env.items() if not k.startswith("CADENCE_")}
        self.proc = subprocess.Popen([CADENCE, *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"never printed {text!r}: {self.lines}")
            time.sleep(0.05)


@pytest.fixture
def launched() -> Iterator[list[Launched]]:
    runs: list[Launched] = []
    yield runs
    for run in runs:
        if run.proc.poll() is None:
            run.proc.send_signal(signal.SIGINT)
            try:
                run.proc.wait(30)
            except subprocess.TimeoutExpired:
                run.proc.kill()


def _watchdogs(server_pid: int) -> list[str]:
    """The command lines of running watchdogs of ``server_pid`` (what a failure should say)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"cadence.server_watchdog" in argv and str(server_pid).encode() in argv:
            found.append(" ".join(a.decode(errors="replace") for a in argv if a))
    return found


def _within(seconds: float, done: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_killed_cadence_dev_takes_its_server_along_and_the_next_dev_starts(tmp_path: Path,
                                                                             launched: list[Launched]) -> None:
    port, smtp_port = free_port(), free_port()
    gateway_port = free_port()
    args = ["dev", "--db", "temporal.db", "--headless", "--port", str(port), "--smtp-port", str(smtp_port),
            "--gateway-port", str(gateway_port), "--gateway-smtp-port", str(free_port())]
    first = Launched(args, tmp_path)
    launched.append(first)
    first.wait_for("Ctrl-C to stop.")
    assert any(line.startswith(f"Gateway          http://127.0.0.1:{gateway_port} (unsubscribe links; inbound mail on ")
               for line in first.lines), first.lines
    assert httpx.get(f"http://127.0.0.1:{gateway_port}/healthz").json() == {"ok": True}
    server_pid = json.loads((tmp_path / ".cadence" / "server.pid").read_text())["pid"]
    assert alive(server_pid)

    first.proc.kill()  # SIGKILL: no handler, no atexit, no finally
    first.proc.wait()
    # The watchdog gives the server STOP_SECONDS to stop before it kills it; the rest is room for a loaded box
    # (15 s in all was once too little in CI).
    assert _within(STOP_SECONDS + 15.0, lambda: not alive(server_pid)), (
        f"the Temporal server outlived its launcher; its watchdog {_watchdogs(server_pid) or 'was gone'}")
    assert _within(5.0, lambda: not (tmp_path / ".cadence" / "server.pid").exists())
    assert not port_in_use("127.0.0.1", port) and not port_in_use("127.0.0.1", gateway_port)

    second = Launched(args, tmp_path)
    launched.append(second)
    second.wait_for("Ctrl-C to stop.")
    assert not any("already running" in line for line in second.lines)
    second.proc.send_signal(signal.SIGINT)
    assert second.proc.wait(30) == 0


def test_a_start_stops_a_stale_server_whose_launcher_and_watchdog_are_gone(tmp_path: Path) -> None:
    state = tmp_path / ".cadence"
    state.mkdir()
    port = free_port()
    old = EmbeddedServer(state_dir=state, database=":memory:", port=port, ui_port=None)
    # What an older cadence (no watchdog), killed with SIGKILL, left behind: a server and its record.
    orphan = subprocess.Popen(old.command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        (state / "server.pid").write_text(json.dumps({"pid": orphan.pid, "launcher": int(gone.stdout),
                                                      "address": f"127.0.0.1:{port}", "ui": None,
                                                      "database": ":memory:"}))
        deadline = time.monotonic() + 30
        while not port_in_use("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.05)

        new = EmbeddedServer(state_dir=state, database=":memory:", port=port, ui_port=None)
        try:
            new.start()
            assert orphan.poll() is not None
            assert new.notes == [f"stopped a stale cadence server (pid {orphan.pid}) whose launcher "
                                 f"(pid {int(gone.stdout)}) had died"]
            assert json.loads((state / "server.pid").read_text())["pid"] == new.process.pid  # type: ignore[union-attr]
        finally:
            new.stop()
        assert new.watchdog is None and not (state / "server.pid").exists()
    finally:
        if orphan.poll() is None:
            orphan.kill()
        orphan.wait()


def test_commands_find_the_server_this_state_directory_runs(tmp_path: Path) -> None:
    state = tmp_path / ".cadence"
    srv = EmbeddedServer(state_dir=state, database=":memory:", port=free_port(), ui_port=None)
    environ = {"CADENCE_STATE_DIR": str(state)}
    assert load_settings(environ=environ).temporal_address == "127.0.0.1:7233"
    srv.start()
    try:
        settings = load_settings(environ=environ)
        assert settings.temporal_address == srv.address
        assert settings.sources["temporal_address"] == f"{state / 'server.pid'} (the running cadence server)"
        told = load_settings(environ={**environ, "CADENCE_TEMPORAL_ADDRESS": "temporal.internal:7233"})
        assert told.temporal_address == "temporal.internal:7233"  # a configured address always wins
    finally:
        srv.stop()
    assert load_settings(environ=environ).temporal_address == "127.0.0.1:7233"
