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
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

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


class CodecKeyError(ValueError):
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


# -- remote codec server (Temporal UI / CLI protocol) ------------------------------------

DEFAULT_UI_ORIGINS = ("http://127.0.0.1:8233", "http://localhost:8233")
"""Origins of ``cadence server``'s Web UI (the browser sends whichever host was typed)."""

MAX_BODY = 16 * 1024 * 1024
"""Largest request body accepted (bytes); Temporal's own payload limit is 2 MiB each."""

_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_CORS_HEADERS = "Content-Type, X-Namespace, Authorization"


@dataclass(frozen=True)
class CodecServerOptions:
    """How ``cadence codec-server`` listens and whom it answers."""

    host: str = "127.0.0.1"
    """Bind address; anything but loopback lets other machines decrypt lead data."""
    port: int = 8081
    ui_origins: tuple[str, ...] = DEFAULT_UI_ORIGINS
    """Browser origins allowed by CORS (the Temporal Web UI); other origins get 403."""
    namespace: str | None = None
    """When set, requests for another namespace (``X-Namespace`` or ``/NS/decode``) get 403."""
    quiet: bool = False
    """Do not log one line per request to stderr."""


def make_codec_server(codec: EncryptionCodec, options: CodecServerOptions = CodecServerOptions()) -> Any:
    """A ``ThreadingHTTPServer`` answering ``POST /encode`` and ``POST /decode`` (also ``/NS/encode``, ``/NS/decode``).

    Bodies are proto3 JSON ``{"payloads": [{"metadata": {"encoding": b64}, "data": b64}]}``,
    as the Temporal Web UI (``--ui-codec-endpoint``) and CLI (``--codec-endpoint``) send them.
    Preflight ``OPTIONS`` requests are answered for ``options.ui_origins``.
    A request naming a host other than loopback while the server is bound to
    loopback is refused (DNS rebinding), as is one from a foreign browser origin.
    Call ``serve_forever()`` on the result and ``shutdown()`` / ``server_close()`` to stop.
    """
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from google.protobuf import json_format

    from temporalio.api.common.v1 import Payloads

    origins = frozenset(o.rstrip("/") for o in options.ui_origins)
    loopback_only = options.host in _LOOPBACK_HOSTS

    class Handler(BaseHTTPRequestHandler):
        server_version = "cadence-codec"
        sys_version = ""
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            if not options.quiet:
                super().log_message(format, *args)

        def _route(self) -> tuple[str | None, str | None]:
            parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
            if len(parts) == 1 and parts[0] in ("encode", "decode"):
                return parts[0], None
            if len(parts) == 2 and parts[1] in ("encode", "decode"):
                return parts[1], parts[0]
            return None, None

        def _refusal(self) -> tuple[int, str] | None:
            origin = self.headers.get("Origin")
            if origin is not None and origin.rstrip("/") not in origins:
                return 403, f"origin {origin[:100]} is not allowed (start with --ui-origin {origin[:100]})"
            if loopback_only:
                host = (self.headers.get("Host") or "").strip()
                name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
                if name not in _LOOPBACK_HOSTS:
                    return 403, f"host {host[:100]!r} is not this loopback server"
            return None

        def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            origin = self.headers.get("Origin")
            if origin is not None and origin.rstrip("/") in origins:
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("Vary", "Origin")
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")  # decoded lead data must not sit in caches
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, message: str) -> None:
            self._send(status, (message + "\n").encode())

        def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
            action, _ns = self._route()
            if action is None:
                return self._error(404, "not found: POST /encode or /decode")
            refusal = self._refusal()
            if refusal is not None:
                return self._error(*refusal)
            self.send_response(204)
            origin = self.headers.get("Origin")
            if origin is not None:
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("Vary", "Origin")
            self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", _CORS_HEADERS)
            self.send_header("Access-Control-Max-Age", "600")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            action, _ns = self._route()
            self._error(404 if action is None else 405, "use POST /encode or POST /decode")

        def do_POST(self) -> None:  # noqa: N802
            action, path_ns = self._route()
            if action is None:
                return self._error(404, "not found: POST /encode or /decode")
            refusal = self._refusal()
            if refusal is not None:
                return self._error(*refusal)
            namespace = path_ns or self.headers.get("X-Namespace")
            if options.namespace is not None and namespace != options.namespace:
                return self._error(403, f"namespace {str(namespace)[:100]!r} is not served (only {options.namespace!r})")
            try:
                length = int(self.headers.get("Content-Length") or "")
            except ValueError:
                return self._error(411, "Content-Length required")
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                return self._error(413, f"body larger than {MAX_BODY} bytes")
            body = self.rfile.read(length)
            request = Payloads()
            try:
                json_format.Parse(body.decode("utf-8"), request, ignore_unknown_fields=True)
            except (json_format.ParseError, UnicodeDecodeError, ValueError) as exc:
                return self._error(400, f"body is not {{\"payloads\": [...]}} proto JSON: {str(exc)[:200]}")
            try:
                convert = codec.encrypt if action == "encode" else codec.decrypt
                out = [convert(p) for p in request.payloads]
            except CodecError as exc:
                return self._error(400, str(exc))
            answer = {"payloads": [json_format.MessageToDict(p) for p in out]}
            self._send(200, json.dumps(answer).encode(), "application/json")

    return ThreadingHTTPServer((options.host, options.port), Handler)


__all__ = [
    "ENCODING",
    "KEYS_ENV",
    "KEY_ID_METADATA",
    "KEY_SIZES",
    "DEFAULT_UI_ORIGINS",
    "MAX_BODY",
    "CodecError",
    "CodecKeyError",
    "CodecServerOptions",
    "EncryptionCodec",
    "KeyRing",
    "data_converter",
    "data_converter_from_env",
    "keys_from_env",
    "make_codec_server",
    "new_key",
    "parse_keys",
]
