"""``cadence dev``: server, SMTP sink, worker (and the demo) in one process tree."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cadence.errors import Refusal
from cadence.server import EmbeddedServer, ServerError

if TYPE_CHECKING:
    from cadence.config import Settings


class DevError(Refusal):
    """The dev stack cannot start; the message says what to do."""


@dataclass
class DevStack:
    """Everything ``cadence dev`` runs, started in order and stopped in reverse."""

    settings: Settings
    """Effective settings, the channels' included (SMTP pointing at the sink this stack starts)."""
    server: EmbeddedServer
    demo: bool = False
    time_scale: float = 1.0
    echo: Callable[[str], None] = print
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        """Start everything, print where it is, run until SIGINT/SIGTERM (or :attr:`stop_event`)."""
        from cadence.channels.activities import ChannelActivities
        from cadence.client import register_search_attributes
        from cadence.connect import connect
        from cadence.metrics import prometheus_runtime
        from cadence.sink import SmtpSink
        from cadence.suppression import SuppressionList
        from cadence.worker import build_worker

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.stop_event.set)
        try:  # a bad provider setting fails before anything starts
            activities = ChannelActivities.from_settings(self.settings)
        except (ValueError, TypeError) as exc:
            raise DevError(str(exc)) from None
        try:
            await asyncio.to_thread(self.server.start)
        except ServerError as exc:
            raise DevError(str(exc)) from None
        sink = SmtpSink(self.settings.outbox / "mail", "127.0.0.1", self.settings.smtp_port)
        try:
            try:
                sink.start()
            except OSError as exc:
                raise DevError(f"cannot start the SMTP sink on port {sink.port}: {exc.strerror or exc}; "
                               "pick another with --smtp-port") from None
            runtime = prometheus_runtime(self.settings.metrics_address) if self.settings.metrics_address else None
            client = await connect(self.settings, runtime=runtime)
            await register_search_attributes(client, self.settings.namespace)
            activities.suppression = SuppressionList(client, self.settings.task_queue)
            worker = build_worker(client, activities.all(),
                                  task_queue=self.settings.task_queue,
                                  max_cached_workflows=self.settings.worker_cache)
            async with worker, self._gateway(client, runtime) as gateway_url:
                self._banner(sink, gateway_url)
                tasks = []
                if self.demo:
                    tasks.append(asyncio.create_task(self._demo(client)))
                await self.stop_event.wait()
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                self.echo("stopping: finishing in-flight activities ...")
        finally:
            sink.stop()
            await asyncio.to_thread(self.server.stop)
            self.echo("stopped; state kept in " + self.server.database)

    @contextlib.asynccontextmanager
    async def _gateway(self, client: Any, runtime: Any) -> AsyncIterator[str | None]:
        """The gateway on this process's loop (``gateway_port`` 0: none); yields its URL."""
        from cadence.gateway.app import Gateway, GatewayOptions
        from cadence.gateway.leads import LeadPort
        from cadence.gateway.serve import GatewayError, running

        if not self.settings.gateway_port:
            yield None
            return

        async def connected() -> Any:
            return client

        gateway = Gateway(GatewayOptions.from_settings(self.settings), LeadPort(connected, self.settings.task_queue),
                          meter=runtime.metric_meter if runtime is not None else None)
        try:
            served = running(gateway, "127.0.0.1", self.settings.gateway_port, self.settings.gateway_smtp_port or None)
            url = await served.__aenter__()
        except GatewayError as exc:
            raise DevError(f"{exc} (cadence dev: --gateway-port, --gateway-smtp-port; 0 turns it off)") from None
        try:
            yield url
        finally:
            await served.__aexit__(None, None, None)

    def _banner(self, sink: Any, gateway_url: str | None = None) -> None:
        smtp = self.settings.gateway_smtp_port
        lines = [
            *self.server.notes,
            f"Temporal server  {self.server.address}  (database {self.server.database})",
            f"Web UI           {self.server.ui_url}" if self.server.ui_url else "Web UI           (headless)",
            (f"Gateway          {gateway_url} (unsubscribe links" + (f"; inbound mail on 127.0.0.1:{smtp})" if smtp else ")")
             if gateway_url else "Gateway          (off)"),
            f"SMTP sink        127.0.0.1:{sink.port} -> {sink.directory}",
            f"Outbox           {self.settings.outbox} (tasks, letters, voicemail, handoffs)",
            f"Worker           task queue {self.settings.task_queue}",
            "Ctrl-C to stop.",
        ]
        for line in lines:
            self.echo(line)

    async def _demo(self, client: Any) -> None:
        from cadence import client as api
        from cadence.contacts import ContactKeys
        from cadence.demo import DemoActor, demo_leads
        from cadence.dsl.compiler import compile_file
        from cadence.dsl.errors import ValidationFailed
        from cadence.lead import parse_lead

        cadences_dir = Path(self.settings.cadences_dir)
        files = sorted(p for p in cadences_dir.glob("*.yaml") if not p.stem.startswith("benchmark"))
        if not files:
            self.echo(f"demo: no cadences in {cadences_dir}; nothing enrolled")
            return
        leads = demo_leads()
        for index, path in enumerate(files):
            try:
                plan = compile_file(path)
            except ValidationFailed as exc:
                self.echo(f"demo: {path} is invalid ({len(exc.errors)} errors); skipped")
                continue
            batch = [(i, parse_lead({**lead, "id": f"{lead['id']}-{index + 1}"})) for i, lead in enumerate(leads, 1)]
            results = await api.enroll_many(client, plan, batch, task_queue=self.settings.task_queue,
                                            time_scale=self.time_scale, enrolled_by="demo",
                                            contacts=ContactKeys.configured(self.settings))
            counts = {s: sum(1 for r in results if r.status == s) for s in ("enrolled", "already_enrolled")}
            self.echo(f"demo: {plan.name}: {counts['enrolled']} leads enrolled, {counts['already_enrolled']} already there "
                      f"(clock x{self.time_scale:g})")
        self.echo("demo: playing reps and buyers; watch the leads in the Web UI")
        self.echo("demo: for the pipeline so far (handoffs, acceptance, cost) run `cadence report` in another terminal")
        await DemoActor(client, self.echo).run()


__all__ = ["DevError", "DevStack"]
