"""Inbound mail at the gateway's doors when nothing matches or Temporal is down: nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path

import aiosmtplib
import httpx
import pytest

from cadence.channels.ids import message_id_for
from cadence.connect import NoServerError
from cadence.gateway.app import Gateway, GatewayOptions
from cadence.gateway.leads import LeadPort
from cadence.gateway.serve import running
from tests.conftest import free_port

TOKEN = "inbound-test-token"
STRANGER = (b"From: someone@elsewhere.example\r\nTo: nurture@seller.example\r\nSubject: Hello\r\n"
            b"Message-ID: <stranger-1@elsewhere.example>\r\n\r\nWho are you?\r\n")


def _reply_to_a_lead() -> bytes:
    return (b"From: pat@buyer.example\r\nTo: nurture@seller.example\r\nSubject: Re: hello\r\n"
            b"Message-ID: <r-1@buyer.example>\r\nIn-Reply-To: " + message_id_for("lead-L-1", "one", 0).encode()
            + b"\r\n\r\nYes please.\r\n")


async def _down() -> object:
    raise NoServerError("no Temporal server reachable at 127.0.0.1:1 (start one with `cadence server` or `cadence dev`)")


def _gateway(tmp_path: Path) -> Gateway:
    return Gateway(GatewayOptions(quarantine_dir=tmp_path / "quarantine", inbound_token=TOKEN), LeadPort(_down))


async def test_unmatched_and_unreadable_mail_is_quarantined_once_and_acknowledged(tmp_path: Path) -> None:
    port = free_port()
    async with running(_gateway(tmp_path), port=0, smtp_port=port):
        for raw in (STRANGER, STRANGER, b"\x00\x01 not mail at all"):
            _errors, answer = await aiosmtplib.send(raw, sender="x@elsewhere.example", recipients=["n@seller.example"],
                                                    hostname="127.0.0.1", port=port)
            assert answer == "2.0.0 taken"
    index = [json.loads(line) for line in (tmp_path / "quarantine" / "index.jsonl").read_text().splitlines()]
    assert [(r["source"], r["reason"]) for r in index] == [
        ("smtp", "no lead matches (no cadence Message-ID or token in it)"),
        ("smtp", "not a message cadence can read: no header fields: not an RFC 5322 message"),
    ]
    kept = sorted(p.name for p in (tmp_path / "quarantine").glob("*.eml"))
    assert len(kept) == 2 and (tmp_path / "quarantine" / index[0]["file"]).read_bytes() == STRANGER


async def test_while_temporal_is_down_smtp_says_try_later_and_http_says_503(tmp_path: Path) -> None:
    port = free_port()
    async with running(_gateway(tmp_path), port=0, smtp_port=port) as url:
        with pytest.raises(aiosmtplib.SMTPDataError) as refused:
            await aiosmtplib.send(_reply_to_a_lead(), sender="pat@buyer.example", recipients=["n@seller.example"],
                                  hostname="127.0.0.1", port=port)
        assert refused.value.code == 451
        async with httpx.AsyncClient(base_url=url) as http:
            down = await http.post("/inbound/mime", content=_reply_to_a_lead(),
                                   headers={"Authorization": f"Bearer {TOKEN}"})
            assert (down.status_code, down.headers["retry-after"]) == (503, "30")
    assert not (tmp_path / "quarantine" / "index.jsonl").exists()  # refused, not quarantined: the sender retries


async def test_the_http_door_wants_its_token_and_a_bounded_body(tmp_path: Path) -> None:
    async with running(_gateway(tmp_path), port=0) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.post("/inbound/mime", content=STRANGER)).status_code == 401
        wrong = await http.post("/inbound/mime", content=STRANGER, headers={"Authorization": "Bearer nope"})
        assert (wrong.status_code, wrong.text) == (401, "missing or wrong bearer token\n")
        big = await http.post("/inbound/mime", content=b"x" * (10 * 1024 * 1024 + 1),
                              headers={"Authorization": f"Bearer {TOKEN}"})
        assert (big.status_code, big.text) == (413, "message too large\n")
        kept = await http.post("/inbound/mime", content=STRANGER, headers={"Authorization": f"Bearer {TOKEN}"})
        assert kept.json() == {"outcome": "quarantined", "lead_id": None, "kind": None,
                               "detail": "no lead matches (no cadence Message-ID or token in it)"}
    off = Gateway(GatewayOptions(quarantine_dir=tmp_path / "q2"), LeadPort(_down))
    async with running(off, port=0) as url, httpx.AsyncClient(base_url=url) as http:
        closed = await http.post("/inbound/mime", content=STRANGER, headers={"Authorization": f"Bearer {TOKEN}"})
        assert (closed.status_code, closed.text) == (404, "inbound HTTP is off: set CADENCE_INBOUND_TOKEN\n")


async def test_the_gateway_counts_what_it_took_on_its_metrics_endpoint(tmp_path: Path) -> None:
    from cadence.metrics import prometheus_runtime

    address = f"127.0.0.1:{free_port()}"
    runtime = prometheus_runtime(address)
    gateway = Gateway(GatewayOptions(quarantine_dir=tmp_path / "quarantine"), LeadPort(_down),
                      meter=runtime.metric_meter)
    port = free_port()
    async with running(gateway, port=0, smtp_port=port):
        for _ in range(2):
            await aiosmtplib.send(STRANGER, sender="x@elsewhere.example", recipients=["n@seller.example"],
                                  hostname="127.0.0.1", port=port)
    text = httpx.get(f"http://{address}/metrics").text
    [line] = [line for line in text.splitlines() if line.startswith("cadence_inbound_messages_total{")]
    assert 'outcome="quarantined"' in line and 'source="smtp"' in line and line.endswith(" 2")
