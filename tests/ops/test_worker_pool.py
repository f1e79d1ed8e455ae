"""`cadence worker --processes N`: one supervisor, N worker processes, none outliving it (issue #17)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cadence.server import EmbeddedServer
from cadence.server_watchdog import alive
from cadence.visibility import SEARCH_ATTRIBUTES
from cadence.worker_pool import child_metrics_address
from tests.conftest import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
CLI = [sys.executable, "-c", "from cadence.cli.main import run; run()"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    srv = EmbeddedServer(state_dir=tmp_path_factory.mktemp("pool"), database=":memory:", port=free_port(), ui_port=None)
    srv.start()
    yield srv
    srv.stop()


class Supervisor:
    def __init__(self, args: list[str], tmp: Path, address: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
        env.update(CADENCE_TEMPORAL_ADDRESS=address, CADENCE_STATE_DIR=str(tmp), PYTHONUNBUFFERED="1",
                   CADENCE_TASK_QUEUE=f"pool-{time.monotonic_ns()}")
        self.proc = subprocess.Popen([*CLI, "worker", *args], env=env, cwd=tmp, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(line.rstrip() for line in self.proc.stdout), daemon=True).start()

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def wait_for(self, text: str, times: int = 1, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count(text) < times:
            assert time.monotonic() < deadline, self.lines
            time.sleep(0.05)

    def children(self) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid and fields[0] != "Z":
                found.append(int(stat.parent.name))
        return sorted(found)


def _within(seconds: float, check) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_dead_child_is_restarted_and_sigterm_stops_them_all(server: EmbeddedServer, tmp_path: Path) -> None:
    pool = Supervisor(["--processes", "2"], tmp_path, server.address)
    try:
        pool.wait_for("keeping up to 1000 leads in memory", times=2)
        assert any(line.startswith("supervising 2 worker processes on task queue pool-") for line in pool.lines)
        first, second = pool.children()
        os.kill(first, signal.SIGKILL)
        pool.wait_for(f"worker process 1 (pid {first}) exited with code -9; restarting it")
        pool.wait_for("keeping up to 1000 leads in memory", times=3)
        children = pool.children()
        assert len(children) == 2 and second in children and first not in children
        pool.proc.send_signal(signal.SIGTERM)
        assert pool.proc.wait(40) == 0
        assert pool.lines[-1] == "worker stopped" and pool.count("worker stopped") >= 3
        assert not any(alive(pid) for pid in children)
    finally:
        pool.proc.kill()


def test_children_do_not_outlive_a_killed_supervisor(server: EmbeddedServer, tmp_path: Path) -> None:
    pool = Supervisor(["--processes", "2"], tmp_path, server.address)
    pool.wait_for("keeping up to 1000 leads in memory", times=2)
    children = pool.children()
    pool.proc.kill()
    pool.proc.wait()
    assert _within(5.0, lambda: not any(alive(pid) for pid in children))


def test_a_crash_loop_stops_the_pool_with_one_line(tmp_path: Path) -> None:
    pool = Supervisor(["--processes", "2"], tmp_path, f"127.0.0.1:{free_port()}")  # nothing listens there
    assert pool.proc.wait(60) == 1
    assert any(re.fullmatch(r"worker process [12] keeps exiting at once \(code 1\); stopping all", line)
               for line in pool.lines), pool.lines
    assert pool.lines[-1] == "error: worker processes kept failing; see their output above"


def test_each_child_serves_its_own_metrics_port() -> None:
    assert child_metrics_address("0.0.0.0:9464", 0) == "0.0.0.0:9464"
    assert child_metrics_address("0.0.0.0:9464", 3) == "0.0.0.0:9467"
    assert child_metrics_address(None, 1) is None


def test_worker_check_says_what_is_there_and_what_is_missing(server: EmbeddedServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CADENCE_")}
    env.update(CADENCE_TEMPORAL_ADDRESS=server.address, CADENCE_STATE_DIR=str(tmp_path))
    ready = subprocess.run([*CLI, "worker", "--check"], env=env, capture_output=True, text=True, timeout=60)
    assert ready.returncode == 0, ready.stdout + ready.stderr
    assert ready.stdout.splitlines()[:3] == [f"ok    server: {server.address} answers", "ok    namespace: default exists",
                                             f"ok    search attributes: all {len(SEARCH_ATTRIBUTES)} registered"]
    assert re.fullmatch(r"ok    task queue: cadence: \d+ worker\(s\) polling now", ready.stdout.splitlines()[3])
    missing = subprocess.run([*CLI, "worker", "--check", "--namespace", "sales"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert missing.returncode == 1
    assert missing.stdout.splitlines()[1].startswith("MISSING namespace: sales: ")
    assert missing.stdout.splitlines()[1].endswith(" -> create it (temporal operator namespace create) or set "
                                                   "CADENCE_NAMESPACE")
    nowhere = subprocess.run([*CLI, "worker", "--check", "--address", f"127.0.0.1:{free_port()}"], env=env,
                             capture_output=True, text=True, timeout=60)
    assert nowhere.returncode == 1 and nowhere.stdout.startswith("MISSING server: no Temporal server reachable at ")
