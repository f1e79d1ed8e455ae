"""Providers from entry points, module paths and built-ins; activity registration."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cadence.channels import requests as rq
from cadence.channels.activities import ChannelActivities
from cadence.channels.plugins import available, make, providers_from_settings
from cadence.channels.settings import ChannelSettings
from cadence.channels.tasks import FileTaskSink
from cadence.config import Settings, load_settings

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
    chosen = providers_from_settings(Settings(outbox_dir=tmp_path))
    assert chosen.email is chosen.tasks is chosen.voicemail is chosen.letters is None and chosen.handoff == ()
    assert isinstance(make("tasks", "file", ChannelSettings(outbox_dir=tmp_path)), FileTaskSink)


async def test_entry_point_providers_are_selected_by_settings(plugin_dist: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"CADENCE_OUTBOX": str(tmp_path / "out"), "CADENCE_TASKS_PROVIDER": "dialer",
           "CADENCE_HANDOFF_PROVIDERS": "crm"}
    assert "dialer" in available("tasks")
    acts = ChannelActivities.from_settings(load_settings(environ=env))
    assert acts.settings.outbox_dir == tmp_path / "out"
    assert acts.task_sink.settings is acts.settings  # type: ignore[attr-defined]
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


def test_unknown_and_broken_providers_are_explained(plugin_dist: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as err:
        providers_from_settings(load_settings(environ={"CADENCE_VOICEMAIL_PROVIDER": "nope"}))
    assert str(err.value) == ("CADENCE_VOICEMAIL_PROVIDER: no voicemail provider named 'nope'; available: file "
                              "(install one exposing entry point 'voicemail.nope' in group 'cadence.channels', "
                              "or give module:factory)")
    with pytest.raises(TypeError) as err:
        providers_from_settings(load_settings(environ={"CADENCE_LETTERS_PROVIDER": "broken"}))
    assert str(err.value) == ("CADENCE_LETTERS_PROVIDER=broken: the factory returned NotAProvider, "
                              "which has no submit() method")
    with pytest.raises(ValueError, match="CADENCE_TASKS_PROVIDER: cannot load 'nomod:x'"):
        make("tasks", "nomod:x", ChannelSettings())


def test_a_provider_from_the_config_file_is_named_by_its_key(plugin_dist: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("cadence.toml").write_text('handoff_providers = ["crm", "nope"]\n')
    with pytest.raises(ValueError) as err:
        providers_from_settings(load_settings(environ={}))
    assert str(err.value).startswith("cadence.toml: handoff_providers: no handoff provider named 'nope'; "
                                     "available: crm ")
