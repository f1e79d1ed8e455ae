"""OpenTelemetry traces of enrollments, workflow tasks and activities; off unless ``OTEL_*`` says otherwise.

Tracing follows the standard OpenTelemetry variables, so operators configure it
as they do for every other service: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) turns it on and says where spans go
(OTLP over HTTP), ``OTEL_TRACES_EXPORTER=console`` prints them instead,
``OTEL_TRACES_EXPORTER=none`` or ``OTEL_SDK_DISABLED=true`` keeps it off, and
``OTEL_SERVICE_NAME``/``OTEL_RESOURCE_ATTRIBUTES`` name the process. The spans
come from the SDK's ``temporalio.contrib.opentelemetry.TracingInterceptor`` on
the client (workers built on that client get it too): an enrollment's trace
holds the lead's workflow tasks and each touch's activity.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Any

_ENDPOINTS = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_PROVIDER: list[Any] = []
_LOCK = threading.Lock()


def enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the ``OTEL_*`` variables ask for traces."""
    env = os.environ if environ is None else environ
    exporter = env.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if exporter == "none" or env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return exporter in ("otlp", "console") or any(env.get(name) for name in _ENDPOINTS)


def interceptors(service: str = "cadence", environ: Mapping[str, str] | None = None) -> list[Any]:
    """The client interceptors that trace this process (none when tracing is off).

    Args:
        service: ``service.name`` of the spans unless ``OTEL_SERVICE_NAME`` names another.
        environ: the variables to read (default: the process environment).
    """
    env = os.environ if environ is None else environ
    if not enabled(env):
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(_provider(service, env).get_tracer("cadence"))]


def _provider(service: str, env: Mapping[str, str]) -> Any:
    """This process's tracer provider, built once (its own, not the global one a host program may own)."""
    with _LOCK:
        if not _PROVIDER:
            from opentelemetry.sdk.resources import SERVICE_NAME, Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

            named = {} if env.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service}
            provider = TracerProvider(resource=Resource.create(named))
            if env.get("OTEL_TRACES_EXPORTER", "").strip().lower() == "console":
                exporter: Any = ConsoleSpanExporter()
            else:
                from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

                exporter = OTLPSpanExporter()
            provider.add_span_processor(BatchSpanProcessor(exporter))
            _PROVIDER.append(provider)
        return _PROVIDER[0]


def flush(timeout_millis: int = 5_000) -> None:
    """Send the spans still buffered (before a process leaves without running ``atexit``)."""
    if _PROVIDER:
        _PROVIDER[0].force_flush(timeout_millis)


__all__ = ["enabled", "flush", "interceptors"]
