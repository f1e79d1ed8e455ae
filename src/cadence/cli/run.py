"""``cadence worker`` and ``cadence dev``: running cadence (``server``, ``sink``, ``config``: cli/ops.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

import click

from cadence.cli.main import CadenceCLIError
from cadence.worker_pool import SUPERVISOR_ENV


def _settings(config: str | None = None) -> Any:
    from cadence.config import ConfigError, load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        raise CadenceCLIError(str(exc)) from None


_config_option = click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
                              help="Config file (default: $CADENCE_CONFIG or ./cadence.toml).")


def _server(settings: Any, ip: str | None, port: int | None, ui_port: int | None, db: str | None, headless: bool) -> Any:
    from cadence.server import EmbeddedServer

    return EmbeddedServer.from_settings(settings, ip=ip, port=port, ui_port=ui_port, database=db, headless=headless)


def _server_options(fn: Any) -> Any:
    for option in reversed([
        click.option("--ip", default=None, help="Bind address (default 127.0.0.1: the dev server has no auth)."),
        click.option("--port", type=click.IntRange(1, 65535), default=None, help="gRPC port (default 7233)."),
        click.option("--ui-port", type=click.IntRange(1, 65535), default=None, help="Web UI port (default 8233)."),
        click.option("--db", default=None, help="SQLite file (default .cadence/temporal.db) or :memory:."),
        click.option("--headless", is_flag=True, help="No Web UI."),
    ]):
        fn = option(fn)
    return fn


@click.command()
@_config_option
@click.option("--address", default=None, help="Temporal address (default from settings: 127.0.0.1:7233).")
@click.option("--namespace", default=None, help="Temporal namespace.")
@click.option("--task-queue", default=None, help="Task queue (default: cadence).")
@click.option("--cache", "cache", type=click.IntRange(min=0), default=None,
              help="Leads kept in memory between steps (default: the worker_cache setting, 1000; about "
                   "0.2 MiB each; others are rebuilt from history when they next act).")
@click.option("--processes", type=click.IntRange(1, 256), default=None,
              help="Worker processes under one supervisor (default: one per core): workflow code is CPU-bound "
                   "Python, one process uses one core.")
@click.option("--deployment", default=None, metavar="NAME",
              help="Worker Versioning: the worker deployment (with --build-id); leads stay on the build that "
                   "started them and move to the current build at their next continue-as-new.")
@click.option("--build-id", default=None, metavar="ID", help="This worker's build in --deployment (a release tag).")
@click.option("--check", "check_only", is_flag=True,
              help="Check the server, namespace, search attributes and task queue, say what is missing, and exit.")
def worker(config: str | None, address: str | None, namespace: str | None, task_queue: str | None,
           cache: int | None, processes: int | None, deployment: str | None, build_id: str | None,
           check_only: bool) -> None:
    """Run a worker: the nurture workflow and the email/call/voicemail/letter/handoff activities.

    Several workers on one task queue share the load. SIGINT/SIGTERM stop
    it gracefully; interrupted activities are retried, nothing is lost.
    TLS and API keys (Temporal Cloud) come from CADENCE_TLS*, CADENCE_API_KEY.

    \b
    Examples:
      cadence worker
      cadence worker --cache 3000
      cadence worker --deployment cadence --build-id 2026.12.1
      python worker.py --address temporal.internal:7233 --namespace sales
    """
    import dataclasses

    settings = _settings(config)
    settings = dataclasses.replace(
        settings, temporal_address=address or settings.temporal_address, namespace=namespace or settings.namespace,
        task_queue=task_queue or settings.task_queue, worker_cache=settings.worker_cache if cache is None else cache,
        deployment=deployment or settings.deployment, build_id=build_id or settings.build_id)
    from cadence.channels.activities import ChannelActivities
    from cadence.worker import deployment_config

    try:
        versioning = deployment_config(settings.deployment, settings.build_id)
    except ValueError as exc:
        raise CadenceCLIError(str(exc)) from None

    try:  # plug-ins named by the *_provider settings; a bad name fails before anything connects
        activities = ChannelActivities.from_settings(settings)
    except (ValueError, TypeError) as exc:
        raise CadenceCLIError(str(exc)) from None
    if check_only:
        _check(settings)
        return
    count = processes or os.cpu_count() or 1
    if count > 1 and not os.environ.get(SUPERVISOR_ENV):
        _supervise(count, config, settings)
        return

    async def main() -> None:
        from cadence.client import register_search_attributes
        from cadence.connect import connect
        from cadence.suppression import SuppressionList
        from cadence.worker import build_worker, run_until_signalled

        from cadence.metrics import prometheus_runtime

        runtime = prometheus_runtime(settings.metrics_address) if settings.metrics_address else None
        client = await connect(settings, runtime=runtime, service="cadence-worker")
        with contextlib.suppress(Exception):  # a production cluster may not allow it; the operator registers them
            await register_search_attributes(client, settings.namespace)
        activities.suppression = SuppressionList(client, settings.task_queue)
        built = build_worker(client, activities.all(), task_queue=settings.task_queue,
                             max_cached_workflows=settings.worker_cache, deployment_config=versioning)
        click.echo(f"worker on {settings.temporal_address} namespace {settings.namespace} "
                   f"task queue {settings.task_queue}, keeping up to {settings.worker_cache} leads in memory"
                   + (f", deployment {settings.deployment} build {settings.build_id}" if versioning else "")
                   + (f", metrics on http://{settings.metrics_address}/metrics" if settings.metrics_address else "")
                   + "; Ctrl-C to stop")
        await run_until_signalled(built)
        click.echo("worker stopped")

    _run_async(main())


def _check(settings: Any) -> None:
    """``cadence worker --check``: one line per check, with the fix when it failed; exit 1 if one required failed."""
    from cadence.cli.main import set_exit_code
    from cadence.preflight import check_deployment

    failed = False
    for check in asyncio.run(check_deployment(settings)):
        click.echo(("ok    " if check.ok else "MISSING " if check.required else "note  ") + check.what
                   + ("" if check.ok or not check.fix else f" -> {check.fix}"))
        failed = failed or (check.required and not check.ok)
    if failed:
        set_exit_code(1)


def _supervise(count: int, config: str | None, settings: Any) -> None:
    """Run ``count`` copies of this worker (one process each) under a :class:`WorkerPool`."""
    import sys

    from cadence.worker_pool import WorkerPool

    argv = [sys.executable, "-c", "from cadence.cli.main import run; run()", "worker", "--processes", "1",
            "--address", settings.temporal_address, "--namespace", settings.namespace,
            "--task-queue", settings.task_queue, "--cache", str(settings.worker_cache)]
    if settings.deployment and settings.build_id:
        argv += ["--deployment", settings.deployment, "--build-id", settings.build_id]
    if config:
        argv += ["--config", config]
    click.echo(f"supervising {count} worker processes on task queue {settings.task_queue}"
               + (f" (metrics: {settings.metrics_address} and the next {count - 1} ports)"
                  if settings.metrics_address else ""))
    code = WorkerPool(argv, count, dict(os.environ), settings.metrics_address, echo=click.echo).run()
    click.echo("worker stopped" if code == 0 else "worker processes stopped")
    if code:
        raise CadenceCLIError("worker processes kept failing; see their output above")


def _run_async(coro: Any) -> None:
    from cadence.client import ActionRefused
    from cadence.connect import NoServerError

    try:
        asyncio.run(coro)
    except (NoServerError, ActionRefused) as exc:
        raise CadenceCLIError(str(exc)) from None


@click.command()
@_config_option
@_server_options
@click.option("--demo", is_flag=True, help="Enroll sample leads into the shipped cadences and play reps and buyers.")
@click.option("--time-scale", type=click.FloatRange(min=1.0), default=None,
              help="Demo clock speed-up recorded in each lead (default 20000 with --demo: 6 months in about 13 minutes).")
@click.option("--smtp-port", type=click.IntRange(1, 65535), default=None, help="Port of the local SMTP sink (default 1025).")
@click.option("--gateway-port", type=click.IntRange(0, 65535), default=None,
              help="HTTP port of the gateway (default: gateway_port, 8080; 0: no gateway).")
@click.option("--gateway-smtp-port", type=click.IntRange(0, 65535), default=None,
              help="Inbound SMTP port of the gateway (default: gateway_smtp_port, 2525; 0: off).")
def dev(config: str | None, ip: str | None, port: int | None, ui_port: int | None, db: str | None, headless: bool,
        demo: bool, time_scale: float | None, smtp_port: int | None, gateway_port: int | None,
        gateway_smtp_port: int | None) -> None:
    """Try cadence on a laptop: Temporal server + Web UI, SMTP sink, a worker and the gateway in one command.

    With --demo it also enrolls sample leads into every shipped cadence with
    a clock speed-up, and plays reps (completing call tasks) and buyers
    (replying), so leads reach handoff and disqualification while you watch
    them in the UI.

    \b
    Examples:
      cadence dev --demo
      cadence dev --db :memory: --port 7300 --ui-port 8300 --smtp-port 2525
    """
    import dataclasses

    from cadence.dev import DevStack

    settings = _settings(config)
    srv = _server(settings, ip, port, ui_port, db, headless)
    # Mail goes to the local sink, whatever transport, server or login the settings name for production.
    settings = dataclasses.replace(settings, temporal_address=srv.address, smtp_host="127.0.0.1",
                                   smtp_port=smtp_port or settings.smtp_port, smtp_security="none",
                                   smtp_username=None, smtp_password=None, email_provider=None,
                                   gateway_port=settings.gateway_port if gateway_port is None else gateway_port,
                                   gateway_smtp_port=(settings.gateway_smtp_port if gateway_smtp_port is None
                                                      else gateway_smtp_port))
    stack = DevStack(settings=settings, server=srv, demo=demo,
                     time_scale=time_scale or (20000.0 if demo else settings.time_scale), echo=click.echo)
    try:
        asyncio.run(stack.run())
    except Exception as exc:
        from cadence.dev import DevError

        if isinstance(exc, DevError):
            raise CadenceCLIError(str(exc)) from None
        raise
