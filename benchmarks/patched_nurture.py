"""Cadence's workflow with the proposed fix for figure 1, to measure it without editing ``workflows/``.

The fix (to make in ``workflows/nurture.py``, ``NurtureWorkflow.run``): call ``self._publish()``
only when the lead comes to rest (a ``Wait``; ``_finish`` and the track switch already publish
on their own), not after every ``next_command``. Before a ``Touch``/``OpenTask`` the engine sets
``next_action.at`` to *now* (``cadence/engine.py``, ``Engine._remember``), so ``CadenceNextActionAt``
changes and ``_publish`` writes one ``UpsertWorkflowSearchAttributes`` event (a billable action)
per touch that nobody can observe: the activity is scheduled in the same workflow task, and the
next rest publishes the real next time anyway.

Implemented here as a subclass that skips ``_publish`` when the command just decided is a touch
or a task, so it follows whatever ``NurtureWorkflow.run`` currently does.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from cadence import engine as eng
    from cadence.messages import NurtureInput

from workflows.nurture import NurtureWorkflow

NAME = "CadenceNurturePublishAtRest"


@workflow.defn(name=NAME)
class PublishAtRestNurture(NurtureWorkflow):
    @workflow.run
    async def run(self, inp: NurtureInput) -> dict[str, Any]:
        self._skip_publish = False
        decide = self.engine.next_command

        def next_command(now: Any) -> Any:
            command = decide(now)
            self._skip_publish = isinstance(command, (eng.Touch, eng.OpenTask))
            return command

        self.engine.next_command = next_command  # type: ignore[method-assign]
        return await super().run(inp)

    def _publish(self) -> None:
        if not getattr(self, "_skip_publish", False):
            super()._publish()
