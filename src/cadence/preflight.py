"""``cadence worker --check``: can a worker run here? Server, namespace, search attributes, task queue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cadence.visibility import SEARCH_ATTRIBUTES


@dataclass(frozen=True)
class Check:
    """One line of the check."""

    ok: bool
    what: str
    fix: str = ""
    """What to do when not ok."""
    required: bool = True
    """A failed required check makes ``--check`` exit 1; others only inform."""


async def check_deployment(settings: Any, runtime: Any = None) -> list[Check]:
    """Connect with ``settings`` and check what a worker needs; never raises for what it finds."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, DescribeTaskQueueRequest
    from temporalio.service import RPCError

    from cadence.config import ConfigError
    from cadence.connect import NoServerError, connect

    try:
        client = await connect(settings, runtime=runtime)
    except (NoServerError, ConfigError) as exc:
        return [Check(False, f"server: {exc}", "start one (cadence server) or set CADENCE_TEMPORAL_ADDRESS, TLS, API key")]
    checks = [Check(True, f"server: {settings.temporal_address} answers")]
    try:
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=settings.namespace))
        checks.append(Check(True, f"namespace: {settings.namespace} exists"))
    except RPCError as exc:
        checks.append(Check(False, f"namespace: {settings.namespace}: {exc.message}",
                            "create it (temporal operator namespace create) or set CADENCE_NAMESPACE"))
        return checks
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=settings.namespace))
        missing = sorted(set(SEARCH_ATTRIBUTES) - set(listed.custom_attributes))
        checks.append(Check(not missing, "search attributes: " + (f"missing {', '.join(missing)}" if missing
                                                                  else f"all {len(SEARCH_ATTRIBUTES)} registered"),
                            "a worker registers them at start where allowed; on Temporal Cloud add them with "
                            "tcld or the UI (names and types: src/cadence/visibility.py)"))
    except RPCError as exc:
        checks.append(Check(False, f"search attributes: cannot list them ({exc.message})",
                            "check the credentials' permissions"))
    try:
        queue = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
            namespace=settings.namespace, task_queue=TaskQueue(name=settings.task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
        pollers = len(queue.pollers)
        checks.append(Check(True, f"task queue: {settings.task_queue}: {pollers} worker(s) polling now",
                            required=False))
    except RPCError as exc:
        checks.append(Check(False, f"task queue: {settings.task_queue}: {exc.message}", required=False))
    return checks


__all__ = ["Check", "check_deployment"]
