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
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="HTTP port (default: gateway_port, 8080, the unsubscribe links' default address).")
@click.option("--smtp-port", type=click.IntRange(0, 65535), default=None,
              help="Inbound SMTP port for replies and bounces (default: gateway_smtp_port, 2525; 0: off).")
@click.option("--status", "show_status", is_flag=True,
              help="Ask the gateway running at --host/--port how it is (GET /status) instead of starting one; "
                   "exit 1 when none answers or it is unhealthy.")
def gateway(config: str | None, host: str, port: int | None, smtp_port: int | None, show_status: bool) -> None:
    """Run the gateway until Ctrl-C: what the world sends to leads arrives here by itself.

    One-click unsubscribe links, inbound mail over SMTP (replies, bounces,
    out-of-office; point the reply-to address or an MTA at it) and over HTTP
    (POST /inbound/mime with CADENCE_INBOUND_TOKEN). It answers only once the
    lead's workflow has taken the event; while Temporal is unreachable SMTP
    answers 451 and HTTP 503, and the sender tries again. Mail that matches
    no lead is kept in <state_dir>/quarantine. It holds no state of its own:
    run several behind a load balancer.

    The workspace for people is here too: reps' call queue (/tasks), handoffs
    sales accept from their email, leads (docs/workspace.md; people are added
    with `cadence users add`).

    Signed webhooks: email providers' events (POST /webhooks/sendgrid,
    /webhooks/postmark, /webhooks/mailgun), booked meetings (/webhooks/calendly)
    and any tool's events (POST /events), each on once its key is set
    (docs/inbound.md).

    \b
    Examples:
      cadence gateway
      cadence gateway --host 0.0.0.0 --port 8080 --smtp-port 25
      cadence gateway --status
    """
    from cadence.config import ConfigError, load_settings

    try:
        settings = load_settings(config)
    except ConfigError as exc:
        raise CadenceCLIError(str(exc)) from None
    if show_status:
        _status(settings, host, settings.gateway_port if port is None else port)
        return
    asyncio.run(_run(settings, host, settings.gateway_port if port is None else port,
                     settings.gateway_smtp_port if smtp_port is None else smtp_port))


async def _run(settings: Any, host: str, port: int, smtp_port: int) -> None:
    from cadence.connect import connect
    from cadence.gateway.app import Gateway, GatewayOptions
    from cadence.gateway.leads import LeadPort
    from cadence.gateway.serve import GatewayError, running
    from cadence.metrics import prometheus_runtime

    runtime = prometheus_runtime(settings.metrics_address) if settings.metrics_address else None
    gateway = Gateway(GatewayOptions.from_settings(settings),
                      LeadPort(lambda: connect(settings, runtime=runtime), settings.task_queue),
                      meter=runtime.metric_meter if runtime is not None else None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with running(gateway, host, port, smtp_port or None) as url:
            click.echo(f"gateway on {url} (unsubscribe: {url}/unsubscribe); leads on {settings.temporal_address}")
            click.echo(f"inbound mail: SMTP on {host}:{smtp_port}" if smtp_port else "inbound mail: SMTP off")
            click.echo(f"workspace: {settings.public_url or url}/tasks (people: {settings.users_file}"
                       + (f", signed in by the proxy's {settings.auth_header})" if settings.auth_header else ")"))
            click.echo("Ctrl-C to stop.")
            await stop.wait()
            click.echo("stopping ...")
    except GatewayError as exc:
        raise CadenceCLIError(str(exc)) from None
    click.echo("gateway stopped")


def _status(settings: Any, host: str, port: int) -> None:
    """Print what ``GET /status`` of the gateway at ``host:port`` says; exit 1 when none answers or it is unhealthy."""
    import json
    import urllib.error
    import urllib.request

    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}"
    request = urllib.request.Request(f"{url}/status", headers={"Accept": "application/json"})
    if settings.inbound_token:
        request.add_header("Authorization", f"Bearer {settings.inbound_token}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            raw = response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        raw = exc.read(1_000_000)
        if exc.code != 503:
            reason = raw.decode(errors="replace").strip().splitlines()[:1] or [f"HTTP {exc.code}"]
            raise CadenceCLIError(f"the gateway at {url} refused: {reason[0][:200]}") from None
    except (OSError, ValueError) as exc:
        why = getattr(exc, "reason", exc)
        raise CadenceCLIError(f"no gateway answers at {url} ({why}); start one with `cadence gateway`, "
                              "or name its address with --host/--port") from None
    try:
        state = json.loads(raw)
        events, temporal, quarantine = state["events"], state["temporal"], state["quarantine"]
    except (ValueError, KeyError, TypeError):
        raise CadenceCLIError(f"{url}/status did not answer like a cadence gateway") from None
    click.echo(f"gateway {url}: {'healthy' if state.get('ok') else 'UNHEALTHY'} (since {state.get('since')})")
    click.echo(f"listening: {', '.join(state.get('listening') or []) or '(unknown)'}")
    click.echo(f"temporal: {'reachable' if temporal.get('reachable') else 'UNREACHABLE'}"
               + (f" ({temporal['detail']})" if temporal.get("detail") else ""))
    click.echo(f"events since start: {events.get('delivered', 0)} delivered to leads, {events.get('ignored', 0)} "
               f"ignored, {events.get('quarantined', 0)} quarantined, {events.get('refused', 0)} refused")
    click.echo(f"quarantine: {quarantine.get('items', 0)} items in {quarantine.get('directory')}")
    if not state.get("ok"):
        raise CadenceCLIError(f"the gateway at {url} is unhealthy: Temporal is unreachable "
                              f"({temporal.get('detail') or 'no detail'}); inbound mail and webhooks are "
                              "told to try again")


__all__ = ["gateway"]
