"""Running the gateway: Uvicorn serving the app on a socket this process bound, until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn

from cadence.gateway.app import Gateway, build_app
from cadence.gateway.smtp_listener import start_smtp_listener


class GatewayError(Exception):
    """The gateway cannot start; the message is one line for the user."""


class _Server(uvicorn.Server):
    """Uvicorn without its own signal handling: the command that runs the gateway owns the signals
    (``cadence dev`` stops the worker, the gateway and the server in order)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket, or a one-line error (a port in use, an address not of this machine)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise GatewayError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another with --port") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def running(gateway: Gateway, host: str = "127.0.0.1", port: int = 8080,
                  smtp_port: int | None = None) -> AsyncIterator[str]:
    """Serve ``gateway`` over HTTP (and inbound SMTP on ``smtp_port``) while the block runs; yields the
    base URL (``http://host:port``).

    Raises:
        GatewayError: a port cannot be had.
    """
    smtp = None
    if smtp_port is not None:
        try:
            smtp = await start_smtp_listener(gateway.intake.take, host, smtp_port)
        except OSError as exc:
            raise GatewayError(f"cannot listen for SMTP on {host}:{smtp_port}: {exc.strerror or exc}; "
                               "choose another with --smtp-port") from None
    try:
        async with _http(gateway, host, port) as url:
            shown = f"[{host}]" if ":" in host else host
            gateway.listening[:] = [url, *([f"smtp://{shown}:{smtp.sockets[0].getsockname()[1]}"] if smtp else [])]
            yield url
    finally:
        gateway.listening.clear()
        if smtp is not None:
            smtp.close()
            await smtp.wait_closed()


@contextlib.asynccontextmanager
async def _http(gateway: Gateway, host: str, port: int) -> AsyncIterator[str]:
    sock = bind(host, port)
    bound_port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(build_app(gateway), log_level="warning", access_log=False, lifespan="off",
                                    server_header=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                raise GatewayError(f"the gateway stopped while starting on {host}:{bound_port}")
            await asyncio.sleep(0.02)
        shown = f"[{host}]" if ":" in host else host
        yield f"http://{shown}:{bound_port}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError, SystemExit):
            await asyncio.wait_for(task, 10)
        sock.close()


__all__ = ["GatewayError", "bind", "running"]
