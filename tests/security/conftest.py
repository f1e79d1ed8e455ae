"""Fixtures for the security tests: keys, a codec, an SMTP sink."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from cadence.codec import EncryptionCodec, KeyRing
from tests.conftest import Mailbox, SmtpServer

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


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """The shared SMTP rig, keeping every message."""
    with SmtpServer() as server:
        yield server.handler, server.port
