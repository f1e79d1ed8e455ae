"""connect(): fails fast with one line when no server answers."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from cadence.config import Settings
from cadence.connect import NoServerError, connect, tls_config
from tests.conftest import free_port


async def test_closed_port_is_reported_fast_in_one_line() -> None:
    address = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(NoServerError) as exc:
        await connect(Settings(temporal_address=address))
    assert time.monotonic() - started < 3
    assert str(exc.value) == (f"no Temporal server reachable at {address} "
                              "(start one with `cadence server` or `cadence dev`)")


async def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # the kernel accepts the TCP handshake; nobody ever speaks
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(NoServerError) as exc:
            await connect(Settings(temporal_address=address), timeout=0.5)
        assert time.monotonic() - started < 4
    assert str(exc.value).startswith(f"no Temporal server reachable at {address} ")


def test_tls_follows_the_settings(tmp_path: Path) -> None:
    assert tls_config(Settings()) is None  # the SDK turns TLS on by itself when an API key is set
    assert tls_config(Settings(tls=True)) is True
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"CA")
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_bytes(b"CERT")
    key.write_bytes(b"KEY")
    got = tls_config(Settings(tls_ca=ca, tls_cert=cert, tls_key=key))
    assert isinstance(got, TLSConfig)
    assert (got.server_root_ca_cert, got.client_cert, got.client_private_key) == (b"CA", b"CERT", b"KEY")
