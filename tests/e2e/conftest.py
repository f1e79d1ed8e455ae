"""The end-to-end stack: the dev server binary, a worker subprocess, aiosmtpd, a webhook receiver, the CLI."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from cadence.server import EmbeddedServer
from tests.conftest import Mailbox, Webhook, free_port, free_ports

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from cadence.cli.main import run; run()"]
WORKER_PROCESSES = 2


@dataclass
class Stack:
    """A running stack and the CLI pointed at it."""

    env: dict[str, str]
    mailbox: Mailbox
    tmp: Path
    webhook: Webhook
    gateway_url: str = ""
    """``http://127.0.0.1:PORT`` of ``cadence gateway`` when the stack runs one."""

    def metrics(self) -> list[tuple[str, dict[str, str], float]]:
        """The workers' Prometheus samples now, cadence's own only: ``(name, labels, value)``."""
        import re

        import httpx

        host, _, port = self.env["CADENCE_METRICS_ADDRESS"].rpartition(":")
        text = "\n".join(httpx.get(f"http://{host}:{int(port) + i}/metrics", timeout=5).text
                         for i in range(WORKER_PROCESSES))  # each worker process serves its own port
        samples = []
        for line in text.splitlines():
            if found := re.fullmatch(r"(cadence_\w+)\{(.*)\} (\S+)", line):
                labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', found.group(2)))
                samples.append((found.group(1), labels, float(found.group(3))))
        return samples

    def metric(self, name: str, **labels: str) -> float:
        """The sum of ``name``'s samples whose labels include ``labels``."""
        return sum(v for n, have, v in self.metrics() if n == name and labels.items() <= have.items())

    @property
    def outbox(self) -> Path:
        """The worker's file outbox (handoffs, tasks, letters)."""
        return self.tmp / "state" / "outbox"

    def cli(self, *args: str, ok: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``cadence ARGS`` against the stack (``env``: settings that differ for this run)."""
        proc = subprocess.run([*CLI, *args], env={**self.env, **(env or {})}, cwd=self.tmp, capture_output=True,
                              text=True, timeout=60)
        if ok and proc.returncode != 0:
            raise AssertionError(f"cadence {' '.join(args)} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    def json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json").stdout)

    def poll(self, predicate: Any, *args: str, timeout: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.json(*args)
            if predicate(value):
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting on cadence {' '.join(args)}: {value}")
            time.sleep(0.5)


def _wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"cadence gateway exited: {process.communicate()[0]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError("cadence gateway did not answer /healthz")


@contextlib.contextmanager
def running_stack(tmp: Path, webhook: Webhook | None = None, gateway: bool = False,
                  extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Start the stack in ``tmp`` (with ``cadence gateway`` as a process too, when asked, and ``extra_env``
    for every process); on the way out the worker (and the gateway) must shut down gracefully."""
    server = EmbeddedServer(state_dir=tmp / "state", database=":memory:", port=free_port(), ui_port=None)
    server.start()
    mailbox = Mailbox()
    smtp_port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    hook = webhook or Webhook()
    hook.__enter__()
    env = {
        **os.environ,
        "CADENCE_TEMPORAL_ADDRESS": server.address,
        "CADENCE_SMTP_PORT": str(smtp_port),
        "CADENCE_STATE_DIR": str(tmp / "state"),
        "CADENCE_SENDER": "Nurture <nurture@seller.example>",
        "CADENCE_TASK_QUEUE": "e2e",
        "CADENCE_HANDOFF_WEBHOOK": hook.url,
        # Fewer leads in memory than in flight: leads are evicted and rebuilt from history as they act.
        "CADENCE_WORKER_CACHE": "2",
        "CADENCE_UNSUBSCRIBE_SECRET": "e2e-signing-key",
        "CADENCE_METRICS_ADDRESS": f"127.0.0.1:{free_ports(WORKER_PROCESSES)}",  # one port per worker process
    }
    gateway_port = free_port()
    if gateway:
        env["CADENCE_UNSUBSCRIBE_URL"] = f"http://127.0.0.1:{gateway_port}/unsubscribe"
        env["CADENCE_PUBLIC_URL"] = f"http://127.0.0.1:{gateway_port}"
    env.update(extra_env or {})
    # Two worker processes under one supervisor, as `cadence worker` runs on a 2-core machine.
    worker = subprocess.Popen([sys.executable, str(ROOT / "worker.py"), "--processes", str(WORKER_PROCESSES)],
                              env=env, cwd=tmp,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    gateway_env = {**env, "CADENCE_METRICS_ADDRESS": f"127.0.0.1:{free_port()}"}  # its own /metrics
    served = subprocess.Popen([*CLI, "gateway", "--port", str(gateway_port), "--smtp-port", str(free_port())],
                              env=gateway_env, cwd=tmp,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) if gateway else None
    try:
        stack = Stack(env, mailbox, tmp, hook, f"http://127.0.0.1:{gateway_port}" if gateway else "")
        if served is not None:
            _wait_healthy(stack.gateway_url, served)
        yield stack
    finally:
        if served is not None:
            served.send_signal(signal.SIGTERM)
            gateway_output, _ = served.communicate(timeout=30)
            assert served.returncode == 0 and "gateway stopped" in gateway_output, gateway_output
        worker.send_signal(signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        hook.__exit__()
        controller.stop()
        server.stop()
        assert worker.returncode == 0, output  # a graceful shutdown
        assert "keeping up to 2 leads in memory" in output
