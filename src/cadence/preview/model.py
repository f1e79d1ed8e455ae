"""What a preview is made of: sample leads, the cadence's touchpoints, one rendering per pair, and its errors."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from cadence import ir
from cadence.channels.htmltext import html_to_text
from cadence.channels.ids import safe_name
from cadence.channels.settings import ChannelSettings
from cadence.dsl.errors import CadenceError
from cadence.errors import Refusal

Channel = Literal["email", "call", "voicemail", "letter"]


class PreviewError(Refusal):
    """The preview cannot be made (no usable sample lead, an output that cannot be written)."""


class PreviewFailed(Exception):
    """Templates failed for sample leads; ``errors`` locates each failure as ``cadence validate`` does."""

    def __init__(self, errors: Sequence[CadenceError]) -> None:
        self.errors = tuple(errors)
        count = len(self.errors)
        lines = "\n".join(e.render() for e in self.errors)
        super().__init__(f"{count} template failure{'s' if count != 1 else ''}:\n{lines}")


@dataclass(frozen=True)
class SampleLead:
    """A lead the templates are rendered for."""

    key: str
    """Unique among the preview's leads and safe in file names and HTML ids."""
    label: str
    """How people see it: ``Maria Gonzalez (PREVIEW-1)``, ``PREVIEW-1 without optional fields``."""
    fields: Mapping[str, Any]
    """The lead's fields as enrollment validated them."""
    sparse_of: str = ""
    """For the lead without optional fields: the key of the lead it was made from; empty otherwise."""
    dropped: tuple[str, ...] = ()
    """Fields that lead lacks compared with the one it was made from."""
    kept: tuple[str, ...] = ()
    """Optional fields it keeps because the cadence's pre-qualification rejects a lead without them."""

    @property
    def sparse(self) -> bool:
        """Whether this is the lead without optional fields."""
        return bool(self.sparse_of)


@dataclass(frozen=True)
class Touchpoint:
    """One template a cadence renders: a touch step, or one A/B variant of an email step."""

    plan: str
    """The cadence (or track) the step belongs to."""
    step_id: str
    channel: Channel
    template: str
    """Template path under ``templates/``."""
    subject: str = ""
    """Email subject template."""
    variant: str = ""
    """A/B variant name of an email; empty otherwise."""
    mode: str = ""
    """Voicemail: ``person`` (a task with this script) or ``drop`` (a provider plays it)."""

    @property
    def key(self) -> str:
        """Unique within a preview; safe in file names and HTML ids."""
        return safe_name("-".join(p for p in (self.plan, self.step_id, self.variant) if p))

    @property
    def title(self) -> str:
        """``email intro-email (variant pain)``, ``voicemail drop intro-voicemail``."""
        kind = f"voicemail {self.mode}" if self.channel == "voicemail" and self.mode == "drop" else self.channel
        return f"{kind} {self.step_id}" + (f" (variant {self.variant})" if self.variant else "")


@dataclass(frozen=True)
class Rendering:
    """What one sample lead gets from one touchpoint."""

    touchpoint: Touchpoint
    lead: str
    """:attr:`SampleLead.key`."""
    when: str
    """When, and on which path, the lead reaches this touch, in words; empty when it never does."""
    subject: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    """Email: From, To, Reply-To, Date, Message-ID, List-Unsubscribe as the message carries them."""
    html: str = ""
    """Email: the HTML part; letter: the print-ready document."""
    text: str = ""
    """Email: the text part; call brief, voicemail script."""
    message: bytes = b""
    """Email: the whole message, as a ``.eml`` file holds it."""
    skipped: str = ""
    """Why the lead gets nothing from this touch (no email address, no postal address, disqualified)."""
    note: str = ""
    """Something else to know (a voicemail drop without a phone number is skipped after rendering)."""

    def shown_text(self) -> str:
        """The rendering as text, the basis of comparisons between leads."""
        if self.skipped:
            return f"(nothing: {self.skipped})\n"
        if self.touchpoint.channel == "email":
            to = dict(self.headers).get("To", "")
            return f"To: {to}\nSubject: {self.subject}\n\n{self.text}"
        if self.touchpoint.channel == "letter":
            return html_to_text(self.html)
        return self.text


@dataclass(frozen=True)
class Preview:
    """Every template of a cadence rendered for every sample lead."""

    file: str
    """The cadence file as given."""
    plan: ir.Plan
    at: datetime
    """When the sample leads enroll (UTC)."""
    leads: tuple[SampleLead, ...]
    touchpoints: tuple[Touchpoint, ...]
    renderings: tuple[Rendering, ...]
    settings: ChannelSettings = field(default_factory=ChannelSettings, repr=False)
    """The sender, unsubscribe link and Message-ID domain the emails were built with."""

    def rendering(self, touchpoint: Touchpoint, lead: SampleLead) -> Rendering:
        """What ``lead`` gets from ``touchpoint``."""
        for r in self.renderings:
            if r.touchpoint == touchpoint and r.lead == lead.key:
                return r
        raise KeyError((touchpoint.key, lead.key))

    def lead(self, key: str) -> SampleLead:
        """The sample lead with ``key``."""
        for lead in self.leads:
            if lead.key == key:
                return lead
        raise KeyError(key)

    def diff(self, touchpoint: Touchpoint, lead: SampleLead) -> list[str]:
        """For the lead without optional fields: unified diff lines from its full lead's rendering; else ``[]``."""
        if not lead.sparse:
            return []
        full = self.lead(lead.sparse_of)
        before = self.rendering(touchpoint, full).shown_text().splitlines()
        after = self.rendering(touchpoint, lead).shown_text().splitlines()
        return list(difflib.unified_diff(before, after, full.label, lead.label, n=1, lineterm=""))

    def differing(self) -> list[Touchpoint]:
        """Touchpoints where a lead without optional fields gets something else than its full lead."""
        return [t for t in self.touchpoints if any(self.diff(t, lead) for lead in self.leads)]


__all__ = ["Channel", "Preview", "PreviewError", "PreviewFailed", "Rendering", "SampleLead", "Touchpoint"]
