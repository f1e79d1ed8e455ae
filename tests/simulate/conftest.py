"""Fixtures of the simulator's tests: the workflow rig (to hold the simulator to the real workflow)."""

from __future__ import annotations

from tests.workflow.conftest import mailbox, rig, start, webhook  # noqa: F401
