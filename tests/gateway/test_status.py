"""``GET /status`` and ``cadence gateway --status``: where the gateway listens, whether Temporal answers, what it
took since it started and how much waits in the quarantine; exit 1 in one line when it is down or unhealthy."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import aiosmtplib
import httpx
import pytest

from cadence.channels.ids import message_id_for
from cadence.cli.main import main
from cadence.connect import NoServerError
from cadence.gateway.app import Gateway, GatewayOptions
from cadence.gateway.leads import LeadPort
from cadence.gateway.serve import running
from tests.conftest import free_port

TOKEN = "status-test-token"
STRANGER = (b"From: someone@elsewhere.example\r\nTo: nurture@seller.example\r\nSubject: Hello\r\n"
            b"Message-ID: <stranger-1@elsewhere.example>\r\n\r\nWho are you?\r\n")


async def _down() -> object:
    raise NoServerError("no Temporal server reachable at 127.0.0.1:1 (start one with `cadence server` or "
                        "`cadence dev`)")


async def _cli(*args: str) -> int:
    return await asyncio.to_thread(main, ["gateway", *args])


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No config file, no inbound token but the test's."""
    monkeypatch.chdir(tmp_path)
    for name in ("CADENCE_CONFIG", "CADENCE_INBOUND_TOKEN", "CADENCE_GATEWAY_PORT"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


async def test_status_while_temporal_is_down_counts_and_exits_1(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gateway = Gateway(GatewayOptions(quarantine_dir=cwd / "quarantine"), LeadPort(_down))
    smtp_port = free_port()
    async with running(gateway, port=0, smtp_port=smtp_port) as url, httpx.AsyncClient(base_url=url) as http:
        await aiosmtplib.send(STRANGER, sender="x@elsewhere.example", recipients=["n@seller.example"],
                              hostname="127.0.0.1", port=smtp_port)
        reply = STRANGER.replace(b"Subject: Hello", b"In-Reply-To: " + message_id_for("lead-L-1", "one", 0).encode())
        with pytest.raises(aiosmtplib.SMTPDataError):  # a lead's reply while Temporal is down: 451, try later
            await aiosmtplib.send(reply, sender="x@elsewhere.example", recipients=["n@seller.example"],
                                  hostname="127.0.0.1", port=smtp_port)
        answer = await http.get("/status")
        assert answer.status_code == 503
        state = answer.json()
        assert state["ok"] is False and state["listening"] == [url, f"smtp://127.0.0.1:{smtp_port}"]
        assert state["temporal"]["reachable"] is False and "no Temporal server reachable" in state["temporal"]["detail"]
        assert state["events"] == {"delivered": 0, "ignored": 0, "quarantined": 1, "refused": 1}
        assert state["quarantine"] == {"items": 1, "directory": str(cwd / "quarantine")}
        port = url.rsplit(":", 1)[1]
        code = await _cli("--status", "--port", port)
    out, err = capsys.readouterr()
    assert code == 1
    assert out.splitlines() == [
        f"gateway {url}: UNHEALTHY (since {state['since']})",
        f"listening: {url}, smtp://127.0.0.1:{smtp_port}",
        f"temporal: UNREACHABLE ({state['temporal']['detail']})",
        "events since start: 0 delivered to leads, 0 ignored, 1 quarantined, 1 refused",
        f"quarantine: 1 items in {cwd / 'quarantine'}",
    ]
    assert err.startswith(f"error: the gateway at {url} is unhealthy: Temporal is unreachable (")
    assert err.count("\n") == 1


async def test_status_of_a_healthy_gateway_and_its_token(cwd: Path, ts_env: Any, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    async def connect() -> Any:
        return ts_env.client

    gateway = Gateway(GatewayOptions(quarantine_dir=cwd / "quarantine", inbound_token=TOKEN), LeadPort(connect))
    async with running(gateway, port=0) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.get("/status")).status_code == 401  # a token is set: loopback is not enough
        wrong = await http.get("/status", headers={"Authorization": "Bearer guess"})
        assert (wrong.status_code, wrong.text) == (401, "missing or wrong bearer token (CADENCE_INBOUND_TOKEN)\n")
        answer = await http.get("/status", headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 200 and answer.json()["temporal"] == {
            "reachable": True, "detail": ts_env.client.service_client.config.target_host}
        port = url.rsplit(":", 1)[1]
        assert await _cli("--status", "--port", port) == 1  # without the token
        assert capsys.readouterr().err == (f"error: the gateway at {url} refused: missing or wrong bearer token "
                                           "(CADENCE_INBOUND_TOKEN)\n")
        monkeypatch.setenv("CADENCE_INBOUND_TOKEN", TOKEN)
        assert await _cli("--status", "--port", port) == 0
    out = capsys.readouterr().out
    assert re.match(rf"gateway {re.escape(url)}: healthy \(since \d{{4}}-\d\d-\d\dT[\d:.]+Z\)\n", out), out
    assert "temporal: reachable (127.0.0.1:" in out and "events since start: 0 delivered" in out


async def test_no_gateway_running_is_one_line_and_exit_1(cwd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert await _cli("--status", "--port", str(port)) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert re.fullmatch(rf"error: no gateway answers at http://127\.0\.0\.1:{port} \(.+\); start one with "
                        r"`cadence gateway`, or name its address with --host/--port\n", err), err


async def test_status_without_a_token_answers_loopback_only(cwd: Path) -> None:
    from cadence.gateway.app import build_app

    gateway = Gateway(GatewayOptions(quarantine_dir=cwd / "quarantine"), LeadPort(_down))
    transport = httpx.ASGITransport(build_app(gateway), client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.example") as remote:
        refused = await remote.get("/status")
    assert (refused.status_code, refused.text) == (
        403, "GET /status answers loopback clients only; set CADENCE_INBOUND_TOKEN to ask from elsewhere\n")
