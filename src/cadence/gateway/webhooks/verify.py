"""What every signed door checks before it reads a request: size, credential or signature, freshness, replay.

Each check raises :class:`Refused` with the HTTP status and a one-line reason;
nothing is parsed, matched or changed before the request proved where it came
from. Comparisons of secrets and signatures are constant-time
(:func:`hmac.compare_digest`). Reasons never echo a secret or a signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key
from starlette.requests import Request

TOLERANCE_SECONDS = 300
"""A signed timestamp further than this from the gateway's clock (5 minutes) is refused: a replay, or a
clock to fix."""
MAX_BODY = 5 * 1024 * 1024
"""Largest webhook body read (SendGrid batches up to about a thousand events); larger ones get 413."""


class Refused(Exception):
    """A request refused before anything changed.

    Args:
        status: the HTTP status (401 no credential, 403 a wrong one or a stale or replayed request,
            400 malformed, 404 the door is off, 413 too large).
        reason: one line for the sender, without secrets.
    """

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body, read up to ``limit`` bytes.

    Raises:
        Refused: 413 when the body is larger (the declared length is checked before reading).
    """
    declared = request.headers.get("content-length") or "0"
    if not declared.isdigit() or int(declared) > limit:
        raise Refused(413, "request body too large" if declared.isdigit() else "bad Content-Length")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise Refused(413, "request body too large")
    return bytes(body)


def same(given: str | bytes, expected: str | bytes) -> bool:
    """Whether two secrets or signatures are equal, in time that does not depend on where they differ."""
    a = given.encode() if isinstance(given, str) else given
    b = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(a, b)


def hmac_hex(key: str, message: bytes) -> str:
    """Hex HMAC-SHA256 of ``message`` with ``key``."""
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def fresh(timestamp: str, *, now: float | None = None, tolerance: int = TOLERANCE_SECONDS) -> int:
    """The signed Unix ``timestamp`` (seconds) when it is within ``tolerance`` of now.

    Raises:
        Refused: 401 when it is missing or not a number, 403 when it is too old (or too far ahead).
    """
    text = timestamp.strip()
    if not text:
        raise Refused(401, "missing signature timestamp")
    try:
        value = int(float(text)) if len(text) <= 20 else None
    except (ValueError, OverflowError):  # "nan", "inf"
        value = None
    if value is None:
        raise Refused(401, "signature timestamp is not a Unix time")
    current = time.time() if now is None else now
    if abs(current - value) > tolerance:
        raise Refused(403, f"signature timestamp is more than {tolerance // 60} minutes from now (a replay, "
                           "or a clock to fix)")
    return value


def basic_auth_ok(header: str, credential: str) -> bool:
    """Whether an ``Authorization: Basic ...`` header carries ``credential`` (``user:password``)."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic" or len(encoded) > 1024:
        return False
    try:
        given = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return same(given, credential.encode())


@lru_cache(maxsize=8)
def public_key(text: str) -> ec.EllipticCurvePublicKey:
    """An ECDSA public key from base64 DER (as SendGrid shows it) or PEM.

    Raises:
        ValueError: not such a key.
    """
    try:
        key = (load_pem_public_key(text.strip().encode()) if text.strip().startswith("-----")
               else load_der_public_key(base64.b64decode("".join(text.split()), validate=True)))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError("not an ECDSA public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("not an ECDSA public key")
    return key


def ecdsa_ok(key: ec.EllipticCurvePublicKey, message: bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` (base64 DER, ECDSA with SHA-256) signs ``message`` under ``key``."""
    if len(signature_b64) > 512:
        return False
    try:
        key.verify(base64.b64decode(signature_b64.strip(), validate=True), message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


class ReplayGuard:
    """One-time values (Mailgun's tokens) seen within the freshness window, so a captured request cannot be sent
    again while its timestamp is still fresh. Per process: behind a load balancer a replay that reaches
    another gateway still adds nothing, because every event carries its provider's id.

    Args:
        window: seconds a value is remembered (the freshness tolerance).
        limit: most values kept (the oldest are forgotten first).
    """

    def __init__(self, window: int = TOLERANCE_SECONDS, limit: int = 100_000) -> None:
        self.window = window
        self.limit = limit
        self._seen: OrderedDict[str, float] = OrderedDict()

    def seen(self, value: str, now: float | None = None) -> bool:
        """Whether ``value`` was :meth:`remember`-ed within the window."""
        self._forget(time.time() if now is None else now)
        return value in self._seen

    def remember(self, value: str, now: float | None = None) -> None:
        """Keep ``value`` for the window (call it once the request was taken: a retry after a refusal is no replay)."""
        current = time.time() if now is None else now
        self._forget(current)
        self._seen[value] = current + self.window
        self._seen.move_to_end(value)
        while len(self._seen) > self.limit:
            self._seen.popitem(last=False)

    def _forget(self, now: float) -> None:
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)


def json_body(body: bytes) -> Any:
    """``body`` as JSON.

    Raises:
        Refused: 400 with the parser's complaint on one line.
    """
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise Refused(400, f"not JSON: {reason}") from None


def text(value: Any, limit: int = 500) -> str:
    """A JSON value as one bounded line of text (``""`` for missing values and containers)."""
    if value is None or isinstance(value, (dict, list)):
        return ""
    return " ".join(str(value).split())[:limit]


__all__ = ["MAX_BODY", "TOLERANCE_SECONDS", "Refused", "ReplayGuard", "basic_auth_ok", "ecdsa_ok", "fresh",
           "hmac_hex", "json_body", "public_key", "read_body", "same", "text"]
