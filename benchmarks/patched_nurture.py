"""Cadence's workflow with the proposed fix for figure 1, to measure it without editing ``workflows/``.

The fix (to make in ``workflows/nurture.py``, ``NurtureWorkflow.run``): publish the
search attributes only when the lead comes to rest (a ``Wait``), not before every
activity. Before a ``Touch``/``OpenTask`` the engine sets ``next_action.at`` to *now*
(``cadence/engine.py``, ``Engine._remember``), so ``CadenceNextActionAt`` changes and
``_publish`` writes one ``UpsertWorkflowSearchAttributes`` event (a billable action)
per touch that nobody can observe: the activity starts in the same workflow task.
``_finish`` and the track switch already publish on their own.
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
        while True:
            command = self.engine.next_command(self.now())
            if isinstance(command, eng.Wait):
                self._publish()  # the only change: not before touches, tasks and the finish
                if self._should_continue_as_new():
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    workflow.continue_as_new(self._carry(self.plan))
                await self._wait(command)
            elif isinstance(command, eng.Touch):
                await self._touch(command)
            elif isinstance(command, eng.OpenTask):
                await self._open_task(command)
            elif isinstance(command, eng.SwitchTrack):
                import dataclasses

                parent = self.plan
                track = parent.track(command.track)
                self.plan = dataclasses.replace(track, tracks=parent.tracks)
                self.engine.plan = self.plan
                self.engine.switch_to(self.plan, self.now(), command.reason)
                self._publish()
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carry(self.plan))
            elif isinstance(command, eng.Finish):
                return await self._finish(command)
