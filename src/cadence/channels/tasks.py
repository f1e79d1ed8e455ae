"""Call and voicemail tasks for people: the default sink writes one JSON file per task.

A dialer, a CRM task queue or a ticketing system replaces :class:`FileTaskSink`
through :mod:`cadence.channels.plugins`; the activity renders the brief first,
so every sink receives the text the rep will read.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from cadence import utc
from cadence.channels.ids import safe_name
from cadence.channels.outbox import write_json
from cadence.channels.requests import TaskRequest
from cadence.messages import UPDATE_LOG_OUTCOME

CONTACT_FIELDS: tuple[str, ...] = (
    "first_name", "last_name", "title", "company", "phone", "email", "timezone", "owner", "website",
)
"""Lead fields a task carries so the rep can act without opening another tool."""


class TaskSink(Protocol):
    """Where call and voicemail tasks go."""

    async def open_task(self, req: TaskRequest, brief: str) -> str:
        """Open (or re-open, on a retry) task ``req.task_id`` with the rendered ``brief``; return where it is."""
        ...


def task_record(req: TaskRequest, brief: str, *, created_at: datetime | None = None) -> dict[str, Any]:
    """The task as JSON data: who, what, by when, the brief, and how to report the outcome."""
    return {
        "task_id": req.task_id,
        "kind": req.kind,
        "lead_id": str(req.lead.get("id", "")),
        "workflow_id": req.workflow_id,
        "step": req.step_id,
        "assignee": req.assignee,
        "due_at": req.due_at,
        "outcomes": list(req.outcomes),
        "contact": {k: req.lead[k] for k in CONTACT_FIELDS if req.lead.get(k) not in (None, "")},
        "brief": brief,
        "plan": {"name": req.plan_name, "version": req.plan_version},
        "created_at": utc.iso(created_at) if created_at else utc.now(),
        "report": {"workflow_id": req.workflow_id, "update": UPDATE_LOG_OUTCOME, "task_id": req.task_id},
    }


class FileTaskSink:
    """Writes ``<outbox>/tasks/<task_id>.json`` atomically (a retry overwrites the same file)."""

    def __init__(self, outbox_dir: Path) -> None:
        self.directory = Path(outbox_dir) / "tasks"

    def path_for(self, task_id: str) -> Path:
        """The file of task ``task_id``."""
        return self.directory / f"{safe_name(task_id)}.json"

    async def open_task(self, req: TaskRequest, brief: str) -> str:
        """Write the task file; return its path."""
        return str(write_json(self.path_for(req.task_id), task_record(req, brief)))


__all__ = ["CONTACT_FIELDS", "FileTaskSink", "TaskSink", "task_record"]
