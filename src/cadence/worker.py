"""Run a worker: the nurture workflow and the channel activities on one task queue.

Several workers on one task queue share the load; that is how a user
outgrows one machine. SIGINT/SIGTERM shut down gracefully: in-flight
activities get time to finish, anything cut short is retried by Temporal.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from cadence.messages import DEFAULT_TASK_QUEUE

PASSTHROUGH = ("cadence", "jinja2", "markupsafe", "zoneinfo")
"""Deterministic modules the workflow sandbox may share with the worker instead of re-importing."""


def workflows() -> list[type]:
    """The workflow classes a cadence worker registers."""
    from workflows.nurture import NurtureWorkflow

    return [NurtureWorkflow]


def sandbox_runner() -> SandboxedWorkflowRunner:
    """The workflow sandbox with cadence's pure modules passed through."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )


def build_worker(client: Client, activities: Sequence[Any], task_queue: str = DEFAULT_TASK_QUEUE, **options: Any) -> Worker:
    """A worker for ``task_queue`` running the nurture workflow and ``activities``."""
    return Worker(
        client,
        task_queue=task_queue,
        workflows=workflows(),
        activities=list(activities),
        workflow_runner=sandbox_runner(),
        graceful_shutdown_timeout=options.pop("graceful_shutdown_timeout", timedelta(seconds=20)),
        **options,
    )


async def run_until_signalled(worker: Worker) -> None:
    """Run ``worker`` until SIGINT or SIGTERM, then shut it down gracefully."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with worker:
        await stop.wait()


__all__ = ["PASSTHROUGH", "build_worker", "run_until_signalled", "sandbox_runner", "workflows"]
