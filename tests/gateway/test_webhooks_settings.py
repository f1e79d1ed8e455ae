"""The webhook settings: read from the environment, secrets masked and never in a file, bad values in one line,
and carried into the gateway's options."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cadence.config import ConfigError, load_settings
from cadence.gateway.app import GatewayOptions

EC_KEY = base64.b64encode(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
    Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).decode()


def test_webhook_keys_come_from_the_environment_and_secrets_are_masked() -> None:
    env = {"CADENCE_EVENTS_SECRET": "ev-s3cret", "CADENCE_SENDGRID_VERIFICATION_KEY": EC_KEY,
           "CADENCE_POSTMARK_WEBHOOK_AUTH": "pm:pa55", "CADENCE_MAILGUN_SIGNING_KEY": "mg-s3cret",
           "CADENCE_CALENDLY_SIGNING_KEY": "cal-s3cret"}
    settings = load_settings(environ=env)
    rows = {key: (value, source) for key, value, source in settings.describe()}
    for name in ("events_secret", "postmark_webhook_auth", "mailgun_signing_key", "calendly_signing_key"):
        assert rows[name] == ("****", f"CADENCE_{name.upper()}")
    assert rows["sendgrid_verification_key"] == (EC_KEY, "CADENCE_SENDGRID_VERIFICATION_KEY")  # a public key
    for secret in ("ev-s3cret", "pa55", "mg-s3cret", "cal-s3cret"):
        assert secret not in repr(settings) and secret not in str(settings.describe())
    options = GatewayOptions.from_settings(settings)
    assert (options.events_secret, options.sendgrid_verification_key, options.postmark_webhook_auth,
            options.mailgun_signing_key, options.calendly_signing_key) == (
        "ev-s3cret", EC_KEY, "pm:pa55", "mg-s3cret", "cal-s3cret")
    assert options.quarantine_dir == settings.state_dir / "quarantine"
    assert "s3cret" not in repr(options)


def test_a_pem_key_is_taken_too() -> None:
    pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    assert load_settings(environ={"CADENCE_SENDGRID_VERIFICATION_KEY": pem}).sendgrid_verification_key == pem.strip()


@pytest.mark.parametrize(("env", "message"), [
    ({"CADENCE_SENDGRID_VERIFICATION_KEY": "not-a-key"},
     "CADENCE_SENDGRID_VERIFICATION_KEY: 'not-a-key' is not an ECDSA public key (SendGrid's verification key, base64)"),
    ({"CADENCE_POSTMARK_WEBHOOK_AUTH": "only-a-user"},
     "CADENCE_POSTMARK_WEBHOOK_AUTH: 'only-a-user' is not user:password"),
])
def test_unusable_webhook_settings_are_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(environ=env)
    assert str(refused.value) == message


def test_an_rsa_key_is_not_sendgrids() -> None:
    rsa_key = base64.b64encode(rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key().public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo)).decode()
    with pytest.raises(ConfigError, match="is not an ECDSA public key"):
        load_settings(environ={"CADENCE_SENDGRID_VERIFICATION_KEY": rsa_key})


def test_webhook_secrets_never_live_in_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "cadence.toml"
    config.write_text('mailgun_signing_key = "mg"\n')
    with pytest.raises(ConfigError) as refused:
        load_settings(config, environ={})
    assert str(refused.value) == (f"{config}: mailgun_signing_key must not be stored in a file; "
                                  "set the environment variable CADENCE_MAILGUN_SIGNING_KEY instead")
