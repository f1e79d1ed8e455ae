"""``cadence config``, ``cadence server`` and ``cadence sink`` on the command line."""

from __future__ import annotations

import json
import os
import queue
import signal
import smtplib
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from cadence.cli.main import main
from cadence.sink import SmtpSink
from tests.conftest import free_port

CLI = [sys.executable, "-c", "from cadence.cli.main import run; run()"]


def test_config_json_shows_values_sources_and_masks_secrets(capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    Path("cadence.toml").write_text('namespace = "sales"\n')
    monkeypatch.setenv("CADENCE_SERVER_PORT", "7300")
    monkeypatch.setenv("CADENCE_SMTP_PASSWORD", "hunter2")
    assert main(["config", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert data["namespace"] == {"value": "sales", "source": "cadence.toml", "env": "CADENCE_NAMESPACE"}
    assert data["server_port"] == {"value": 7300, "source": "CADENCE_SERVER_PORT", "env": "CADENCE_SERVER_PORT"}
    assert data["smtp_password"]["value"] == "****" and "hunter2" not in out
    assert data["api_key"]["value"] is None
    assert data["outbox_dir"] == {"value": ".cadence/outbox", "source": "default", "env": "CADENCE_OUTBOX"}


def test_config_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "temporal_address" in out and "127.0.0.1:7233" in out and "CADENCE_SMTP_HOST" in out


def test_config_errors_are_one_line_with_exit_code_1(capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_SERVER_PORT", "abc")
    assert main(["config", "--json"]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "error: CADENCE_SERVER_PORT: 'abc' is not a port number\n")
    assert main(["config", "--config", "nope.toml"]) == 1
    assert capsys.readouterr().err == "error: --config: config file 'nope.toml' does not exist\n"


@pytest.mark.parametrize("command", ["server", "config", "sink"])
def test_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert f"Usage: cadence {command}" in out and "Examples:" in out and f"    cadence {command}\n" in out


def test_worker_with_an_unknown_provider_fails_before_connecting(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_VOICEMAIL_PROVIDER", "nope")
    monkeypatch.setenv("CADENCE_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")  # nothing listens there
    assert main(["worker"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: CADENCE_VOICEMAIL_PROVIDER: no voicemail provider named 'nope'; ")
    assert err.count("\n") == 1


def test_worker_keeps_channel_only_settings_from_the_environment(capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from cadence.channels.activities import ChannelActivities

    built: list[ChannelActivities] = []
    real = ChannelActivities.from_settings.__func__  # type: ignore[attr-defined]

    def spy(cls: type[ChannelActivities], settings: object) -> ChannelActivities:
        built.append(real(cls, settings))
        raise ValueError("stop before connecting")

    monkeypatch.setattr(ChannelActivities, "from_settings", classmethod(spy))
    Path("cadence.toml").write_text('smtp_host = "mail.example.com"\nmessage_id_domain = "mail.example.com"\n')
    monkeypatch.setenv("CADENCE_UNSUBSCRIBE_SECRET", "s3cret")
    monkeypatch.setenv("CADENCE_SMTP_TIMEOUT", "7")
    assert main(["worker"]) == 1
    assert capsys.readouterr().err == "error: stop before connecting\n"
    channel = built[0].settings
    assert (channel.unsubscribe_secret, channel.smtp_timeout) == ("s3cret", 7.0)
    assert (channel.smtp_host, channel.message_id_domain) == ("mail.example.com", "mail.example.com")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "--port", "0"]) == 2
    assert "Invalid value for '--port'" in capsys.readouterr().err


def test_server_already_running_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # A server still starting: its launcher (this very process) is alive, the server pid not yet known.
    (tmp_path / ".cadence").mkdir()
    (tmp_path / ".cadence" / "server.pid").write_text(json.dumps(
        {"pid": None, "launcher": os.getpid(), "address": "127.0.0.1:7233", "ui": "http://127.0.0.1:8233"}))
    assert main(["server"]) == 1
    assert capsys.readouterr().err == (f"error: a cadence server is already running (pid {os.getpid()}) "
                                       "at 127.0.0.1:7233; UI at http://127.0.0.1:8233\n")


def test_sink_on_a_busy_port(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    port = free_port()
    with SmtpSink(tmp_path, port=port):
        assert main(["sink", "--port", str(port)]) == 1
    assert capsys.readouterr().err == f"error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[list[subprocess.Popen[str]]]:
    """Command-line processes a test starts; all are ended (by their pid) whatever happens."""
    procs: list[subprocess.Popen[str]] = []
    try:
        yield procs
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def run_cli(spawn: list[subprocess.Popen[str]], *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([*CLI, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))
    spawn.append(proc)
    return proc


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 20.0) -> str:
    """Lines of ``proc``'s stdout up to the one containing ``marker`` (a thread reads: pipes buffer)."""
    lines: queue.Queue[str] = getattr(proc, "lines", None) or queue.Queue()
    if not hasattr(proc, "lines"):
        proc.lines = lines  # type: ignore[attr-defined]
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
    seen = ""
    deadline = time.monotonic() + timeout
    while marker not in seen:
        try:
            seen += lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            raise AssertionError(f"no {marker!r} in time (exit code {proc.poll()}); got {seen!r}") from None
    return seen


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Ctrl-C, then the exit code, the rest of stdout, and stderr."""
    proc.send_signal(signal.SIGINT)
    err = proc.stderr.read()  # type: ignore[union-attr]
    code = proc.wait(15)
    lines: queue.Queue[str] = proc.lines  # type: ignore[attr-defined]
    time.sleep(0.1)
    out = "".join(iter(lambda: lines.get_nowait() if not lines.empty() else "", ""))
    return code, out, err


def test_server_runs_in_the_foreground_until_ctrl_c(spawn: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    port = free_port()
    proc = run_cli(spawn, "server", "--db", ":memory:", "--headless", "--port", str(port))
    banner = read_until(proc, "Ctrl-C to stop.")
    assert f"Temporal server  127.0.0.1:{port}  (database :memory:)" in banner
    assert "Web UI           (headless)" in banner
    assert f"export CADENCE_TEMPORAL_ADDRESS=127.0.0.1:{port}" in banner
    assert json.loads((tmp_path / ".cadence" / "server.pid").read_text())["address"] == f"127.0.0.1:{port}"
    code, out, err = finish(proc)
    assert (code, err) == (0, "")
    assert out.splitlines()[-2:] == ["stopping ...", "stopped"]
    assert not (tmp_path / ".cadence" / "server.pid").exists()


def test_server_that_dies_is_reported(spawn: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    proc = run_cli(spawn, "server", "--db", ":memory:", "--headless", "--port", str(free_port()))
    read_until(proc, "Ctrl-C to stop.")
    os.kill(json.loads((tmp_path / ".cadence" / "server.pid").read_text())["pid"], signal.SIGKILL)
    code = proc.wait(10)
    err = proc.stderr.read()  # type: ignore[union-attr]
    assert code == 1
    assert err.startswith("error: the Temporal server stopped unexpectedly (exit code -9): ")
    assert len(err.splitlines()) == 1


def test_sink_runs_in_the_foreground_until_ctrl_c(spawn: list[subprocess.Popen[str]], tmp_path: Path) -> None:
    port = free_port()
    proc = run_cli(spawn, "sink", "--port", str(port), "--dir", "mail")
    read_until(proc, "Ctrl-C to stop.")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "dana@seller.example", "ada@buyer.example", "Hello"
    msg.set_content("hi")
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
        smtp.send_message(msg)
    assert "dana@seller.example -> ada@buyer.example: Hello" in read_until(proc, "Hello")
    code, out, err = finish(proc)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "stopped; 1 message(s) stored"
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1
