"""Providers from entry points, module paths and built-ins; activity registration."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cadence.channels import requests as rq
from cadence.channels.activities import ChannelActivities
from cadence.channels.plugins import available, make, providers_from_env
from cadence.channels.settings import ChannelSettings
from cadence.channels.tasks import FileTaskSink

from .conftest import LEAD, run

PLUGIN = '''
from cadence.channels.requests import VoicemailDropResult

class Dialer:
    def __init__(self, settings):
        self.settings = settings
        self.opened = []
    async def open_task(self, req, brief):
        self.opened.append((req.task_id, brief))
        return "dialer:" + req.task_id

class Crm:
    name = "crm"
    def __init__(self, settings):
        self.seen = []
    async def deliver(self, handoff):
        self.seen.append(handoff.handoff_id)
        return ["crm:" + handoff.lead_id]

class NotAProvider:
    def __init__(self, settings):
        pass
'''


@pytest.fixture
def plugin_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed distribution exposing entry points (a dist-info directory on sys.path)."""
    (tmp_path / "cadence_fake_plugin.py").write_text(PLUGIN)
    info = tmp_path / "cadence_fake_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: cadence-fake-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""\
        [cadence.channels]
        tasks.dialer = cadence_fake_plugin:Dialer
        handoff.crm = cadence_fake_plugin:Crm
        letters.broken = cadence_fake_plugin:NotAProvider
        """))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("cadence_fake_plugin", None)


def test_activities_register_under_the_contract_names() -> None:
    names = [fn.__temporal_activity_definition.name for fn in ChannelActivities().all()]  # type: ignore[attr-defined]
    assert names == [rq.SEND_EMAIL, rq.OPEN_TASK, rq.DROP_VOICEMAIL, rq.SEND_LETTER, rq.DELIVER_HANDOFF,
                     rq.RECORD_EXIT]


def test_builtins_by_default(tmp_path: Path) -> None:
    chosen = providers_from_env(ChannelSettings(outbox_dir=tmp_path), {})
    assert chosen.tasks is None and chosen.handoff == ()
    assert isinstance(make("tasks", "file", ChannelSettings(outbox_dir=tmp_path)), FileTaskSink)


async def test_entry_point_providers_are_selected_by_env(plugin_dist: Path, tmp_path: Path) -> None:
    env = {"CADENCE_OUTBOX": str(tmp_path / "out"), "CADENCE_TASKS_PROVIDER": "dialer",
           "CADENCE_HANDOFF_PROVIDERS": "crm"}
    assert "dialer" in available("tasks")
    acts = ChannelActivities.from_env(env)
    req = rq.TaskRequest(task_id="t1", workflow_id="lead-L-1", lead=LEAD, kind="call", step_id="intro",
                         assignee="dana", due_at="", brief=rq.Rendered("b.md.j2", "Call {{ lead.first_name }}"),
                         context={}, outcomes=("connected",))
    result = await run(acts.open_task, req)
    assert result.location == "dialer:t1"
    assert acts.task_sink.opened == [("t1", "Call Jane")]  # type: ignore[attr-defined]
    handoff = await run(acts.deliver_handoff, rq.HandoffRequest(workflow_id="lead-L-1", lead=LEAD,
                                                                assignee="queue:x", sections=(), state={}))
    assert handoff.delivered_to[-1] == "crm:L-1"


def test_module_path_provider(plugin_dist: Path) -> None:
    provider: Any = make("tasks", "cadence_fake_plugin:Dialer", ChannelSettings())
    assert type(provider).__name__ == "Dialer"


def test_unknown_and_broken_providers_are_explained(plugin_dist: Path) -> None:
    with pytest.raises(ValueError, match=r"CADENCE_VOICEMAIL_PROVIDER: no voicemail provider named 'nope'; "
                                         r"available: file"):
        providers_from_env(ChannelSettings(), {"CADENCE_VOICEMAIL_PROVIDER": "nope"})
    with pytest.raises(TypeError, match=r"CADENCE_LETTERS_PROVIDER=broken: .* has no submit\(\) method"):
        providers_from_env(ChannelSettings(), {"CADENCE_LETTERS_PROVIDER": "broken"})
    with pytest.raises(ValueError, match="CADENCE_TASKS_PROVIDER: cannot load 'nomod:x'"):
        make("tasks", "nomod:x", ChannelSettings())
