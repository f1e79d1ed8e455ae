"""Pluggable providers: a dialer, a print-and-mail vendor, an ESP or a CRM without forking cadence.

A provider is made by a factory ``(settings: ChannelSettings) -> provider``.
Built-ins are named ``smtp`` (email) and ``file`` (the rest). Others come from
Python entry points in the group ``cadence.channels`` named ``<kind>.<name>``
(for example ``tasks.hubspot = cadence_hubspot:task_sink``), or from a
``module:attribute`` path, and are chosen with one variable per kind:
``CADENCE_EMAIL_PROVIDER``, ``CADENCE_TASKS_PROVIDER``,
``CADENCE_VOICEMAIL_PROVIDER``, ``CADENCE_LETTERS_PROVIDER``, and
``CADENCE_HANDOFF_PROVIDERS`` (comma-separated; these add to the built-in
handoff destinations rather than replace them).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from cadence.channels.handoff import HandoffSink
from cadence.channels.letters import FileLetterVendor, LetterVendor
from cadence.channels.settings import ChannelSettings
from cadence.channels.smtp import EmailTransport, SmtpTransport
from cadence.channels.tasks import FileTaskSink, TaskSink
from cadence.channels.voicemail import FileVoicemailProvider, VoicemailProvider

GROUP = "cadence.channels"
"""Entry-point group of provider factories."""

Factory = Callable[[ChannelSettings], Any]

KINDS: dict[str, tuple[str, str]] = {
    "email": ("CADENCE_EMAIL_PROVIDER", "send"),
    "tasks": ("CADENCE_TASKS_PROVIDER", "open_task"),
    "voicemail": ("CADENCE_VOICEMAIL_PROVIDER", "drop"),
    "letters": ("CADENCE_LETTERS_PROVIDER", "submit"),
    "handoff": ("CADENCE_HANDOFF_PROVIDERS", "deliver"),
}
"""Kind -> (selecting variable, the method a provider of that kind must have)."""

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


def load_factory(kind: str, name: str) -> Factory:
    """The factory of provider ``name`` for ``kind``.

    Raises:
        ValueError: when no such provider exists (naming the selecting variable and the choices).
    """
    var = KINDS[kind][0]
    if name in BUILTINS[kind]:
        return BUILTINS[kind][name]
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            target: Any = importlib.import_module(module)
            for part in attr.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"{var}: cannot load {name!r}: {exc}") from None
        return target
    for ep in entry_points(group=GROUP):
        if ep.name == f"{kind}.{name}":
            return ep.load()
    raise ValueError(f"{var}: no {kind} provider named {name!r}; available: {', '.join(available(kind)) or 'none'} "
                     f"(install one exposing entry point '{kind}.{name}' in group '{GROUP}', or give module:factory)")


def make(kind: str, name: str, settings: ChannelSettings) -> Any:
    """Build provider ``name`` of ``kind`` and check it has the kind's method.

    Raises:
        ValueError: unknown provider. TypeError: the factory's result is not a provider of ``kind``.
    """
    provider = load_factory(kind, name)(settings)
    method = KINDS[kind][1]
    if not callable(getattr(provider, method, None)):
        raise TypeError(f"{KINDS[kind][0]}={name}: the factory returned {type(provider).__name__}, "
                        f"which has no {method}() method")
    if kind == "handoff" and not isinstance(getattr(provider, "name", None), str):
        raise TypeError(f"{KINDS[kind][0]}={name}: a handoff sink needs a 'name' attribute (str)")
    return provider


def providers_from_env(settings: ChannelSettings, environ: Mapping[str, str] = os.environ) -> Providers:
    """The providers selected by ``CADENCE_*_PROVIDER`` variables (unset: built-in defaults)."""
    chosen: dict[str, Any] = {}
    for kind in ("email", "tasks", "voicemail", "letters"):
        name = (environ.get(KINDS[kind][0]) or "").strip()
        if name:
            chosen[kind] = make(kind, name, settings)
    names = [n.strip() for n in (environ.get(KINDS["handoff"][0]) or "").split(",") if n.strip()]
    chosen["handoff"] = tuple(make("handoff", n, settings) for n in names)
    return Providers(**chosen)


__all__ = ["BUILTINS", "GROUP", "KINDS", "Providers", "available", "load_factory", "make", "providers_from_env"]
