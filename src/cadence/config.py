"""Effective settings: defaults < config file (TOML) < ``CADENCE_*`` environment variables.

The config file is ``--config PATH``, else ``$CADENCE_CONFIG``, else
``./cadence.toml`` when it exists. Its keys are the field names of
:class:`Settings`, flat (``temporal_address = "temporal.internal:7233"``).
Every field can also be set with ``CADENCE_<FIELD>`` (see :data:`ENV_VARS`).

This module owns every setting: the CLI, the worker and the channels
(:class:`cadence.channels.settings.ChannelSettings` is a slice of
:class:`Settings`) read them from here, and ``cadence config`` shows them all.
The payload codec's keys (``CADENCE_CODEC_KEYS``) are the exception, still read
by :mod:`cadence.codec`. Secrets (see :data:`SECRETS`) come from the environment
only: a config file ends up in a repository sooner or later.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

CONFIG_FILE = "cadence.toml"
"""Read from the working directory when present and no other file is named."""
CONFIG_ENV = "CADENCE_CONFIG"
"""Environment variable naming the config file."""
SECRETS: frozenset[str] = frozenset({"api_key", "smtp_password", "unsubscribe_secret", "inbound_token",
                                     "workspace_secret", "events_secret", "postmark_webhook_auth",
                                     "mailgun_signing_key", "calendly_signing_key"})
"""Settings read from the environment only and masked in :meth:`Settings.describe`."""
SMTP_SECURITY: tuple[str, ...] = ("none", "starttls", "tls")
"""``none`` (plain, local relays), ``starttls`` (upgrade, port 587), ``tls`` (implicit TLS, port 465)."""
SMTP_SERVICES: tuple[str, ...] = ("none", "sendgrid", "postmark", "mailgun")
"""Email services whose custom-argument header cadence can fill (``smtp_service``)."""
MASK = "****"

_SMTP_DEFAULT_PORTS = {"none": 1025, "starttls": 587, "tls": 465}
_DOMAIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
# Built-in and entry-point names (``acme``) and ``module:factory`` paths.
_PROVIDER_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:-]*$")


class ConfigError(ValueError):
    """A setting is unusable; the message names where it came from (file and key, or variable)."""


@dataclass(frozen=True)
class Settings:
    """Every knob of cadence. Build it with :func:`load_settings` to get files and environment applied."""

    temporal_address: str = "127.0.0.1:7233"
    """``host:port`` of the Temporal frontend the CLI and workers connect to."""
    namespace: str = "default"
    """Temporal namespace of the workflows."""
    task_queue: str = "cadence"
    """Task queue the workers poll and enrollments target."""
    tls: bool = False
    """Force TLS; implied by ``tls_ca``/``tls_cert`` and by ``api_key`` (Temporal Cloud)."""
    tls_cert: Path | None = None
    """Client certificate (PEM) for mTLS; goes with ``tls_key``."""
    tls_key: Path | None = None
    """Private key (PEM) of ``tls_cert``."""
    tls_ca: Path | None = None
    """CA bundle (PEM) that signed the server's certificate, when not a public CA."""
    api_key: str | None = field(default=None, repr=False)
    """Temporal Cloud API key; ``CADENCE_API_KEY`` only."""
    state_dir: Path = Path(".cadence")
    """Local state: the embedded server's database, pid file and log, the outbox."""
    server_ip: str = "127.0.0.1"
    """Bind address of the embedded server (loopback: the dev server has no authentication)."""
    server_port: int = 7233
    """gRPC frontend port of the embedded server."""
    ui_port: int = 8233
    """Web UI port of the embedded server."""
    db_file: str | None = None
    """SQLite file of the embedded server, or ``:memory:``; unset means ``<state_dir>/temporal.db``."""
    smtp_host: str = "127.0.0.1"
    """SMTP server the email channel sends through (``cadence sink`` listens here on a laptop)."""
    smtp_port: int = 1025
    """SMTP port; when unset it follows ``smtp_security`` (1025, 587 or 465)."""
    smtp_security: str = "none"
    """One of :data:`SMTP_SECURITY`."""
    smtp_username: str | None = None
    """SMTP login, when the server wants one."""
    smtp_password: str | None = field(default=None, repr=False)
    """SMTP password; ``CADENCE_SMTP_PASSWORD`` only."""
    smtp_timeout: float = 30.0
    """Seconds for connecting to the SMTP server and for each SMTP command."""
    smtp_service: str = "none"
    """The email service behind the SMTP server, one of :data:`SMTP_SERVICES`: each email then carries the
    lead's token in that service's custom-argument header, which the service echoes in its webhooks, so a
    bounce or opt-out it reports finds its lead even where it rewrote the Message-ID."""
    sender: str = "Cadence <cadence@localhost>"
    """``From`` of emails whose step names no sender (``Name <addr>`` allowed)."""
    message_id_domain: str = "cadence.local"
    """Right-hand side of the Message-IDs of emails and handoff emails."""
    unsubscribe_url: str = "http://localhost:8080/unsubscribe"
    """Base of the unsubscribe link in every email (``?lead=ID&token=HMAC`` is appended)."""
    unsubscribe_secret: str | None = field(default=None, repr=False)
    """Key signing unsubscribe links; ``CADENCE_UNSUBSCRIBE_SECRET`` only. Set it in production: without it
    a link can be forged from a lead id."""
    metrics_address: str | None = None
    """``host:port`` where workers and gateways serve Prometheus ``/metrics``; unset: none."""
    gateway_port: int = 8080
    """HTTP port of ``cadence gateway`` (the unsubscribe links' default address)."""
    gateway_smtp_port: int = 2525
    """Port of the gateway's inbound SMTP listener (replies, bounces, out-of-office); 0 turns it off."""
    inbound_match_sender: bool = False
    """Find the lead of an inbound message by its sender's address when neither cadence's Message-IDs nor
    its token name one. Enrollment then gives each lead a keyed digest of its address
    (``CadenceContactKeys``; :mod:`cadence.contacts`): leads enrolled before it was on are not found so."""
    inbound_token: str | None = field(default=None, repr=False)
    """Bearer token ``POST /inbound/mime`` requires (an MTA or a provider's inbound-parse webhook);
    ``CADENCE_INBOUND_TOKEN`` only. Unset: that endpoint is off. ``GET /status`` wants it too when set."""
    events_secret: str | None = field(default=None, repr=False)
    """Shared secret of ``POST /events`` (CRMs and other tools sign ``timestamp.body`` with HMAC-SHA256);
    ``CADENCE_EVENTS_SECRET`` only. Unset: that endpoint is off."""
    sendgrid_verification_key: str | None = None
    """The public key of SendGrid's Signed Event Webhook (base64 as SendGrid shows it, or PEM) that
    ``POST /webhooks/sendgrid`` verifies every batch with. Unset: that endpoint is off."""
    postmark_webhook_auth: str | None = field(default=None, repr=False)
    """``user:password`` that Postmark's webhooks send as HTTP basic auth (put it in the webhook URL) to
    ``POST /webhooks/postmark``; ``CADENCE_POSTMARK_WEBHOOK_AUTH`` only. Unset: that endpoint is off."""
    mailgun_signing_key: str | None = field(default=None, repr=False)
    """Mailgun's HTTP webhook signing key, which ``POST /webhooks/mailgun`` verifies every event with;
    ``CADENCE_MAILGUN_SIGNING_KEY`` only. Unset: that endpoint is off."""
    calendly_signing_key: str | None = field(default=None, repr=False)
    """The signing key of the Calendly webhook subscription (``POST /webhooks/calendly``: booked meetings);
    ``CADENCE_CALENDLY_SIGNING_KEY`` only. Unset: that endpoint is off."""
    outbox_dir: Path | None = None
    """Files the channels write (tasks, letters, voicemail, handoffs, mail); unset means ``<state_dir>/outbox``."""
    handoff_webhook: str | None = None
    """Handoff dossiers are POSTed here as JSON when set."""
    queue_mailboxes: tuple[tuple[str, str], ...] = ()
    """Where a queue reads its email, ``sales-managers=managers@example.com,sdr=sdr@example.com`` (or a TOML
    table): a handoff or an escalation to ``queue:NAME`` is emailed there; a queue without one gets the
    outbox and the webhook only."""
    webhook_timeout: float = 10.0
    """Seconds a POST to ``handoff_webhook`` may take."""
    email_provider: str | None = None
    """Email transport plug-in (``<name>`` or ``module:factory``); unset means SMTP."""
    tasks_provider: str | None = None
    """Call and voicemail task plug-in (a dialer, a CRM); unset means JSON files in the outbox."""
    voicemail_provider: str | None = None
    """Voicemail drop plug-in; unset means scripts in the outbox."""
    letters_provider: str | None = None
    """Print-and-mail plug-in; unset means HTML files in the outbox."""
    handoff_providers: tuple[str, ...] = ()
    """Handoff plug-ins (a CRM), comma-separated; added after the outbox, email and webhook destinations."""
    cadences_dir: Path = Path("cadences")
    """Where cadence files are looked up by name."""
    templates_dir: Path = Path("templates")
    """Root of the templates the cadences name."""
    time_scale: float = 1.0
    """Clock speed-up recorded in new enrollments (demos); 1.0 is real time."""
    worker_cache: int = 1000
    """Leads a worker keeps in memory between their steps (about 0.2 MiB each); others are rebuilt
    from their history when they next act. Bounds a worker's memory however many leads wait."""
    deployment: str | None = None
    """Worker Versioning: the worker deployment this worker belongs to (``cadence``); with ``build_id``, leads
    are pinned to the build that started them and move to the current build at their next continue-as-new
    (docs/versioning.md). Unset: workers are unversioned."""
    build_id: str | None = None
    """The build of this worker within ``deployment`` (a release tag, a git sha)."""
    users_file: Path | None = None
    """The workspace's people (``cadence users add``): roles, queues, password hashes; unset means
    ``<state_dir>/users.json``."""
    auth_header: str | None = None
    """Header a trusted sign-in proxy names the person in (``X-Forwarded-User``); unset: people sign in with a
    password. Set it only when the gateway can be reached through that proxy alone."""
    public_url: str | None = None
    """The gateway's address as people reach it (``https://cadence.example.com``): handoff emails link to
    ``<public_url>/handoffs/<lead>``. Unset: no link."""
    workspace_secret: str | None = field(default=None, repr=False)
    """Key signing the workspace's sign-in cookies and the links in handoff emails;
    ``CADENCE_WORKSPACE_SECRET`` only (the gateway and the workers need it). Unset: handoff emails carry no
    link, and a sign-in lasts until the gateway restarts."""
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)
    """Where each value came from: a file path or a variable name; absent means the default."""

    def __post_init__(self) -> None:
        if self.db_file is None:
            object.__setattr__(self, "db_file", str(self.state_dir / "temporal.db"))
        if self.outbox_dir is None:
            object.__setattr__(self, "outbox_dir", self.state_dir / "outbox")
        if self.users_file is None:
            object.__setattr__(self, "users_file", self.state_dir / "users.json")
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    @property
    def database(self) -> str:
        """The embedded server's database: a file path or ``:memory:``."""
        return str(self.db_file)

    @property
    def outbox(self) -> Path:
        """Root of the file outbox (``outbox_dir`` resolved)."""
        return Path(self.outbox_dir or self.state_dir / "outbox")

    def origin(self, name: str) -> str:
        """How a message names setting ``name``: its variable, or ``<source>: <name>`` when a config file set it.

        A default is named by the variable that would change it; a value derived by a rule (``smtp_port``
        from ``smtp_security``) is named like a file's, by the rule.
        """
        source = self.sources.get(name)
        var = ENV_VARS[name]
        return var if source is None or source == var else f"{source}: {name}"

    def describe(self) -> list[tuple[str, Any, str]]:
        """``(key, value, source)`` for every setting, secrets masked as ``****`` when set.

        Values are JSON types (paths as strings, unset as ``None``); the source is
        ``default``, the config file's path, or the environment variable's name.
        """
        rows: list[tuple[str, Any, str]] = []
        for name in FIELDS:
            value = getattr(self, name)
            if name in SECRETS:
                value = MASK if value else None
            elif isinstance(value, Path):
                value = str(value)
            elif isinstance(value, tuple):
                value = list(value)
            source = self.sources.get(name, "default")
            if name in ("db_file", "outbox_dir", "users_file") and name not in self.sources and "state_dir" in self.sources:
                source = "default (under state_dir)"
            rows.append((name, value, source))
        return rows


FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings) if f.name != "sources")
"""Setting names, in display order."""

ENV_VARS: dict[str, str] = {name: f"CADENCE_{name.upper()}" for name in FIELDS} | {
    # The name deployments have used since the outbox was the channels' own setting.
    "outbox_dir": "CADENCE_OUTBOX",
}
"""Setting name -> environment variable."""


class _Bad(Exception):
    """A value failed a parser; the message completes ``<where>: <value> ...``."""


def _text(raw: object) -> str:
    if not isinstance(raw, str):
        raise _Bad("is not a string")
    if not raw.strip():
        raise _Bad("must not be empty")
    return raw.strip()


def _optional_text(raw: object) -> str | None:
    if not isinstance(raw, str):
        raise _Bad("is not a string")
    return raw or None


def _deployment_part(raw: object) -> str | None:
    text = _optional_text(raw)
    if text is not None and (len(text) > 255 or not all(c.isalnum() or c in "-_." for c in text)):
        raise _Bad("is not a deployment name or build id (letters, digits, '-', '_', '.'; at most 255)")
    return text


def _address(raw: object) -> str:
    text = _text(raw)
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise _Bad("is not a host:port address (like 127.0.0.1:7233)")
    return text


def _whole(raw: object, problem: str) -> int:
    """A TOML integer or a string of digits; anything else fails with ``problem``."""
    if isinstance(raw, bool):
        raise _Bad(problem)
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if not isinstance(raw, int):
        raise _Bad(problem)
    return raw


