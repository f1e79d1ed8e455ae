"""``can-spam`` and ``tcpa-hours``: what the law asks of an email and of a call.

CAN-SPAM asks every commercial email for a visible way to opt out and the
sender's physical postal address. The email channel adds a one-click
``List-Unsubscribe`` header to every message (RFC 8058), but no footer: the
header is not shown by every mail client, and nothing adds the address. So the
template itself must carry ``{{ unsubscribe_url }}`` and an address. Addresses
are recognised by their shape (a street number and a street word, a state and
ZIP code, a UK or Canadian postcode, a P.O. box, a continental street name and
number); one written another way is silenced with its reason.

TCPA bars telephone solicitation before 08:00 and after 21:00 at the called
person's location. Calls and voicemails (a provider's drop is a call too) open
at the start of the send window in the zone the schedule resolves, so the
window must be the lead's own zone (``timezone: lead``) and lie within those
hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from cadence.dsl import expressions
from cadence.dsl.lint.model import Finding, LintContext
from cadence.dsl.lint.rules import CALL_HOURS
from cadence.dsl.loader import PathT
from cadence.dsl.schema import label

_STREET_WORDS = ("St|Street|Ave|Avenue|Rd|Road|Blvd|Boulevard|Dr|Drive|Ln|Lane|Way|Pl|Place|Ct|Court|Sq|Square|"
                 "Pkwy|Parkway|Hwy|Highway|Ter|Terrace|Cir|Circle|Plaza|Suite|Ste")
_ADDRESS = re.compile("|".join((
    rf"\b\d{{1,6}}[A-Za-z]?\s+(?:[A-Za-z0-9.'-]+\s+){{0,4}}(?:{_STREET_WORDS})\b",  # 500 W Madison St
    r"\b[A-Z]{2},?\s+\d{5}(?:-\d{4})?\b",  # IL 60661
    r"\b[A-Z]{2},?\s+[A-Z]\d[A-Z]\s?\d[A-Z]\d\b",  # ON M5V 2T6
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\b",  # EC1A 1BB
    r"\bP\.?\s?O\.?\s+Box\s+\d+",  # P.O. Box 12
    r"(?i:stra(?:ss|ß)e|str\.|weg|platz|gasse|laan|straat|gracht)\s+\d+",  # Hauptstraße 5
    r"\b\d{1,4}(?:\s?(?:bis|ter))?,?\s+(?i:rue|avenue|boulevard|bd|place|chemin|quai|allée|via|calle|plaza)\b",  # 12 rue de Rivoli
)))
_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)


def has_postal_address(source: str) -> bool:
    """Whether template text shows something shaped like a postal address (Jinja comments aside)."""
    return _ADDRESS.search(_COMMENT.sub("", source)) is not None


def can_spam(ctx: LintContext) -> Iterator[Finding]:
    """Email templates without an unsubscribe link or a postal address."""
    if ctx.templates_dir is None:
        return
    verdicts: dict[str, list[str]] = {}
    for i, step in enumerate(ctx.doc.data["steps"]):
        email = step.get("email")
        if not isinstance(email, dict):
            continue
        templates: list[tuple[PathT, Any]] = [(("steps", i, "email", "template"), email.get("template"))]
        templates += [(("steps", i, "email", "variants", v, "template"), variant.get("template"))
                      for v, variant in enumerate(email.get("variants") or ())]
        for where, rel in templates:
            if not isinstance(rel, str):
                continue
            if rel not in verdicts:
                verdicts[rel] = _missing(ctx.templates_dir / rel, rel)
            missing = verdicts[rel]
            if missing:
                yield Finding(
                    "can-spam", where,
                    f"{label(where)}: template '{rel}' has {' and '.join(missing)}; CAN-SPAM asks every commercial "
                    "email for a visible way to opt out and the sender's postal address",
                    "end the template with a footer like <p>Example Corp, 500 W Madison St, Chicago, IL 60661 "
                    "&middot; <a href=\"{{ unsubscribe_url }}\">Unsubscribe</a></p>")


def _missing(file: Path, rel: str) -> list[str]:
    """What the email template at ``file`` lacks of the two things CAN-SPAM asks for."""
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []  # the validator reported it
    return list(_lacks(source, rel))


@lru_cache(maxsize=512)
def _lacks(source: str, rel: str) -> tuple[str, ...]:
    """:func:`_missing` of template text ``source`` (files share templates: the address search runs once per text)."""
    missing = []
    if "unsubscribe_url" not in {name for name, _line in expressions.template_facts(source, rel).names}:
        missing.append("no unsubscribe link ({{ unsubscribe_url }}; the List-Unsubscribe header cadence "
                       "adds is not shown by every mail client)")
    if not has_postal_address(source):
        missing.append("no physical postal address")
    return tuple(missing)


def tcpa_hours(ctx: LintContext) -> Iterator[Finding]:
    """Calls and voicemails whose send window can fall outside 08:00-21:00 in the lead's zone."""
    from cadence.schedule import parse_business_hours

    schedule = ctx.doc.data["schedule"]
    hours_text = schedule.get("business_hours")
    zone = schedule["timezone"]
    problems = []
    if hours_text is None:
        problems.append("the schedule has no business_hours, so it can open at any hour")
    else:
        hours = parse_business_hours(hours_text)
        if hours.start < CALL_HOURS[0] or hours.end > CALL_HOURS[1]:
            problems.append(f"business_hours {hours.start}-{hours.end} reach outside {CALL_HOURS[0]}-{CALL_HOURS[1]}")
        if zone != "lead":
            problems.append(f"the send window is kept in {zone}, not in each lead's own time zone")
    if not problems:
        return
    for i, step in enumerate(ctx.doc.data["steps"]):
        for kind in ("call", "voicemail"):
            if kind in step:
                where = ("steps", i, kind)
                yield Finding(
                    "tcpa-hours", where,
                    f"{label(where)}: {kind} '{step['id']}' can happen outside {CALL_HOURS[0]}-{CALL_HOURS[1]} in the "
                    f"lead's time zone: {'; '.join(problems)}; US law (TCPA) bars telephone solicitation outside "
                    "those hours at the called person's location",
                    f"set schedule.timezone: lead and business_hours within {CALL_HOURS[0]}-{CALL_HOURS[1]}, "
                    "like 'mon-fri 09:00-17:00'", key=True)


__all__ = ["can_spam", "has_postal_address", "tcpa_hours"]
