"""Settings from CADENCE_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from cadence.channels.settings import ChannelSettings


def test_defaults() -> None:
    s = ChannelSettings.from_env({})
    assert s == ChannelSettings()
    assert (s.smtp_host, s.smtp_port, s.smtp_security) == ("127.0.0.1", 1025, "none")
    assert s.default_sender == "cadence@localhost"
    assert s.outbox_dir == Path(".cadence/outbox")
    assert s.webhook_url is None
    assert s.unsubscribe_base_url == "http://localhost:8080/unsubscribe"
    assert s.message_id_domain == "cadence.local"


def test_every_variable() -> None:
    s = ChannelSettings.from_env({
        "CADENCE_SMTP_HOST": "smtp.example.com",
        "CADENCE_SMTP_PORT": "2525",
        "CADENCE_SMTP_SECURITY": "STARTTLS",
        "CADENCE_SMTP_USERNAME": "mailer",
        "CADENCE_SMTP_PASSWORD": "hunter2",
        "CADENCE_SENDER": "Dana <dana@example.com>",
        "CADENCE_OUTBOX": "/var/cadence/outbox",
        "CADENCE_HANDOFF_WEBHOOK": "https://crm.example.com/hook",
        "CADENCE_UNSUBSCRIBE_URL": "https://example.com/u",
    })
    assert (s.smtp_host, s.smtp_port, s.smtp_security) == ("smtp.example.com", 2525, "starttls")
    assert (s.smtp_username, s.smtp_password) == ("mailer", "hunter2")
    assert s.default_sender == "Dana <dana@example.com>"
    assert s.outbox_dir == Path("/var/cadence/outbox")
    assert s.webhook_url == "https://crm.example.com/hook"
    assert s.unsubscribe_base_url == "https://example.com/u"
    assert "hunter2" not in repr(s)


def test_security_picks_its_usual_port() -> None:
    assert ChannelSettings.from_env({"CADENCE_SMTP_SECURITY": "tls"}).smtp_port == 465
    assert ChannelSettings.from_env({"CADENCE_SMTP_SECURITY": "starttls"}).smtp_port == 587


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CADENCE_SMTP_PORT": "abc"}, "CADENCE_SMTP_PORT: 'abc' is not a port number (1-65535)"),
        ({"CADENCE_SMTP_PORT": "70000"}, "CADENCE_SMTP_PORT: 70000 is outside 1-65535"),
        ({"CADENCE_SMTP_SECURITY": "ssl3"}, "CADENCE_SMTP_SECURITY: 'ssl3' is not one of none, starttls, tls"),
        ({"CADENCE_SENDER": "nobody"}, "CADENCE_SENDER: 'nobody' is not an email address"),
        ({"CADENCE_HANDOFF_WEBHOOK": "ftp://x"}, "CADENCE_HANDOFF_WEBHOOK: 'ftp://x' is not an http(s) URL"),
        ({"CADENCE_UNSUBSCRIBE_URL": "example.com/u"}, "CADENCE_UNSUBSCRIBE_URL"),
        ({"CADENCE_SMTP_TIMEOUT": "0"}, "CADENCE_SMTP_TIMEOUT"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError) as err:
        ChannelSettings.from_env(env)
    assert str(err.value).startswith(message)