def _port(raw: object) -> int:
    value = _whole(raw, "is not a port number")
    if not 0 < value < 65536:
        raise _Bad("is not a port number")
    return value

def _optional_address(raw: object) -> str | None:
    return _address(raw) if _optional_text(raw) else None


def _port_or_off(raw: object) -> int:
    value = _whole(raw, "is not a port number (or 0 for off)")
    if not 0 <= value < 65536:
        raise _Bad("is not a port number (or 0 for off)")
    return value


def _bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise _Bad("is not true or false")


def _path(raw: object) -> Path:
    return Path(_text(raw)).expanduser()


def _file(raw: object) -> Path:
    path = _path(raw)
    if not path.is_file():
        raise _Bad("is not a file")
    return path


def _db(raw: object) -> str:
    text = _text(raw)
    return text if text == ":memory:" else str(Path(text).expanduser())


def _security(raw: object) -> str:
    text = _text(raw).lower()
    if text not in SMTP_SECURITY:
        raise _Bad(f"is not one of {', '.join(SMTP_SECURITY)}")
    return text


def _service(raw: object) -> str:
    text = _text(raw).lower()
    if text not in SMTP_SERVICES:
        raise _Bad(f"is not one of {', '.join(SMTP_SERVICES)}")
    return text


def _is_address(text: str) -> bool:
    """Whether ``text`` is one email address (``Name <addr>`` allowed) with no line break in it."""
    return "@" in parseaddr(text)[1] and not any(c in text for c in "\r\n")


