"""Run a worker: the nurture workflow and the channel activities on one task queue.

Several workers on one task queue share the load; that is how a user
outgrows one machine. SIGINT/SIGTERM shut down gracefully: in-flight
activities get time to finish, anything cut short is retried by Temporal.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.abc
import importlib.machinery
import os
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from types import CodeType, ModuleType
from typing import Any

from temporalio.client import Client
from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import Worker, WorkerDeploymentConfig
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from cadence.messages import DEFAULT_TASK_QUEUE

PASSTHROUGH = ("cadence", "jinja2", "markupsafe", "zoneinfo", "workflows")
"""Deterministic modules the workflow sandbox may share with the worker instead of re-importing.

``workflows`` too: re-importing the workflow module for every lead a worker starts or replays
defined the workflow class (20 handlers) again each time and kept a copy per cached lead
(benchmarks/README.md, figure 4). Its determinism is held by the rules the sandbox would check
(no clock, randomness or I/O: tests/workflow/test_nondeterminism_policy.py) and by replaying the
golden histories in CI."""


class _CompiledOnce(importlib.machinery.SourceFileLoader):
    """A source loader that hands every import of a module the code compiled the first time."""

    _code: dict[str, CodeType] = {}

    def get_code(self, fullname: str) -> CodeType:
        code = self._code.get(self.path)
        if code is None:
            code = self._code[self.path] = super().get_code(fullname)  # type: ignore[assignment]
        return code


class WorkflowCodeCache(importlib.abc.MetaPathFinder):
    """Compiles cadence's workflow modules once per worker process.

    The workflow sandbox re-imports a workflow's module for every run it starts
    or replays. Without a bytecode cache (``PYTHONDONTWRITEBYTECODE``, usual in
    containers) each of those imports would compile ``workflows/nurture.py`` again
    (a cost per lead: benchmarks/README.md) and keep its own copy of the code. Sharing the code objects is safe: they are immutable, and
    every import still executes them into a fresh module. It also pins the code
    the worker started with if the file changes on disk while it runs.
    """

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        """A spec with the caching loader for modules of :attr:`package`; others are left to the next finder."""
        if fullname != self.package and not fullname.startswith(self.package + "."):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and type(spec.loader) is importlib.machinery.SourceFileLoader:
            spec.loader = _CompiledOnce(fullname, spec.loader.path)
        return spec


def cache_workflow_code(package: str = "workflows") -> None:
    """Install a :class:`WorkflowCodeCache` for ``package`` (once per process)."""
    if not any(isinstance(f, WorkflowCodeCache) and f.package == package for f in sys.meta_path):
        sys.meta_path.insert(0, WorkflowCodeCache(package))


def workflows() -> list[type]:
    """The workflow classes a cadence worker registers: each lead's nurture, the do-not-contact list."""
    cache_workflow_code()
    from workflows.nurture import NurtureWorkflow
    from workflows.suppression import SuppressionWorkflow

    return [NurtureWorkflow, SuppressionWorkflow]


def sandbox_runner() -> SandboxedWorkflowRunner:
    """The workflow sandbox with cadence's pure modules passed through."""
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    )


def deployment_config(deployment: str | None, build_id: str | None) -> WorkerDeploymentConfig | None:
    """Worker Versioning for a worker of ``deployment`` at ``build_id``; ``None`` (unversioned) when neither is set.

    Leads are pinned to the build that started them: an interpreter change ships as a new build, and
    a lead moves to the deployment's current build at its next continue-as-new (docs/versioning.md).

    Raises:
        ValueError: when only one of the two is set.
    """
    if not deployment and not build_id:
        return None
    if not deployment or not build_id:
        raise ValueError("Worker Versioning needs both a deployment name and a build id "
                         "(--deployment and --build-id, or CADENCE_DEPLOYMENT and CADENCE_BUILD_ID)")
    return WorkerDeploymentConfig(version=WorkerDeploymentVersion(deployment_name=deployment, build_id=build_id),
                                  use_worker_versioning=True, default_versioning_behavior=VersioningBehavior.PINNED)


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
    """Run ``worker`` until SIGINT or SIGTERM, then shut it down gracefully.

    A worker started by a :class:`cadence.worker_pool.WorkerPool` also exits, at once, when its
    supervisor is killed outright: no worker outlives its launcher.
    """
    from cadence.worker_pool import supervisor_gone

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)

    async def orphaned() -> None:
        while not supervisor_gone():
            await asyncio.sleep(0.2)
        os._exit(70)  # like the supervisor's own end: unfinished activities are retried elsewhere

    watch = asyncio.create_task(orphaned())
    try:
        async with worker:
            await stop.wait()
    finally:
        watch.cancel()


__all__ = [
    "PASSTHROUGH",
    "WorkflowCodeCache",
    "build_worker",
    "deployment_config",
    "cache_workflow_code",
    "run_until_signalled",
    "sandbox_runner",
    "workflows",
]
