"""``cadence gateway``: the inbound and people-facing service."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

import click

from cadence.cli.main import CadenceCLIError


@click.command()
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
              help="Config file (default: $CADENCE_CONFIG or ./cadence.toml).")
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP bind address.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="HTTP port (the unsubscribe links' default address).")
def gateway(config: str | None, host: str, port: int) -> None:
    """Run the gateway until Ctrl-C: one-click unsubscribe pages and endpoints for every lead.

    It holds no state of its own: run several behind a load balancer. It
    answers only once the lead's workflow has taken the event; while Temporal
    is unreachable it answers 503 and the sender tries again.

    \b
    Examples:
      cadence gateway
      cadence gateway --host 0.0.0.0 --port 8080
    """
    from cadence.config import ConfigError, load_settings

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        raise CadenceCLIError(str(exc)) from None
    asyncio.run(_run(settings, host, port))


async def _run(settings: Any, host: str, port: int) -> None:
    from cadence.connect import connect
    from cadence.gateway.app import Gateway, GatewayOptions
    from cadence.gateway.leads import LeadPort
    from cadence.gateway.serve import GatewayError, running

    gateway = Gateway(GatewayOptions(unsubscribe_secret=settings.unsubscribe_secret,
                                     quarantine_dir=settings.state_dir / "quarantine"),
                      LeadPort(lambda: connect(settings), settings.task_queue))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with running(gateway, host, port) as url:
            click.echo(f"gateway on {url} (unsubscribe: {url}/unsubscribe); leads on {settings.temporal_address}")
            click.echo("Ctrl-C to stop.")
            await stop.wait()
            click.echo("stopping ...")
    except GatewayError as exc:
        raise CadenceCLIError(str(exc)) from None
    click.echo("gateway stopped")


__all__ = ["gateway"]
