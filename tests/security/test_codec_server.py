"""``cadence codec-server`` over HTTP: the Temporal UI's remote codec protocol and its CORS."""

from __future__ import annotations

import base64
import http.client
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter

from cadence.codec import ENCODING, EncryptionCodec, KeyRing
from cadence.codec_server import CodecServerOptions, make_codec_server
from cadence.cli.main import main

from .conftest import KEY_1, b64

UI = "http://127.0.0.1:8233"


@pytest.fixture
def server(codec: EncryptionCodec) -> Iterator[Any]:
    srv = make_codec_server(codec, CodecServerOptions(port=0, quiet=True, namespace="default"))
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def call(srv: Any, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=10)
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    hdrs = {"Content-Type": "application/json", "X-Namespace": "default", "Origin": UI, **(headers or {})}
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    out = resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    conn.close()
    return out


def as_json(payloads: list[Payload]) -> dict[str, Any]:
    return {"payloads": [json_format.MessageToDict(p) for p in payloads]}


def from_json(body: bytes) -> list[Payload]:
    out = []
    for item in json.loads(body)["payloads"]:
        p = Payload()
        json_format.ParseDict(item, p)
        out.append(p)
    return out


async def test_encode_then_decode_round_trips_as_the_ui_sends_it(server: Any, codec: EncryptionCodec) -> None:
    plain = await DataConverter.default.encode([{"email": "zelda@privatebuyer.example"}, "Zelda"])
    status, headers, body = call(server, "POST", "/encode", as_json(plain))
    assert status == 200, body
    assert headers["access-control-allow-origin"] == UI
    assert headers["content-type"] == "application/json"
    assert headers["cache-control"] == "no-store"
    assert b"zelda" not in body.lower()
    encoded = from_json(body)
    # proto3 JSON: metadata values are base64, as the UI sends and expects them.
    assert json.loads(body)["payloads"][0]["metadata"]["encoding"] == base64.b64encode(ENCODING).decode()
    assert all(p.metadata["encoding"] == ENCODING for p in encoded)
    assert await codec.decode(encoded) == plain  # what the workers can read

    status, _, body = call(server, "POST", "/decode", as_json(encoded))
    assert status == 200, body
    assert from_json(body) == plain
    # The CLI's templated endpoint form: /{namespace}/decode.
    status, _, body = call(server, "POST", "/default/decode", as_json(encoded), headers={"X-Namespace": ""})
    assert status == 200 and from_json(body) == plain
    status, _, body = call(server, "POST", "/decode", {"payloads": []})
    assert status == 200 and json.loads(body) == {"payloads": []}


def test_cors_preflight_allows_the_ui_origin_and_its_headers(server: Any) -> None:
    status, headers, _ = call(server, "OPTIONS", "/decode", headers={
        "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-namespace"})
    assert status == 204
    assert headers["access-control-allow-origin"] == UI
    assert headers["access-control-allow-credentials"] == "true"
    assert set(headers["access-control-allow-methods"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}
    allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "x-namespace", "authorization"} <= allowed
    assert headers["vary"] == "Origin"


def test_foreign_origins_hosts_namespaces_and_bad_requests_are_refused(server: Any) -> None:
    status, headers, body = call(server, "OPTIONS", "/decode", headers={"Origin": "https://evil.example"})
    assert status == 403 and "access-control-allow-origin" not in headers
    status, headers, body = call(server, "POST", "/decode", {"payloads": []}, headers={"Origin": "https://evil.example"})
    assert status == 403 and b"origin https://evil.example is not allowed" in body
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    status, _, body = call(server, "POST", "/decode", {"payloads": []}, headers={"Host": "evil.example:8081"})
    assert status == 403 and b"is not this loopback server" in body
    status, _, body = call(server, "POST", "/decode", {"payloads": []}, headers={"X-Namespace": "other"})
    assert status == 403 and b"namespace 'other' is not served" in body
    status, _, body = call(server, "POST", "/decode", b"{not json")
    assert status == 400 and b"proto JSON" in body
    status, _, _ = call(server, "GET", "/decode")
    assert status == 405
    status, _, _ = call(server, "POST", "/steal", {"payloads": []})
    assert status == 404


async def test_decoding_with_an_unknown_key_is_a_400_naming_the_key(server: Any) -> None:
    other = EncryptionCodec(KeyRing((("k9", KEY_1),)))
    foreign = await other.encode(await DataConverter.default.encode(["x"]))
    status, _, body = call(server, "POST", "/decode", as_json(foreign))
    assert status == 400 and b"key 'k9', which is not in CADENCE_CODEC_KEYS" in body


def test_the_command_needs_keys_and_says_so(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CADENCE_CODEC_KEYS", raising=False)
    assert main(["codec-server", "--port", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: CADENCE_CODEC_KEYS is not set") and "Traceback" not in err
    monkeypatch.setenv("CADENCE_CODEC_KEYS", "k1:c2hvcnQ=")
    assert main(["codec-server"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: CADENCE_CODEC_KEYS: key 'k1' is 5 bytes; AES-GCM needs 16, 24 or 32 (use 32)"
    monkeypatch.setenv("CADENCE_CODEC_KEYS", f"k1:{b64(KEY_1)}")
    assert main(["codec-server", "--help"]) == 0
    assert "--ui-origin" in capsys.readouterr().out