def _sender(raw: object) -> str:
    text = _text(raw)
    if not _is_address(text):
        raise _Bad("is not an email address (like 'Dana <dana@example.com>')")
    return text


def _url(raw: object) -> str:
    text = _text(raw)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Bad("is not an http(s) URL")
    return text


def _optional_url(raw: object) -> str | None:
    text = _optional_text(raw)
    return None if text is None else _url(text)


def _public_url(raw: object) -> str | None:
    text = _optional_url(raw)
    if text is not None and (urlsplit(text).query or urlsplit(text).fragment):
        raise _Bad("is not a base URL (no ?query or #fragment)")
    return None if text is None else text.rstrip("/")


def _header(raw: object) -> str | None:
    text = (_optional_text(raw) or "").strip()
    if text and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}", text):
        raise _Bad("is not an HTTP header name (like X-Forwarded-User)")
    return text or None


def _mailboxes(raw: object) -> tuple[tuple[str, str], ...]:
    if isinstance(raw, dict):
        pairs = [(str(k), v) for k, v in raw.items()]
    elif isinstance(raw, str):
        pairs = [tuple(part.split("=", 1)) if "=" in part else (part, "") for part in raw.split(",") if part.strip()]
    else:
        raise _Bad("is not NAME=ADDRESS[,NAME=ADDRESS...]")
    found = []
    for name, address in pairs:
        name = name.strip().removeprefix("queue:")
        text = address.strip() if isinstance(address, str) else ""
        if not name or "," in text or not _is_address(text):
            raise _Bad("is not NAME=ADDRESS[,NAME=ADDRESS...] (like sales-managers=managers@example.com)")
        found.append((name, text))
    return tuple(found)


