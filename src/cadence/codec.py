"""Encryption of every Temporal payload: lead data never reaches the server in clear.

A :class:`EncryptionCodec` is a ``temporalio`` payload codec: the client and the
worker run each payload (workflow input and result, activity input and result,
signal, update and query arguments and results, memo, user metadata such as
summaries and details, failure messages with :func:`data_converter`) through it
before anything leaves the process, and back after it returns. Search
attributes and headers are not encoded by Temporal, which is why cadence keeps
personal data out of them.

Keys come from ``CADENCE_CODEC_KEYS`` only (never a config file)::

    CADENCE_CODEC_KEYS="k2:<base64 of 32 bytes>,k1:<base64 of 32 bytes>"

The first key encrypts; every key listed decrypts, so a key is rotated by putting
a new one first and keeping the old ones until no open history uses them. Each
payload records its key id in its metadata. Payloads that are not encrypted
(written before the codec was turned on) are passed through unchanged on decode.

Cipher: AES-GCM (``cryptography``), a random 96-bit nonce per payload, the key id
and a format tag authenticated as associated data: a changed byte, a swapped key
id or a truncated payload fails to decrypt instead of yielding wrong data.

The HTTP server that lets the Temporal Web UI decrypt for operators is
:mod:`cadence.codec_server`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from cadence.errors import Refusal

KEYS_ENV = "CADENCE_CODEC_KEYS"
"""Environment variable holding ``id:base64key`` pairs, comma separated, encrypting key first."""

ENCODING = b"binary/encrypted"
"""``encoding`` metadata of an encrypted payload (the value Temporal's samples and tools expect)."""

KEY_ID_METADATA = "encryption-key-id"
"""Metadata entry naming the key a payload was encrypted with."""

KEY_SIZES = (16, 24, 32)
"""AES key lengths in bytes; 32 (AES-256) is what :func:`new_key` makes and the docs recommend."""

_NONCE_SIZE = 12
_TAG_SIZE = 16
_AAD_PREFIX = b"cadence-codec-v1:"
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class CodecError(Exception):
    """A payload cannot be decrypted (unknown key, tampered or truncated data)."""


class CodecKeyError(Refusal, ValueError):
    """``CADENCE_CODEC_KEYS`` (or a key passed in code) is unusable; the message says which entry and why."""


@dataclass(frozen=True)
class KeyRing:
    """Named AES keys: the first encrypts, all decrypt."""

    keys: tuple[tuple[str, bytes], ...]
    """``(key id, key bytes)`` pairs, encrypting key first."""

    def __post_init__(self) -> None:
        if not self.keys:
            raise CodecKeyError("no encryption keys given")
        seen: set[str] = set()
        for key_id, key in self.keys:
            if not _KEY_ID_RE.match(key_id):
                raise CodecKeyError(f"key id {key_id[:70]!r} must be 1-64 letters, digits or . _ -")
            if key_id in seen:
                raise CodecKeyError(f"key id {key_id!r} is listed twice")
            seen.add(key_id)
            if len(key) not in KEY_SIZES:
                raise CodecKeyError(f"key {key_id!r} is {len(key)} bytes; AES-GCM needs 16, 24 or 32 (use 32)")

    @property
    def primary(self) -> str:
        """The id of the key new payloads are encrypted with."""
        return self.keys[0][0]

    @property
    def ids(self) -> tuple[str, ...]:
        """Every key id, encrypting key first."""
        return tuple(key_id for key_id, _ in self.keys)

    def __repr__(self) -> str:
        # Never print key material (tracebacks, logs, debuggers).
        return f"KeyRing(ids={self.ids!r})"


def parse_keys(text: str) -> KeyRing:
    """Parse ``"k2:BASE64,k1:BASE64"`` (encrypting key first).

    Raises:
        CodecKeyError: naming the entry (by position and id, never by key) that is wrong.
    """
    entries = [entry.strip() for entry in str(text).split(",")]
    if not any(entries):
        raise CodecKeyError(f"{KEYS_ENV} is empty; expected id:base64key[,id:base64key...]")
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate(entries, 1):
        if not entry:
            raise CodecKeyError(f"{KEYS_ENV}: entry {position} is empty (stray comma?)")
        key_id, sep, encoded = entry.partition(":")
        key_id, encoded = key_id.strip(), encoded.strip()
        if not sep or not key_id or not encoded:
            raise CodecKeyError(f"{KEYS_ENV}: entry {position} must be id:base64key")
        try:
            # Standard or URL-safe alphabet, padding optional: what `openssl rand -base64 32` or Python print.
            normal = encoded.replace("-", "+").replace("_", "/")
            key = base64.b64decode(normal + "=" * (-len(normal) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise CodecKeyError(f"{KEYS_ENV}: key {key_id[:64]!r} (entry {position}) is not valid base64") from None
        keys.append((key_id, key))
    try:
        return KeyRing(tuple(keys))
    except CodecKeyError as exc:
        raise CodecKeyError(f"{KEYS_ENV}: {exc}") from None


def new_key() -> str:
    """A fresh random 256-bit key, base64 encoded (for ``CADENCE_CODEC_KEYS``)."""
    return base64.b64encode(os.urandom(32)).decode()


class EncryptionCodec(PayloadCodec):
    """AES-GCM payload codec over a :class:`KeyRing`."""

    def __init__(self, keys: KeyRing) -> None:
        """Build the codec; ``keys.primary`` encrypts, every key decrypts."""
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self.keys = keys
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.keys}

    def __repr__(self) -> str:
        return f"EncryptionCodec(encrypt_with={self.keys.primary!r}, decrypt={self.keys.ids!r})"

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Encrypt every payload with the primary key."""
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        """Decrypt encrypted payloads; others (written before encryption was on) pass through.

        Raises:
            CodecError: unknown key id, tampered or truncated payload.
        """
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        """One payload, encrypted with the primary key."""
        key_id = self.keys.primary
        nonce = os.urandom(_NONCE_SIZE)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), _aad(key_id))
        return Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()}, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        """One payload, decrypted when it is encrypted, else unchanged.

        Raises:
            CodecError: unknown key id, tampered or truncated payload.
        """
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        from cryptography.exceptions import InvalidTag

        raw_id = payload.metadata.get(KEY_ID_METADATA, b"")
        key_id = raw_id.decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise CodecError(f"payload encrypted with key {key_id[:64]!r}, which is not in {KEYS_ENV} "
                             f"(known: {', '.join(self.keys.ids)}); add the old key after the new one to read it")
        if len(payload.data) < _NONCE_SIZE + _TAG_SIZE:
            raise CodecError(f"encrypted payload (key {key_id!r}) is truncated: {len(payload.data)} bytes")
        nonce, sealed = payload.data[:_NONCE_SIZE], payload.data[_NONCE_SIZE:]
        try:
            plain = cipher.decrypt(nonce, sealed, _aad(key_id))
        except InvalidTag:
            raise CodecError(f"encrypted payload (key {key_id!r}) failed authentication: "
                             "it was altered, or the key with this id is not the one it was written with") from None
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded


def _aad(key_id: str) -> bytes:
    return _AAD_PREFIX + key_id.encode()


def data_converter(keys: KeyRing, base: DataConverter | None = None) -> DataConverter:
    """``base`` (default: Temporal's default converter) with encryption of payloads and failures.

    Failure messages and stack traces are moved into encoded attributes
    (``DefaultFailureConverterWithEncodedAttributes``): they can quote lead data
    (a rejected email address, a template error) and Temporal stores failures
    outside payloads otherwise.
    """
    base = base or DataConverter.default
    return dataclasses.replace(base, payload_codec=EncryptionCodec(keys),
                               failure_converter_class=DefaultFailureConverterWithEncodedAttributes)


def keys_from_env(environ: Mapping[str, str] | None = None) -> KeyRing | None:
    """The key ring in ``CADENCE_CODEC_KEYS``; ``None`` when it is unset or blank.

    Raises:
        CodecKeyError: the variable is set but unusable.
    """
    env = os.environ if environ is None else environ
    text = env.get(KEYS_ENV, "")
    if not text.strip():
        return None
    return parse_keys(text)


def data_converter_from_env(environ: Mapping[str, str] | None = None) -> DataConverter | None:
    """The encrypting data converter when ``CADENCE_CODEC_KEYS`` is set, else ``None`` (no encryption).

    Pass the result to ``Client.connect(data_converter=...)``; workers built on
    that client use it too.

    Raises:
        CodecKeyError: the variable is set but unusable (never silently unencrypted).
    """
    keys = keys_from_env(environ)
    return None if keys is None else data_converter(keys)


__all__ = [
    "ENCODING",
    "KEYS_ENV",
    "KEY_ID_METADATA",
    "KEY_SIZES",
    "CodecError",
    "CodecKeyError",
    "EncryptionCodec",
    "KeyRing",
    "data_converter",
    "data_converter_from_env",
    "keys_from_env",
    "new_key",
    "parse_keys",
]
