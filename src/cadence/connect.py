"""Connect to Temporal with the effective settings; a clear one-line error when nobody answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

from temporalio.client import Client
from temporalio.service import TLSConfig

from cadence.config import ConfigError, Settings

CONNECT_TIMEOUT = 5.0


class NoServerError(Exception):
    """No Temporal server answered at the configured address."""


def _tls(settings: Settings) -> TLSConfig | bool:
    if not (settings.tls or settings.tls_cert or settings.tls_ca):
        return bool(settings.api_key)  # Temporal Cloud API keys need TLS
    def read(path: str) -> bytes | None:
        if not path:
            return None
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read TLS file {path}: {exc.strerror}") from None
    return TLSConfig(server_root_ca_cert=read(settings.tls_ca), client_cert=read(settings.tls_cert),
                     client_private_key=read(settings.tls_key))


async def connect(settings: Settings, timeout: float = CONNECT_TIMEOUT) -> Client:
    """A client for ``settings.temporal_address`` and namespace (TLS and API key when set).

    Raises:
        NoServerError: when no server answers within ``timeout`` seconds.
    """
    try:
        return await asyncio.wait_for(
            Client.connect(settings.temporal_address, namespace=settings.namespace, tls=_tls(settings),
                           api_key=settings.api_key or None),
            timeout,
        )
    except (RuntimeError, OSError, asyncio.TimeoutError) as exc:
        raise NoServerError(
            f"no Temporal server reachable at {settings.temporal_address} "
            "(start one with `cadence server` or `cadence dev`)"
        ) from exc


__all__ = ["CONNECT_TIMEOUT", "NoServerError", "connect"]