def _credential(raw: object) -> str | None:
    text = _optional_text(raw)
    if text is not None and (":" not in text or text.startswith(":") or any(c in text for c in "\r\n")):
        raise _Bad("is not user:password")
    return text


def _ecdsa_public_key(raw: object) -> str | None:
    """Base64 DER (SendGrid's form) or PEM of an elliptic-curve public key, checked by loading it."""
    text = (_optional_text(raw) or "").strip()
    if not text:
        return None
    import base64

    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

    try:
        key = (load_pem_public_key(text.encode()) if text.startswith("-----")
               else load_der_public_key(base64.b64decode("".join(text.split()), validate=True)))
    except (ValueError, TypeError, UnsupportedAlgorithm):  # binascii.Error is a ValueError
        raise _Bad("is not an ECDSA public key (SendGrid's verification key, base64)") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise _Bad("is not an ECDSA public key (SendGrid's verification key, base64)")
    return text


def _domain(raw: object) -> str:
    text = _text(raw)
    if not _DOMAIN_RE.match(text):
        raise _Bad("is not a domain name (like mail.example.com)")
    return text


def _provider(raw: object) -> str | None:
    text = (_optional_text(raw) or "").strip()
    if not text:
        return None
    if not _PROVIDER_RE.match(text):
        raise _Bad("is not a provider name (like acme or package.module:factory)")
    return text


def _providers(raw: object) -> tuple[str, ...]:
    """Comma-separated text (a variable) or a list of strings (TOML)."""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise _Bad("is not a list of provider names (like crm,erp)")
    names = [item.strip() for item in items if item.strip()]
    if not all(_PROVIDER_RE.match(name) for name in names):
        raise _Bad("is not a list of provider names (like crm,erp)")
    return tuple(names)


def _positive(raw: object) -> float:
    if isinstance(raw, bool):
        raise _Bad("is not a positive number")
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _Bad("is not a positive number") from None
    if not value > 0 or value == float("inf"):
        raise _Bad("is not a positive number")
    return value


def _count(raw: object) -> int:
    value = _whole(raw, "is not a whole number >= 0")
    if value < 0:
        raise _Bad("is not a whole number >= 0")
    return value


_PARSERS: dict[str, Callable[[object], Any]] = {
    "temporal_address": _address,
    "namespace": _text,
    "task_queue": _text,
    "tls": _bool,
    "tls_cert": _file,
    "tls_key": _file,
    "tls_ca": _file,
    "api_key": _optional_text,
    "state_dir": _path,
    "server_ip": _text,
    "server_port": _port,
    "ui_port": _port,
    "db_file": _db,
    "smtp_host": _text,
    "smtp_port": _port,
    "smtp_security": _security,
    "smtp_username": _optional_text,
    "smtp_password": _optional_text,
    "smtp_timeout": _positive,
    "smtp_service": _service,
    "sender": _sender,
    "message_id_domain": _domain,
    "unsubscribe_url": _url,
    "unsubscribe_secret": _optional_text,
    "metrics_address": _optional_address,
    "gateway_port": _port,
    "gateway_smtp_port": _port_or_off,
    "inbound_match_sender": _bool,
    "inbound_token": _optional_text,
    "events_secret": _optional_text,
    "sendgrid_verification_key": _ecdsa_public_key,
    "postmark_webhook_auth": _credential,
    "mailgun_signing_key": _optional_text,
    "calendly_signing_key": _optional_text,
    "outbox_dir": _path,
    "handoff_webhook": _optional_url,
    "queue_mailboxes": _mailboxes,
    "webhook_timeout": _positive,
    "email_provider": _provider,
    "tasks_provider": _provider,
    "voicemail_provider": _provider,
    "letters_provider": _provider,
    "handoff_providers": _providers,
    "cadences_dir": _path,
    "templates_dir": _path,
    "time_scale": _positive,
    "worker_cache": _count,
    "deployment": _deployment_part,
    "build_id": _deployment_part,
    "users_file": _path,
    "auth_header": _header,
    "public_url": _public_url,
    "workspace_secret": _optional_text,
}


