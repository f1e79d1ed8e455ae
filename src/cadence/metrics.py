"""Prometheus metrics: the SDK's own (task latencies, slots, sticky cache) and cadence's counters.

Both go through Temporal's runtime telemetry, which serves ``/metrics`` on the
``metrics_address`` setting (``CADENCE_METRICS_ADDRESS``, e.g. ``0.0.0.0:9464``;
unset: no endpoint). Workflow code counts through ``workflow.metric_meter()``,
which records nothing while a lead's history is replayed, so every event is
counted once. Names follow Prometheus conventions (counters end in ``_total``
on the wire). No label carries personal data.
"""

from __future__ import annotations

from typing import Any

TOUCHES = "cadence_touches"
"""Touches done, by ``channel`` and ``outcome`` (sent, bounced, suppressed, skipped, written, dropped, failed)."""
TASKS = "cadence_tasks"
"""Call and voicemail tasks, by ``channel`` and ``outcome`` (opened, logged, missed)."""
EVENTS = "cadence_events"
"""Events leads took, by ``kind`` (reply, bounce, unsubscribe, out_of_office, ...) and ``source``."""
LEADS_ENDED = "cadence_leads_ended"
"""Leads that ended, by ``outcome`` (handoff, disqualified) and ``reason`` (a declared reason; empty for a handoff)."""
HANDOFFS_DELIVERED = "cadence_handoffs_delivered"
"""Dossier deliveries, by ``delivery`` (handoff, escalation)."""
INBOUND = "cadence_inbound_messages"
"""Messages the gateway took, by ``outcome`` (delivered, quarantined, ignored) and ``kind``."""

NAMES: tuple[str, ...] = (TOUCHES, TASKS, EVENTS, LEADS_ENDED, HANDOFFS_DELIVERED, INBOUND)

SOURCES: frozenset[str] = frozenset({"smtp", "http", "gateway", "cli", "signal", "webhook", "calendar", "inbox",
                                     "link", "demo", "test", "sendgrid", "postmark", "mailgun", "calendly"})
"""Event sources shown as themselves; anything else (an operator's name) is counted as ``operator``."""


def source_label(source: str) -> str:
    """``source`` as a label value: bounded, and never a person's name."""
    return source if source in SOURCES else "operator"


def prometheus_runtime(address: str) -> Any:
    """A Temporal runtime serving ``/metrics`` on ``address`` (``host:port``) for every client made with it."""
    from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(
        bind_address=address, counters_total_suffix=True, durations_as_seconds=True)))


__all__ = ["EVENTS", "HANDOFFS_DELIVERED", "INBOUND", "LEADS_ENDED", "NAMES", "SOURCES", "TASKS", "TOUCHES",
           "prometheus_runtime", "source_label"]
