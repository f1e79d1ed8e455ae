"""Pluggable providers: a dialer, a print-and-mail vendor, an ESP or a CRM without forking cadence.

A provider is made by a factory ``(settings: ChannelSettings) -> provider``.
Built-ins are named ``smtp`` (email) and ``file`` (the rest). Others come from
Python entry points in the group ``cadence.channels`` named ``<kind>.<name>``
(for example ``tasks.hubspot = cadence_hubspot:task_sink``), or from a
``module:attribute`` path, and are chosen with one setting per kind
(:mod:`cadence.config`): ``email_provider``, ``tasks_provider``,
``voicemail_provider``, ``letters_provider`` (``CADENCE_<SETTING>``), and
``handoff_providers`` (a list; these add to the built-in handoff destinations
rather than replace them).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from cadence.channels.handoff import HandoffSink
from cadence.channels.letters import FileLetterVendor, LetterVendor
from cadence.channels.settings import ChannelSettings
from cadence.channels.smtp import EmailTransport, SmtpTransport
from cadence.channels.tasks import FileTaskSink, TaskSink
from cadence.channels.voicemail import FileVoicemailProvider, VoicemailProvider
from cadence.config import ENV_VARS, Settings

GROUP = "cadence.channels"
"""Entry-point group of provider factories."""

Factory = Callable[[ChannelSettings], Any]

KINDS: dict[str, tuple[str, str]] = {
    "email": ("email_provider", "send"),
    "tasks": ("tasks_provider", "open_task"),
    "voicemail": ("voicemail_provider", "drop"),
    "letters": ("letters_provider", "submit"),
    "handoff": ("handoff_providers", "deliver"),
}
"""Kind -> (the setting choosing it, the method a provider of that kind must have)."""

BUILTINS: dict[str, dict[str, Factory]] = {
    "email": {"smtp": SmtpTransport},
    "tasks": {"file": lambda s: FileTaskSink(s.outbox_dir)},
    "voicemail": {"file": lambda s: FileVoicemailProvider(s.outbox_dir)},
    "letters": {"file": lambda s: FileLetterVendor(s.outbox_dir)},
    "handoff": {},
}


@dataclass(frozen=True)
class Providers:
    """The providers chosen for a worker; ``None`` means the built-in default."""

    email: EmailTransport | None = None
    tasks: TaskSink | None = None
    voicemail: VoicemailProvider | None = None
    letters: LetterVendor | None = None
    handoff: tuple[HandoffSink, ...] = field(default_factory=tuple)
    """Extra handoff destinations, after the outbox, email and webhook."""


def available(kind: str) -> list[str]:
    """Names selectable for ``kind``: built-ins and installed entry points."""
    prefix = f"{kind}."
    installed = [ep.name[len(prefix):] for ep in entry_points(group=GROUP) if ep.name.startswith(prefix)]
    return sorted(set(BUILTINS[kind]) | set(installed))


def load_factory(kind: str, name: str, where: str | None = None) -> Factory:
    """The factory of provider ``name`` for ``kind``.

    Args:
        kind: a key of :data:`KINDS`.
        name: a built-in or entry-point name, or ``module:attribute``.
        where: how errors name the setting (default: its variable, like ``CADENCE_TASKS_PROVIDER``).

    Raises:
        ValueError: when no such provider exists (naming the setting and the choices).
    """
    where = where or ENV_VARS[KINDS[kind][0]]
    if name in BUILTINS[kind]:
        return BUILTINS[kind][name]
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            target: Any = importlib.import_module(module)
            for part in attr.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"{where}: cannot load {name!r}: {exc}") from None
        return target
    for ep in entry_points(group=GROUP):
        if ep.name == f"{kind}.{name}":
            return ep.load()
    raise ValueError(f"{where}: no {kind} provider named {name!r}; available: {', '.join(available(kind)) or 'none'} "
                     f"(install one exposing entry point '{kind}.{name}' in group '{GROUP}', or give module:factory)")


def make(kind: str, name: str, settings: ChannelSettings, where: str | None = None) -> Any:
    """Build provider ``name`` of ``kind`` and check it has the kind's method.

    Args:
        kind: a key of :data:`KINDS`.
        name: a built-in or entry-point name, or ``module:attribute``.
        settings: what the factory gets.
        where: how errors name the setting (default: its variable, like ``CADENCE_TASKS_PROVIDER``).

    Raises:
        ValueError: unknown provider. TypeError: the factory's result is not a provider of ``kind``.
    """
    where = where or ENV_VARS[KINDS[kind][0]]
    provider = load_factory(kind, name, where)(settings)
    method = KINDS[kind][1]
    if not callable(getattr(provider, method, None)):
        raise TypeError(f"{where}={name}: the factory returned {type(provider).__name__}, "
                        f"which has no {method}() method")
    if kind == "handoff" and not isinstance(getattr(provider, "name", None), str):
        raise TypeError(f"{where}={name}: a handoff sink needs a 'name' attribute (str)")
    return provider


def providers_from_settings(settings: Settings, channel: ChannelSettings | None = None) -> Providers:
    """The providers ``settings`` choose (``email_provider`` ... ``handoff_providers``); unset: built-ins.

    Args:
        settings: effective settings (:func:`cadence.config.load_settings`).
        channel: what the factories get (default: :meth:`ChannelSettings.from_settings` of ``settings``).

    Raises:
        ValueError: an unknown provider. TypeError: a factory's result is not a provider of its kind.
            Both name the setting where it was given (its variable, or the config file and key).
    """
    channel = channel or ChannelSettings.from_settings(settings)
    chosen: dict[str, Any] = {}
    for kind in ("email", "tasks", "voicemail", "letters"):
        key = KINDS[kind][0]
        name = getattr(settings, key)
        if name:
            chosen[kind] = make(kind, name, channel, settings.origin(key))
    key = KINDS["handoff"][0]
    chosen["handoff"] = tuple(make("handoff", n, channel, settings.origin(key)) for n in getattr(settings, key))
    return Providers(**chosen)


__all__ = ["BUILTINS", "GROUP", "KINDS", "Providers", "available", "load_factory", "make", "providers_from_settings"]