def _parse(name: str, raw: object, where: str) -> Any:
    try:
        return _PARSERS[name](raw)
    except _Bad as exc:
        raise ConfigError(f"{where}: {_shown(raw)} {exc}") from None


def _shown(raw: object) -> str:
    """A value as its source spelled it: quoted text, bare TOML numbers and booleans."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (int, float, str)):
        return repr(raw)
    return repr(str(raw))


def config_path(explicit: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The config file to read: ``explicit``, else ``$CADENCE_CONFIG``, else ``./cadence.toml`` if present.

    Raises:
        ConfigError: when a named file (``explicit`` or the variable) does not exist.
    """
    env = os.environ if environ is None else environ
    if explicit:
        named, origin = Path(explicit), "--config"
    elif env.get(CONFIG_ENV):
        named, origin = Path(env[CONFIG_ENV]), CONFIG_ENV
    else:
        default = Path(CONFIG_FILE)
        return default if default.is_file() else None
    if not named.expanduser().is_file():
        raise ConfigError(f"{origin}: config file {str(named)!r} does not exist")
    return named.expanduser()


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key in SECRETS:
            raise ConfigError(f"{path}: {key} must not be stored in a file; "
                              f"set the environment variable {ENV_VARS[key]} instead")
        if key not in _PARSERS:
            close = difflib.get_close_matches(key, FIELDS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(FIELDS)}"
            raise ConfigError(f"{path}: unknown key {key!r}{hint}")
        values[key] = _parse(key, raw, f"{path}: {key}")
    return values


def load_settings(config: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Effective settings: defaults, then the config file, then ``CADENCE_*`` variables.

    Empty environment variables count as unset.

    Args:
        config: config file to read (``--config``); see :func:`config_path` for the fallbacks.
        environ: the environment (default ``os.environ``).

    Raises:
        ConfigError: unreadable or unknown file, unknown key, secret in the file, or an unusable value.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    path = config_path(config, env)
    if path is not None:
        values = _read_file(path)
        sources = dict.fromkeys(values, str(path))
    for name in FIELDS:
        var = ENV_VARS[name]
        raw = env.get(var)
        if raw is not None and raw.strip():
            values[name] = _parse(name, raw if name in SECRETS else raw.strip(), var)
            sources[name] = var
    if "smtp_security" in values and "smtp_port" not in values:
        # An implicit-TLS or submission server almost never listens on the local-relay port.
        values["smtp_port"] = _SMTP_DEFAULT_PORTS[values["smtp_security"]]
        sources["smtp_port"] = f"default for smtp_security={values['smtp_security']}"
    if bool(values.get("tls_cert")) != bool(values.get("tls_key")):
        given = "tls_cert" if values.get("tls_cert") else "tls_key"
        missing = "tls_key" if given == "tls_cert" else "tls_cert"
        raise ConfigError(f"{sources[given]}: {given} needs {missing} as well (a client certificate and its key)")
    if "temporal_address" not in values:
        # `cadence dev --port 7390` in one terminal, `cadence list` in another: find the server this
        # state directory runs rather than the default port.
        from cadence.server import running_record

        state_dir = Path(values.get("state_dir", Settings.state_dir))
        record = running_record(state_dir)
        if record is not None and isinstance(record.get("address"), str):
            values["temporal_address"] = record["address"]
            sources["temporal_address"] = f"{state_dir / 'server.pid'} (the running cadence server)"
    return Settings(**values, sources=sources)


__all__ = [
    "CONFIG_ENV",
    "CONFIG_FILE",
    "ConfigError",
    "ENV_VARS",
    "FIELDS",
    "SECRETS",
    "SMTP_SECURITY",
    "SMTP_SERVICES",
    "Settings",
    "config_path",
    "load_settings",
]
