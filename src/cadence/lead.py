"""Lead records: the standard fields and their validation at enrollment.

Standard library and cadence's pure modules only (the workflow sandbox imports it). A bad lead is
rejected here, with every problem named, never discovered in month two.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from cadence.errors import Refusal
from cadence.schedule import is_valid_timezone

STANDARD_FIELDS: tuple[str, ...] = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "industry",
    "website",
    "employees",
    "revenue",
    "timezone",
    "owner",
    "source",
    "campaign",
    "deal_size",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
)
"""Fields every cadence may use as ``lead.NAME``; cadences declare others in ``lead_fields``."""

SOURCES: tuple[str, ...] = ("marketing", "sales")
MAX_FIELD_LENGTH = 2000
MAX_FIELDS = 100
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # control characters other than tab
_EMAIL_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_PHONE_RE = re.compile(r"^\+?[0-9 ().-]{6,25}$")
_FIELD_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class LeadError(Refusal, ValueError):
    """A lead record is unusable; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Lead:
    """A validated lead: ``fields`` holds strings (numbers kept as numbers)."""

    fields: dict[str, Any]

    @property
    def id(self) -> str:
        """The lead's id, unique within the CRM it came from."""
        return str(self.fields["id"])


def parse_lead(record: Any, *, strict_numbers: bool = False) -> Lead:
    """Validate a raw lead record (a JSON object or a CSV row).

    Empty strings count as absent. Text is stripped; control characters are
    refused (they would reach email headers and letters).

    Args:
        record: the raw record.
        strict_numbers: refuse ``employees``, ``revenue`` and ``deal_size`` written with a comma that is
            not a thousands separator (``2,5``), and negative or non-finite JSON numbers, where the first
            rule dropped every comma and took any JSON number. Lead files are read strictly; a running
            lead's update keeps the first rule, which the updates in its history were applied with
            (a replay must reach the same values).

    Raises:
        LeadError: listing every problem found.
    """
    if not isinstance(record, dict):
        raise LeadError([f"a lead must be an object, got {type(record).__name__}"])
    problems: list[str] = []
    if len(record) > MAX_FIELDS:
        raise LeadError([f"a lead may have at most {MAX_FIELDS} fields, got {len(record)}"])
    fields: dict[str, Any] = {}
    for key, value in record.items():
        if not isinstance(key, str) or not _FIELD_NAME_RE.match(key):
            problems.append(f"field name {str(key)[:40]!r} must be lower_snake_case")
            continue
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            problems.append(f"{key}: must be text or a number, got {type(value).__name__}")
            continue
        if isinstance(value, str):
            value = value.strip()
            if len(value) > MAX_FIELD_LENGTH:
                problems.append(f"{key}: longer than {MAX_FIELD_LENGTH} characters")
                continue
            if _CONTROL_RE.search(value):
                problems.append(f"{key}: contains control characters (line breaks are not allowed)")
                continue
            if value == "":
                continue
        fields[key] = value
    lead_id = fields.get("id")
    if lead_id is None:
        problems.append("id: missing")
    elif not _ID_RE.match(str(lead_id)):
        problems.append(f"id: {str(lead_id)[:40]!r} must be 1-128 letters, digits or . _ : -")
    else:
        fields["id"] = str(lead_id)
    email = fields.get("email")
    if email is not None and not is_email_address(email):
        problems.append(f"email: {str(email)[:60]!r} is not a valid address")
    phone = fields.get("phone")
    if phone is not None:
        phone = str(phone)
        if not _PHONE_RE.match(phone) or sum(c.isdigit() for c in phone) < 6:
            problems.append(f"phone: {phone[:40]!r} is not a valid phone number")
    tz = fields.get("timezone")
    if tz is not None and not is_valid_timezone(str(tz)):
        # Not only unknown names: 'America' is a directory of the zone database, which zoneinfo cannot open.
        problems.append(f"timezone: {str(tz)[:40]!r} is not an IANA time zone (like America/Chicago)")
    source = fields.get("source")
    if source is not None and source not in SOURCES:
        problems.append(f"source: {str(source)[:40]!r} must be one of {', '.join(SOURCES)}")
    for number in ("employees", "revenue", "deal_size"):
        if number in fields:
            try:
                fields[number] = _number(fields[number]) if strict_numbers else _first_number(fields[number])
            except ValueError:
                problems.append(f"{number}: {str(fields[number])[:40]!r} is not a number")
    if problems:
        raise LeadError(problems)
    fields.setdefault("source", "marketing")
    return Lead(fields)


_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")


def _number(value: Any) -> int | float:
    """A count or an amount: not negative, finite; text may group thousands with commas (``1,250,000``).

    A comma anywhere else is refused rather than guessed at: ``2,5`` and ``1.234,56`` are decimals
    as a European spreadsheet writes them, which read as thousands would be ten or a thousand times off.
    """
    if isinstance(value, (int, float)):
        number = value
    else:
        text = str(value).replace("_", "")
        if "," in text and not _GROUPED.match(text):
            raise ValueError(text)
        number = float(text.replace(",", ""))
    if isinstance(number, float) and not math.isfinite(number) or number < 0:
        raise ValueError(str(value))
    if isinstance(number, int):
        return number
    return int(number) if number.is_integer() else number


def _first_number(value: Any) -> int | float:
    """The number rule leads were updated with first (see ``strict_numbers``): every comma dropped."""
    if isinstance(value, (int, float)):
        return value
    text = str(value).replace(",", "").replace("_", "")
    number = float(text)
    if number != number or number in (float("inf"), float("-inf")) or number < 0:
        raise ValueError(text)
    return int(number) if number.is_integer() else number


def is_email_address(value: object) -> bool:
    """Whether ``value`` is an address a lead's ``email`` may hold."""
    return isinstance(value, str) and len(value) <= 254 and _EMAIL_RE.match(value) is not None


__all__ = ["Lead", "LeadError", "MAX_FIELD_LENGTH", "SOURCES", "STANDARD_FIELDS", "is_email_address", "parse_lead"]
