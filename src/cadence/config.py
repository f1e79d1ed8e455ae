"""Effective settings: defaults < ``cadence.toml`` < ``CADENCE_*`` environment variables.

Secrets (the Temporal API key, the SMTP password) come from the
environment only, never from files that might be committed.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SECRETS = frozenset({"api_key", "smtp_password"})
CONFIG_FILE = "cadence.toml"


class ConfigError(ValueError):
    """A setting is wrong; the message names where it came from."""


@dataclass(frozen=True)
class Settings:
    """Every knob of cadence, with where each value came from in :attr:`sources`."""

    temporal_address: str = "127.0.0.1:7233"
    namespace: str = "default"
    task_queue: str = "cadence"
    tls: bool = False
    tls_cert: str = ""
    tls_key: str = ""
    tls_ca: str = ""
    api_key: str = field(default="", repr=False)
    state_dir: str = ".cadence"
    server_ip: str = "127.0.0.1"
    server_port: int = 7233
    ui_port: int = 8233
    db_file: str = ""
    """SQLite file of the embedded server; empty means ``<state_dir>/temporal.db``; ``:memory:`` allowed."""
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_security: str = "none"
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    sender: str = "Cadence <cadence@localhost>"
    outbox_dir: str = ""
    """Empty means ``<state_dir>/outbox``."""
    handoff_webhook: str = ""
    cadences_dir: str = "cadences"
    templates_dir: str = "templates"
    time_scale: float = 1.0
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def database(self) -> str:
        """The embedded server's database file (or ``:memory:``)."""
        return self.db_file or str(Path(self.state_dir) / "temporal.db")

    @property
    def outbox(self) -> Path:
        """Where channels write tasks, letters, voicemail scripts, handoffs and mail."""
        return Path(self.outbox_dir or Path(self.state_dir) / "outbox")

    def describe(self) -> list[tuple[str, str, str]]:
        """``(key, value, source)`` rows for ``cadence config``, secrets masked."""
        rows = []
        for f in _fields():
            value = getattr(self, f.name)
            shown = ("****" if value else "") if f.name in SECRETS else str(value)
            rows.append((f.name, shown, self.sources.get(f.name, "default")))
        return rows


def _fields() -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(Settings) if f.name != "sources"]


def _convert(name: str, raw: Any, origin: str) -> Any:
    kind = {f.name: f.type for f in _fields()}[name]
    try:
        if kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError
        if kind == "int":
            value = int(str(raw).strip())
            if name.endswith("port") and not 0 < value < 65536:
                raise ValueError
            return value
        if kind == "float":
            value = float(str(raw).strip())
            if value <= 0:
                raise ValueError
            return value
    except ValueError:
        expected = {"bool": "true or false", "int": "a port number" if name.endswith("port") else "a whole number",
                    "float": "a positive number"}[kind]
        raise ConfigError(f"{origin}: {str(raw)!r} is not {expected}") from None
    return str(raw)


def load_settings(config_path: str | Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Effective settings from defaults, the config file and the environment.

    The config file is ``config_path``, else ``$CADENCE_CONFIG``, else
    ``./cadence.toml`` when it exists.

    Raises:
        ConfigError: for an unreadable file, an unknown key, a secret in the file, or a bad value.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    names = [f.name for f in _fields()]
    path = Path(config_path or env.get("CADENCE_CONFIG") or CONFIG_FILE)
    explicit = bool(config_path or env.get("CADENCE_CONFIG"))
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
        for key, raw in data.items():
            if key in SECRETS:
                raise ConfigError(f"{path}: {key} must not be written in a file; set CADENCE_{key.upper()} in the environment")
            if key not in names:
                hint = difflib.get_close_matches(key, names, n=1)
                raise ConfigError(f"{path}: unknown setting {key!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""))
            values[key] = _convert(key, raw, f"{path}: {key}")
            sources[key] = str(path)
    elif explicit:
        raise ConfigError(f"{path}: no such config file")
    for name in names:
        var = f"CADENCE_{name.upper()}"
        if var in env:
            values[name] = _convert(name, env[var], var)
            sources[name] = var
    return Settings(**values, sources=sources)


__all__ = ["CONFIG_FILE", "ConfigError", "SECRETS", "Settings", "load_settings"]
