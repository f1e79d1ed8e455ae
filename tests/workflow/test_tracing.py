"""OpenTelemetry tracing (issue #17): off by default; with ``OTEL_EXPORTER_OTLP_ENDPOINT`` set, an OTLP/HTTP
collector receives one trace per enrollment holding the lead's workflow and its activities."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.client import Client

from cadence import client as api
from cadence import tracing
from cadence.channels import requests as rq
from cadence.channels.activities import ChannelActivities
from cadence.channels.settings import ChannelSettings
from cadence.lead import parse_lead
from cadence.messages import WORKFLOW_NAME
from cadence.worker import build_worker
from tests.conftest import free_port
from tests.engine.plans import call, end, make_plan
from tests.workflow.conftest import DEFAULT_START


class Collector:
    """An OTLP/HTTP trace receiver (``POST /v1/traces``, protobuf) on a real socket."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        self.port = free_port()

        async def traces(request: Request) -> Response:
            self.requests.append(ExportTraceServiceRequest.FromString(await request.body()))
            return Response(b"", media_type="application/x-protobuf")

        app = Starlette(routes=[Route("/v1/traces", traces, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Collector:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def spans(self) -> list[tuple[str, str, str]]:
        """(service.name, span name, trace id) of every span received."""
        found = []
        for request in self.requests:
            for resource in request.resource_spans:
                service = next(a.value.string_value for a in resource.resource.attributes if a.key == "service.name")
                found += [(service, span.name, span.trace_id.hex()) for scope in resource.scope_spans
                          for span in scope.spans]
        return found


@pytest.fixture
def collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[Collector]:
    with Collector() as running:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{running.port}")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "cadence-under-test")
        yield running


def test_tracing_is_off_unless_otel_variables_ask_for_it() -> None:
    assert tracing.interceptors(environ={}) == []
    assert not tracing.enabled({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_TRACES_EXPORTER": "none"})
    assert not tracing.enabled({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://x:4318", "OTEL_SDK_DISABLED": "true"})
    assert tracing.enabled({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://x:4318/v1/traces"})
    assert tracing.enabled({"OTEL_TRACES_EXPORTER": "console"})


async def test_an_enrollment_is_one_trace_through_the_workflow_and_its_activities(
        ts_env: Any, collector: Collector, tmp_path: Path) -> None:
    config = ts_env.client.config()
    config["interceptors"] = [*config.get("interceptors", []), *tracing.interceptors("cadence-test")]
    client = Client(**config)
    queue = f"tracing-{uuid.uuid4().hex[:6]}"
    activities = ChannelActivities(ChannelSettings(outbox_dir=tmp_path / "outbox"))
    plan = make_plan([call("first-call", wait=2), end("give-up")])
    async with build_worker(client, activities.all(), task_queue=queue):
        await api.enroll(client, plan, parse_lead({"id": "T-1", "owner": "dana"}), task_queue=queue,
                         cadence_now=DEFAULT_START)
        for _ in range(100):
            if (await api.state(client, "T-1")).get("open_task"):
                break
            await asyncio.sleep(0.05)
        await ts_env.sleep(timedelta(seconds=1))
    tracing.flush()
    spans = collector.spans()
    names = {name for _service, name, _trace in spans}
    assert {f"StartWorkflow:{WORKFLOW_NAME}", f"RunWorkflow:{WORKFLOW_NAME}", f"StartActivity:{rq.OPEN_TASK}",
            f"RunActivity:{rq.OPEN_TASK}"} <= names, names
    assert {service for service, _name, _trace in spans} == {"cadence-under-test"}
    [enrollment] = {trace for _service, name, trace in spans if name.startswith("StartWorkflow:")}
    in_it = {name for _service, name, trace in spans if trace == enrollment}  # the lead's work joins its trace
    assert {f"RunWorkflow:{WORKFLOW_NAME}", f"StartActivity:{rq.OPEN_TASK}", f"RunActivity:{rq.OPEN_TASK}"} <= in_it
