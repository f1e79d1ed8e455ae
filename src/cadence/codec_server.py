"""``cadence codec-server``: the Temporal Web UI's and CLI's remote codec, over HTTP.

Operators holding the workers' keys run it next to their browser: the UI posts
the payloads it shows to ``/decode`` and gets them back in clear, never stored
(``Cache-Control: no-store``). It answers only loopback hosts (unless bound
elsewhere), the UI's browser origins, and optionally one namespace. The cipher
itself is :mod:`cadence.codec`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cadence.codec import CodecError, EncryptionCodec

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

        def _allow_origin(self) -> None:
            """CORS headers for an allowed browser origin (others were refused by :meth:`_refusal`)."""
            origin = self.headers.get("Origin")
            if origin is not None and origin.rstrip("/") in origins:
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Credentials", "true")
                self.send_header("Vary", "Origin")

        def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
            self.send_response(status)
            self._allow_origin()
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")  # decoded lead data must not sit in caches
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, message: str) -> None:
            self._send(status, (message + "\n").encode())

        def _admitted(self) -> tuple[str | None, str | None]:
            """The route of a request this server answers; ``(None, None)`` after sending why not."""
            action, path_ns = self._route()
            refusal = (404, "not found: POST /encode or /decode") if action is None else self._refusal()
            if refusal is not None:
                self._error(*refusal)
                return None, None
            return action, path_ns

        def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
            action, _ns = self._admitted()
            if action is None:
                return
            self.send_response(204)
            self._allow_origin()
            self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", _CORS_HEADERS)
            self.send_header("Access-Control-Max-Age", "600")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            action, _ns = self._route()
            self._error(404 if action is None else 405, "use POST /encode or POST /decode")

        def do_POST(self) -> None:  # noqa: N802
            action, path_ns = self._admitted()
            if action is None:
                return
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


__all__ = ["DEFAULT_UI_ORIGINS", "MAX_BODY", "CodecServerOptions", "make_codec_server"]
