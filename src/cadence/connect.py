"""A Temporal client from the effective settings, failing fast with one clear line."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.service import TLSConfig

from cadence.config import ConfigError, Settings
from cadence.errors import Refusal

CONNECT_TIMEOUT = 5.0
"""Seconds before giving up on a server: the CLI should fail fast, not hang."""

# Failures meaning "nobody (usable) is listening there" rather than "a server said no".
_UNREACHABLE = re.compile(r"tcp connect error|dns error|Connection refused|timed out|ConnectError", re.I)
_STATUS = re.compile(r'code: (\w+), message: "([^"]*)"')


class NoServerError(Refusal):
    """No usable Temporal server at the configured address; the message is one line for the user."""


def tls_config(settings: Settings) -> TLSConfig | bool | None:
    """What to pass as ``Client.connect(tls=...)``.

    ``None`` lets the SDK decide (TLS exactly when an API key is set).

    Raises:
        ConfigError: a certificate file cannot be read.
    """
    if not (settings.tls_cert or settings.tls_ca):
        return True if settings.tls else None

    def read(path: Path | None) -> bytes | None:
        if path is None:
            return None
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read TLS file {path}: {exc.strerror or exc}") from None

    return TLSConfig(server_root_ca_cert=read(settings.tls_ca), client_cert=read(settings.tls_cert),
                     client_private_key=read(settings.tls_key))


def _no_server(address: str) -> NoServerError:
    return NoServerError(f"no Temporal server reachable at {address} (start one with `cadence server` or `cadence dev`)")


async def connect(settings: Settings, timeout: float = CONNECT_TIMEOUT, runtime: Any = None,
                  service: str = "cadence") -> Client:
    """A client for ``settings.temporal_address`` and ``settings.namespace`` (TLS and API key when set).

    Args:
        settings: the effective settings.
        timeout: seconds allowed for connecting and the first call.
        runtime: a ``temporalio.runtime.Runtime`` (one serving metrics: :func:`cadence.metrics.prometheus_runtime`);
            default: the SDK's.
        service: the ``service.name`` of this process's traces when ``OTEL_*`` turns tracing on (:mod:`cadence.tracing`).

    Raises:
        NoServerError: nothing answers in time, or what answers is not a usable Temporal frontend.
        ConfigError: a TLS file cannot be read, or the codec keys are malformed.
    """
    from temporalio.converter import DataConverter

    from cadence import tracing
    from cadence.codec import CodecKeyError, data_converter_from_env

    try:
        # With CADENCE_CODEC_KEYS set, every payload (lead data, notes, summaries) is encrypted.
        converter = data_converter_from_env()
    except CodecKeyError as exc:
        raise ConfigError(str(exc)) from None
    address = settings.temporal_address
    try:
        return await asyncio.wait_for(
            Client.connect(address, namespace=settings.namespace, tls=tls_config(settings),
                           api_key=settings.api_key or None, connect_timeout=timedelta(seconds=timeout),
                           data_converter=converter or DataConverter.default, runtime=runtime,
                           interceptors=tracing.interceptors(service)),
            # The TCP timeout does not bound a server that accepts and then never answers.
            timeout + 1.0,
        )
    except asyncio.TimeoutError:
        raise _no_server(address) from None
    except RuntimeError as exc:
        text = str(exc)
        status = _STATUS.search(text)
        if status is None and _UNREACHABLE.search(text):
            raise _no_server(address) from None
        reason = f"{status.group(1)}: {status.group(2)}" if status else text.splitlines()[0][:200]
        raise NoServerError(f"the server at {address} did not accept the connection ({reason})") from None


__all__ = ["CONNECT_TIMEOUT", "NoServerError", "connect", "tls_config"]
