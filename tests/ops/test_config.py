"""Settings: defaults < config file < CADENCE_* variables, with exact error messages."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from cadence import config as cfg
from cadence.cli.main import main
from cadence.config import ConfigError, Settings, load_settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    s = load_settings(environ={})
    assert s == Settings()
    assert (s.temporal_address, s.namespace, s.task_queue, s.tls) == ("127.0.0.1:7233", "default", "cadence", False)
    assert (s.server_ip, s.server_port, s.ui_port) == ("127.0.0.1", 7233, 8233)
    assert s.state_dir == Path(".cadence")
    assert s.db_file == s.database == str(Path(".cadence/temporal.db"))
    assert s.outbox_dir == s.outbox == Path(".cadence/outbox")
    assert (s.smtp_host, s.smtp_port, s.smtp_security, s.sender) == ("127.0.0.1", 1025, "none",
                                                                      "Cadence <cadence@localhost>")
    assert (s.cadences_dir, s.templates_dir, s.time_scale) == (Path("cadences"), Path("templates"), 1.0)
    assert s.api_key is s.smtp_password is s.handoff_webhook is s.tls_cert is None
    assert (s.smtp_timeout, s.webhook_timeout, s.message_id_domain) == (30.0, 10.0, "cadence.local")
    assert (s.unsubscribe_url, s.unsubscribe_secret) == ("http://localhost:8080/unsubscribe", None)
    assert s.email_provider is s.tasks_provider is s.voicemail_provider is s.letters_provider is None
    assert s.handoff_providers == ()
    assert {source for _, _, source in s.describe()} == {"default"}


def test_file_overrides_defaults_and_environment_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path / "cadence.toml", 'temporal_address = "file.example:7233"\nnamespace = "sales"\n'
                                            "server_port = 7300\ntls = true\ntime_scale = 60\n")
    s = load_settings(environ={"CADENCE_TEMPORAL_ADDRESS": "env.example:7233", "CADENCE_SERVER_PORT": "7400"})
    assert (s.temporal_address, s.namespace, s.server_port, s.tls, s.time_scale) == (
        "env.example:7233", "sales", 7400, True, 60.0)
    sources = {key: source for key, _, source in s.describe()}
    assert sources["temporal_address"] == "CADENCE_TEMPORAL_ADDRESS"
    assert sources["server_port"] == "CADENCE_SERVER_PORT"
    assert sources["namespace"] == sources["tls"] == str(Path("cadence.toml"))
    assert sources["task_queue"] == "default"
    assert path.exists()


def test_config_file_is_chosen_by_option_then_variable_then_working_directory(tmp_path: Path) -> None:
    write(tmp_path / "cadence.toml", 'namespace = "cwd"\n')
    named = write(tmp_path / "named.toml", 'namespace = "named"\n')
    option = write(tmp_path / "option.toml", 'namespace = "option"\n')
    assert load_settings(environ={}).namespace == "cwd"
    assert load_settings(environ={"CADENCE_CONFIG": str(named)}).namespace == "named"
    assert load_settings(option, environ={"CADENCE_CONFIG": str(named)}).namespace == "option"


def test_a_named_config_file_must_exist() -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings("missing.toml", environ={})
    assert str(exc.value) == "--config: config file 'missing.toml' does not exist"
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={"CADENCE_CONFIG": "gone.toml"})
    assert str(exc.value) == "CADENCE_CONFIG: config file 'gone.toml' does not exist"


def test_state_dir_moves_the_database_and_the_outbox() -> None:
    s = load_settings(environ={"CADENCE_STATE_DIR": "/var/lib/cadence"})
    assert s.database == "/var/lib/cadence/temporal.db"
    assert s.outbox == Path("/var/lib/cadence/outbox")
    sources = {key: source for key, _, source in s.describe()}
    assert sources["db_file"] == sources["outbox_dir"] == "default (under state_dir)"
    assert load_settings(environ={"CADENCE_DB_FILE": ":memory:"}).database == ":memory:"


def test_channel_variable_names_are_shared() -> None:
    s = load_settings(environ={
        "CADENCE_SMTP_HOST": "smtp.example.com", "CADENCE_SMTP_PORT": "2525", "CADENCE_SMTP_SECURITY": "STARTTLS",
        "CADENCE_SMTP_USERNAME": "mailer", "CADENCE_SMTP_PASSWORD": " hunter2 ",
        "CADENCE_SENDER": "Dana <dana@example.com>", "CADENCE_OUTBOX": "/srv/outbox",
        "CADENCE_HANDOFF_WEBHOOK": "https://crm.example.com/hook",
    })
    assert (s.smtp_host, s.smtp_port, s.smtp_security, s.smtp_username) == ("smtp.example.com", 2525, "starttls",
                                                                            "mailer")
    assert s.smtp_password == " hunter2 "  # secrets are taken verbatim
    assert (s.sender, s.outbox_dir, s.handoff_webhook) == ("Dana <dana@example.com>", Path("/srv/outbox"),
                                                           "https://crm.example.com/hook")
    assert cfg.ENV_VARS["outbox_dir"] == "CADENCE_OUTBOX"


def test_channel_only_settings() -> None:
    s = load_settings(environ={
        "CADENCE_SMTP_TIMEOUT": "5", "CADENCE_WEBHOOK_TIMEOUT": "2.5", "CADENCE_UNSUBSCRIBE_URL": "https://example.com/u",
        "CADENCE_UNSUBSCRIBE_SECRET": " s3cret ", "CADENCE_MESSAGE_ID_DOMAIN": "mail.seller.example",
        "CADENCE_SMTP_SERVICE": "SendGrid",
    })
    assert (s.smtp_timeout, s.webhook_timeout, s.smtp_service) == (5.0, 2.5, "sendgrid")
    assert Settings().smtp_service == "none"
    assert (s.unsubscribe_url, s.message_id_domain) == ("https://example.com/u", "mail.seller.example")
    assert s.unsubscribe_secret == " s3cret "  # secrets are taken verbatim
    assert {key: source for key, _, source in s.describe()}["smtp_timeout"] == "CADENCE_SMTP_TIMEOUT"


def test_provider_choices() -> None:
    s = load_settings(environ={
        "CADENCE_EMAIL_PROVIDER": "ses", "CADENCE_TASKS_PROVIDER": " mycompany.dialer:make_sink ",
        "CADENCE_VOICEMAIL_PROVIDER": "slybroadcast", "CADENCE_LETTERS_PROVIDER": "lob",
        "CADENCE_HANDOFF_PROVIDERS": "salesforce, ,hubspot",
    })
    assert (s.email_provider, s.tasks_provider, s.voicemail_provider, s.letters_provider) == (
        "ses", "mycompany.dialer:make_sink", "slybroadcast", "lob")
    assert s.handoff_providers == ("salesforce", "hubspot")
    write(Path("cadence.toml"), 'handoff_providers = ["crm", "erp"]\ntasks_provider = ""\n')
    s = load_settings(environ={})
    assert (s.handoff_providers, s.tasks_provider) == (("crm", "erp"), None)
    assert {k: v for k, v, _ in s.describe()}["handoff_providers"] == ["crm", "erp"]


def test_origin_names_the_variable_or_the_file_key() -> None:
    write(Path("cadence.toml"), 'tasks_provider = "dialer"\n')
    s = load_settings(environ={"CADENCE_EMAIL_PROVIDER": "ses"})
    assert s.origin("email_provider") == "CADENCE_EMAIL_PROVIDER"
    assert s.origin("tasks_provider") == "cadence.toml: tasks_provider"
    assert s.origin("letters_provider") == "CADENCE_LETTERS_PROVIDER"
    assert s.origin("outbox_dir") == "CADENCE_OUTBOX"


def test_smtp_port_follows_the_security_when_unset() -> None:
    s = load_settings(environ={"CADENCE_SMTP_SECURITY": "tls"})
    assert s.smtp_port == 465
    assert dict((k, src) for k, _, src in s.describe())["smtp_port"] == "default for smtp_security=tls"
    assert load_settings(environ={"CADENCE_SMTP_SECURITY": "starttls"}).smtp_port == 587
    assert load_settings(environ={"CADENCE_SMTP_SECURITY": "tls", "CADENCE_SMTP_PORT": "2465"}).smtp_port == 2465


def test_empty_variables_count_as_unset() -> None:
    assert load_settings(environ={"CADENCE_NAMESPACE": "", "CADENCE_SERVER_PORT": "  "}) == Settings()


def test_unknown_key_names_the_file_and_suggests() -> None:
    write(Path("cadence.toml"), 'temporal_adress = "x:1"\n')
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={})
    assert str(exc.value) == "cadence.toml: unknown key 'temporal_adress'; did you mean 'temporal_address'?"


def test_unknown_key_without_a_near_match_lists_the_keys() -> None:
    write(Path("cadence.toml"), "zzz = 1\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={})
    assert str(exc.value).startswith("cadence.toml: unknown key 'zzz'; known keys: temporal_address, namespace, ")


@pytest.mark.parametrize(("key", "var"), [("api_key", "CADENCE_API_KEY"), ("smtp_password", "CADENCE_SMTP_PASSWORD"),
                                          ("unsubscribe_secret", "CADENCE_UNSUBSCRIBE_SECRET")])
def test_secrets_in_the_file_are_refused(key: str, var: str) -> None:
    write(Path("cadence.toml"), f'{key} = "s3cret"\n')
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={})
    assert str(exc.value) == f"cadence.toml: {key} must not be stored in a file; set the environment variable {var} instead"


@pytest.mark.parametrize(("env", "message"), [
    ({"CADENCE_SERVER_PORT": "abc"}, "CADENCE_SERVER_PORT: 'abc' is not a port number"),
    ({"CADENCE_UI_PORT": "70000"}, "CADENCE_UI_PORT: '70000' is not a port number"),
    ({"CADENCE_SMTP_PORT": "0"}, "CADENCE_SMTP_PORT: '0' is not a port number"),
    ({"CADENCE_SMTP_PORT": "abc"}, "CADENCE_SMTP_PORT: 'abc' is not a port number"),
    ({"CADENCE_SMTP_PORT": "70000"}, "CADENCE_SMTP_PORT: '70000' is not a port number"),
    ({"CADENCE_TLS": "maybe"}, "CADENCE_TLS: 'maybe' is not true or false"),
    ({"CADENCE_TEMPORAL_ADDRESS": "temporal.internal"},
     "CADENCE_TEMPORAL_ADDRESS: 'temporal.internal' is not a host:port address (like 127.0.0.1:7233)"),
    ({"CADENCE_SMTP_SECURITY": "ssl"}, "CADENCE_SMTP_SECURITY: 'ssl' is not one of none, starttls, tls"),
    ({"CADENCE_SENDER": "dana"}, "CADENCE_SENDER: 'dana' is not an email address (like 'Dana <dana@example.com>')"),
    ({"CADENCE_HANDOFF_WEBHOOK": "ftp://x"}, "CADENCE_HANDOFF_WEBHOOK: 'ftp://x' is not an http(s) URL"),
    ({"CADENCE_UNSUBSCRIBE_URL": "example.com/u"}, "CADENCE_UNSUBSCRIBE_URL: 'example.com/u' is not an http(s) URL"),
    ({"CADENCE_SMTP_TIMEOUT": "0"}, "CADENCE_SMTP_TIMEOUT: '0' is not a positive number"),
    ({"CADENCE_SMTP_TIMEOUT": "soon"}, "CADENCE_SMTP_TIMEOUT: 'soon' is not a positive number"),
    ({"CADENCE_WEBHOOK_TIMEOUT": "-1"}, "CADENCE_WEBHOOK_TIMEOUT: '-1' is not a positive number"),
    ({"CADENCE_MESSAGE_ID_DOMAIN": "mail example"},
     "CADENCE_MESSAGE_ID_DOMAIN: 'mail example' is not a domain name (like mail.example.com)"),
    ({"CADENCE_MESSAGE_ID_DOMAIN": "-x.example"},
     "CADENCE_MESSAGE_ID_DOMAIN: '-x.example' is not a domain name (like mail.example.com)"),
    ({"CADENCE_TASKS_PROVIDER": "my dialer"},
     "CADENCE_TASKS_PROVIDER: 'my dialer' is not a provider name (like acme or package.module:factory)"),
    ({"CADENCE_HANDOFF_PROVIDERS": "crm;erp"},
     "CADENCE_HANDOFF_PROVIDERS: 'crm;erp' is not a list of provider names (like crm,erp)"),
    ({"CADENCE_TIME_SCALE": "0"}, "CADENCE_TIME_SCALE: '0' is not a positive number"),
    ({"CADENCE_TLS_CA": "nope.pem"}, "CADENCE_TLS_CA: 'nope.pem' is not a file"),
    ({"CADENCE_WORKER_CACHE": "-1"}, "CADENCE_WORKER_CACHE: '-1' is not a whole number >= 0"),
])
def test_bad_environment_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(environ=env)
    assert str(exc.value) == message


@pytest.mark.parametrize(("line", "message"), [
    ('server_port = "abc"', "cadence.toml: server_port: 'abc' is not a port number"),
    ("ui_port = 70000", "cadence.toml: ui_port: 70000 is not a port number"),
    ("server_port = true", "cadence.toml: server_port: true is not a port number"),
    ("namespace = 3", "cadence.toml: namespace: 3 is not a string"),
    ("time_scale = [1]", "cadence.toml: time_scale: '[1]' is not a positive number"),
    ('namespace = ""', "cadence.toml: namespace: '' must not be empty"),
    ("worker_cache = 2.5", "cadence.toml: worker_cache: 2.5 is not a whole number >= 0"),
    ('unsubscribe_url = ""', "cadence.toml: unsubscribe_url: '' must not be empty"),
    ("smtp_timeout = 0", "cadence.toml: smtp_timeout: 0 is not a positive number"),
    ('smtp_service = "ses"', "cadence.toml: smtp_service: 'ses' is not one of none, sendgrid, postmark, mailgun"),
    ('message_id_domain = "cadence_local"',
     "cadence.toml: message_id_domain: 'cadence_local' is not a domain name (like mail.example.com)"),
    ("handoff_providers = [\"crm\", 3]",
     "cadence.toml: handoff_providers: \"['crm', 3]\" is not a list of provider names (like crm,erp)"),
])
def test_bad_file_values(line: str, message: str) -> None:
    write(Path("cadence.toml"), line + "\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={})
    assert str(exc.value) == message


def test_invalid_toml_names_the_file() -> None:
    write(Path("cadence.toml"), "namespace = \n")
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={})
    assert str(exc.value).startswith("cadence.toml: not valid TOML: Invalid value (at line 1, column 13)")


def test_a_client_certificate_needs_its_key(tmp_path: Path) -> None:
    cert = write(tmp_path / "client.pem", "cert")
    with pytest.raises(ConfigError) as exc:
        load_settings(environ={"CADENCE_TLS_CERT": str(cert)})
    assert str(exc.value) == "CADENCE_TLS_CERT: tls_cert needs tls_key as well (a client certificate and its key)"


def test_secrets_are_masked_and_kept_out_of_repr() -> None:
    s = load_settings(environ={"CADENCE_API_KEY": "key-123", "CADENCE_SMTP_PASSWORD": "hunter2",
                               "CADENCE_UNSUBSCRIBE_SECRET": "s3cret", "CADENCE_INBOUND_TOKEN": "t0ken"})
    assert s.api_key == "key-123" and s.smtp_password == "hunter2" and s.unsubscribe_secret == "s3cret"
    assert s.inbound_token == "t0ken"
    rows = {key: (value, source) for key, value, source in s.describe()}
    assert rows["api_key"] == ("****", "CADENCE_API_KEY")
    assert rows["smtp_password"] == ("****", "CADENCE_SMTP_PASSWORD")
    assert rows["unsubscribe_secret"] == ("****", "CADENCE_UNSUBSCRIBE_SECRET")
    assert rows["inbound_token"] == ("****", "CADENCE_INBOUND_TOKEN")
    for secret in ("key-123", "hunter2", "s3cret", "t0ken"):
        assert secret not in repr(s) and secret not in str(s.describe())
    assert dict((k, v) for k, v, _ in Settings().describe())["api_key"] is None
    assert cfg.SECRETS == {"api_key", "smtp_password", "unsubscribe_secret", "inbound_token", "workspace_secret",
                           "events_secret", "postmark_webhook_auth", "mailgun_signing_key", "calendly_signing_key"}


def test_gateway_ports_and_their_errors() -> None:
    s = load_settings(environ={"CADENCE_GATEWAY_PORT": "9090", "CADENCE_GATEWAY_SMTP_PORT": "0"})
    assert (s.gateway_port, s.gateway_smtp_port) == (9090, 0)
    assert (Settings().gateway_port, Settings().gateway_smtp_port) == (8080, 2525)
    with pytest.raises(ConfigError) as bad:
        load_settings(environ={"CADENCE_GATEWAY_SMTP_PORT": "70000"})
    assert str(bad.value) == "CADENCE_GATEWAY_SMTP_PORT: '70000' is not a port number (or 0 for off)"
    with pytest.raises(ConfigError) as bad:
        load_settings(environ={"CADENCE_GATEWAY_PORT": "0"})
    assert str(bad.value) == "CADENCE_GATEWAY_PORT: '0' is not a port number"


def test_cadence_config_json_shows_the_channel_settings_and_masks_the_secret(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_UNSUBSCRIBE_SECRET", "s3cret")
    monkeypatch.setenv("CADENCE_HANDOFF_PROVIDERS", "crm,erp")
    assert main(["config", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    assert "s3cret" not in out
    assert data["unsubscribe_secret"] == {"value": "****", "source": "CADENCE_UNSUBSCRIBE_SECRET",
                                          "env": "CADENCE_UNSUBSCRIBE_SECRET"}
    assert data["handoff_providers"] == {"value": ["crm", "erp"], "source": "CADENCE_HANDOFF_PROVIDERS",
                                         "env": "CADENCE_HANDOFF_PROVIDERS"}
    assert data["smtp_timeout"] == {"value": 30.0, "source": "default", "env": "CADENCE_SMTP_TIMEOUT"}
    assert data["webhook_timeout"] == {"value": 10.0, "source": "default", "env": "CADENCE_WEBHOOK_TIMEOUT"}
    assert data["unsubscribe_url"] == {"value": "http://localhost:8080/unsubscribe", "source": "default",
                                       "env": "CADENCE_UNSUBSCRIBE_URL"}
    assert data["message_id_domain"] == {"value": "cadence.local", "source": "default",
                                         "env": "CADENCE_MESSAGE_ID_DOMAIN"}
    assert data["tasks_provider"] == {"value": None, "source": "default", "env": "CADENCE_TASKS_PROVIDER"}


def test_cadence_config_table_lists_providers_comma_separated(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CADENCE_HANDOFF_PROVIDERS", "crm,erp")
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["config"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "handoff_providers" in line)
    assert "crm, erp" in row and "CADENCE_HANDOFF_PROVIDERS" in row


def test_every_setting_has_a_parser_and_a_variable() -> None:
    names = [f.name for f in dataclasses.fields(Settings) if f.name != "sources"]
    assert list(cfg.FIELDS) == names
    assert set(cfg._PARSERS) == set(names) == set(cfg.ENV_VARS)
    assert len(set(cfg.ENV_VARS.values())) == len(names)  # one variable per setting


def test_the_variables_deployments_already_use() -> None:
    assert {name: cfg.ENV_VARS[name] for name in (
        "outbox_dir", "smtp_timeout", "webhook_timeout", "unsubscribe_url", "unsubscribe_secret", "message_id_domain",
        "email_provider", "tasks_provider", "voicemail_provider", "letters_provider", "handoff_providers")} == {
        "outbox_dir": "CADENCE_OUTBOX", "smtp_timeout": "CADENCE_SMTP_TIMEOUT",
        "webhook_timeout": "CADENCE_WEBHOOK_TIMEOUT", "unsubscribe_url": "CADENCE_UNSUBSCRIBE_URL",
        "unsubscribe_secret": "CADENCE_UNSUBSCRIBE_SECRET", "message_id_domain": "CADENCE_MESSAGE_ID_DOMAIN",
        "email_provider": "CADENCE_EMAIL_PROVIDER", "tasks_provider": "CADENCE_TASKS_PROVIDER",
        "voicemail_provider": "CADENCE_VOICEMAIL_PROVIDER", "letters_provider": "CADENCE_LETTERS_PROVIDER",
        "handoff_providers": "CADENCE_HANDOFF_PROVIDERS"}


def test_worker_cache_bounds_the_leads_a_worker_keeps_in_memory() -> None:
    assert load_settings(environ={}).worker_cache == 1000
    write(Path("cadence.toml"), "worker_cache = 3000\n")
    assert load_settings(environ={}).worker_cache == 3000
    assert load_settings(environ={"CADENCE_WORKER_CACHE": "0"}).worker_cache == 0


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().namespace = "x"  # type: ignore[misc]


def test_queue_mailboxes_name_an_address_per_queue_and_refuse_anything_else() -> None:
    loaded = load_settings(environ={"CADENCE_QUEUE_MAILBOXES": "queue:sales-managers=Managers <managers@example.com>, sdr=sdr@example.com"})
    assert loaded.queue_mailboxes == (("sales-managers", "Managers <managers@example.com>"), ("sdr", "sdr@example.com"))
    write(Path("cadence.toml"), '[queue_mailboxes]\nsdr = "sdr@example.com"\n')
    assert load_settings(environ={}).queue_mailboxes == (("sdr", "sdr@example.com"),)
    for bad in ("sales-managers", "=a@example.com", "sdr=not-an-address", "sdr=a@example.com\nBcc: x@evil.example"):
        with pytest.raises(ConfigError) as refused:
            load_settings(environ={"CADENCE_QUEUE_MAILBOXES": bad})
        assert str(refused.value) == (f"CADENCE_QUEUE_MAILBOXES: {bad!r} is not NAME=ADDRESS[,NAME=ADDRESS...] "
                                      "(like sales-managers=managers@example.com)")
