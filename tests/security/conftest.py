"""Fixtures for the security tests: keys, a codec, an SMTP sink."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from cadence.codec import EncryptionCodec, KeyRing
from tests.conftest import free_port

KEY_1 = bytes(range(32))
KEY_2 = bytes(range(100, 132))


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


@pytest.fixture
def ring() -> KeyRing:
    return KeyRing((("k2", KEY_2), ("k1", KEY_1)))


@pytest.fixture
def codec(ring: KeyRing) -> EncryptionCodec:
    return EncryptionCodec(ring)


class Sink:
    """Accepts every message and keeps it."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()
