"""ChannelSettings: the channels' slice of cadence.config.Settings (parsing is tested in tests/ops/test_config.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cadence.channels.settings import ChannelSettings
from cadence.config import Settings, load_settings


@pytest.fixture(autouse=True)
def no_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ./cadence.toml of the developer's


def test_defaults_are_the_settings_defaults() -> None:
    s = ChannelSettings.from_settings(load_settings(environ={}))
    assert s == ChannelSettings()
    assert (s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_timeout) == ("127.0.0.1", 1025, "none", 30.0)
    assert s.sender == "Cadence <cadence@localhost>"
    assert s.outbox_dir == Path(".cadence/outbox")
    assert (s.handoff_webhook, s.webhook_timeout) == (None, 10.0)
    assert (s.unsubscribe_url, s.unsubscribe_secret) == ("http://localhost:8080/unsubscribe", None)
    assert s.message_id_domain == "cadence.local"


def test_every_field_is_the_setting_of_that_name() -> None:
    settings = {f.name: f for f in dataclasses.fields(Settings)}
    for f in dataclasses.fields(ChannelSettings):
        assert f.name in settings, f.name
        assert f.repr == settings[f.name].repr, f.name  # secrets stay out of repr in both
        if f.name != "outbox_dir":  # Settings derives it from state_dir
            assert f.default == settings[f.name].default, f.name
    assert not hasattr(ChannelSettings, "from_env")


def test_every_variable_reaches_the_channels() -> None:
    s = ChannelSettings.from_settings(load_settings(environ={
        "CADENCE_SMTP_HOST": "smtp.example.com",
        "CADENCE_SMTP_PORT": "2525",
        "CADENCE_SMTP_SECURITY": "STARTTLS",
        "CADENCE_SMTP_USERNAME": "mailer",
        "CADENCE_SMTP_PASSWORD": "hunter2",
        "CADENCE_SMTP_TIMEOUT": "5",
        "CADENCE_SENDER": "Dana <dana@example.com>",
        "CADENCE_MESSAGE_ID_DOMAIN": "mail.example.com",
        "CADENCE_OUTBOX": "/var/cadence/outbox",
        "CADENCE_HANDOFF_WEBHOOK": "https://crm.example.com/hook",
        "CADENCE_WEBHOOK_TIMEOUT": "2.5",
        "CADENCE_UNSUBSCRIBE_URL": "https://example.com/u",
        "CADENCE_UNSUBSCRIBE_SECRET": "s3cret",
    }))
    assert (s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_timeout) == ("smtp.example.com", 2525, "starttls", 5.0)
    assert (s.smtp_username, s.smtp_password) == ("mailer", "hunter2")
    assert (s.sender, s.message_id_domain) == ("Dana <dana@example.com>", "mail.example.com")
    assert s.outbox_dir == Path("/var/cadence/outbox")
    assert (s.handoff_webhook, s.webhook_timeout) == ("https://crm.example.com/hook", 2.5)
    assert (s.unsubscribe_url, s.unsubscribe_secret) == ("https://example.com/u", "s3cret")
    assert "hunter2" not in repr(s) and "s3cret" not in repr(s)


def test_a_config_file_reaches_the_channels() -> None:
    Path("cadence.toml").write_text('smtp_timeout = 12\nunsubscribe_url = "https://example.com/u"\n'
                                    'message_id_domain = "mail.example.com"\nstate_dir = "/srv/cadence"\n')
    s = ChannelSettings.from_settings(load_settings(environ={}))
    assert (s.smtp_timeout, s.unsubscribe_url, s.message_id_domain) == (12, "https://example.com/u",
                                                                         "mail.example.com")
    assert s.outbox_dir == Path("/srv/cadence/outbox")


def test_security_picks_its_usual_port() -> None:
    assert ChannelSettings.from_settings(load_settings(environ={"CADENCE_SMTP_SECURITY": "tls"})).smtp_port == 465
    assert ChannelSettings.from_settings(load_settings(environ={"CADENCE_SMTP_SECURITY": "starttls"})).smtp_port == 587


def test_built_directly_without_parsing() -> None:
    # Tests and embedders construct it with trusted values; nothing is parsed twice.
    s = ChannelSettings(smtp_port=2525, outbox_dir=Path("/tmp/o"), sender="Bench <bench@seller.example>")
    assert (s.smtp_port, s.outbox_dir, s.sender) == (2525, Path("/tmp/o"), "Bench <bench@seller.example>")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.sender = "x"  # type: ignore[misc]
