"""The leads a preview renders for: a lead file's or the built-in one, and a twin without optional fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from cadence import ir
from cadence.channels.ids import safe_name
from cadence.lead import STANDARD_FIELDS, LeadError, parse_lead
from cadence.preview import MAX_LEADS
from cadence.preview.model import PreviewError, SampleLead
from cadence.preview.walk import plans, prequalified

SAMPLE_LEAD: Mapping[str, Any] = {
    "id": "PREVIEW-1",
    "first_name": "Maria",
    "last_name": "Gonzalez",
    "email": "maria.gonzalez@northwind.example",
    "phone": "+1 312 555 0142",
    "company": "Northwind Logistics",
    "title": "VP Operations",
    "industry": "logistics",
    "website": "https://northwind.example",
    "employees": 850,
    "revenue": 120000000,
    "timezone": "America/Chicago",
    "owner": "dana@example.com",
    "source": "marketing",
    "campaign": "webinar-2027-q1",
    "deal_size": 48000,
    "address_line1": "500 W Monroe St",
    "address_line2": "Suite 2100",
    "city": "Chicago",
    "region": "IL",
    "postal_code": "60661",
    "country": "US",
}
"""The built-in sample lead: every standard field set (a cadence's own ``lead_fields`` get ``sample NAME``)."""

DELIVERY_FIELDS: tuple[str, ...] = ("id", "source", "email", "phone", "address_line1", "city", "postal_code")
"""Fields the lead without optional fields keeps: without them a touch is not made at all (no email, no
voicemail drop, no letter), so there would be nothing to preview; ``source`` is set at enrollment."""

SPARSE_LABEL = "{id} without optional fields"


def read_sample_leads(path: Path, mapping: Mapping[str, str] | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """The valid leads of a lead file (read as ``cadence enroll`` reads it) and one message per record skipped.

    Raises:
        cadence.sources.SourceError: when the file cannot be read.
        PreviewError: when it holds no valid lead, or more than :data:`MAX_LEADS`.
    """
    from cadence.sources import distinct_leads, read_leads

    valid, skipped = distinct_leads(read_leads(path, mapping))
    leads = [dict(item.fields) for item in valid]
    if not leads:
        detail = f" ({len(skipped)} rejected; {skipped[0]})" if skipped else ""
        raise PreviewError(f"no valid lead in {path}{detail}")
    if len(leads) > MAX_LEADS:
        raise PreviewError(f"{path} has {len(leads)} leads; a preview shows at most {MAX_LEADS}: "
                           "give a file with a few sample leads")
    return leads, skipped


def sample_leads(plan: ir.Plan, records: Sequence[Mapping[str, Any]] | None, at: datetime, *,
                 sparse: bool = True) -> tuple[SampleLead, ...]:
    """The preview's leads: ``records`` (default: :data:`SAMPLE_LEAD`) and, with ``sparse``, the first of
    them without optional fields (:func:`without_optional_fields`) right after it.

    Raises:
        PreviewError: a record that enrollment would reject.
    """
    if records is None:
        custom = sorted({name for p in plans(plan).values() for name in p.lead_fields})
        records = [{**SAMPLE_LEAD, **{name: f"sample {name}" for name in custom if name not in SAMPLE_LEAD}}]
    leads: list[SampleLead] = []
    keys: set[str] = set()
    for record in records:
        fields = _validated(record)
        leads.append(SampleLead(_unique(safe_name(str(fields["id"])), keys), _label(fields), fields))
    if sparse and leads:
        first = leads[0]
        fields, dropped, kept = without_optional_fields(plan, first.fields, at)
        leads.insert(1, SampleLead(_unique(f"{first.key}-without-optional-fields", keys),
                                   SPARSE_LABEL.format(id=fields["id"]), fields, sparse_of=first.key,
                                   dropped=dropped, kept=kept))
    return tuple(leads)


def without_optional_fields(plan: ir.Plan, lead: Mapping[str, Any],
                            at: datetime) -> tuple[dict[str, Any], tuple[str, ...], tuple[str, ...]]:
    """``lead`` without every field it may lack: ``(fields, dropped, kept)``.

    :data:`DELIVERY_FIELDS` stay. Each other field goes, the standard fields in
    their order and then the rest by name, unless the cadence's pre-qualification
    would then reject the lead (a lead it rejects gets no template at all): those
    are ``kept``.
    """
    order = [f for f in STANDARD_FIELDS if f in lead] + sorted(f for f in lead if f not in STANDARD_FIELDS)
    fields = dict(lead)
    dropped: list[str] = []
    kept: list[str] = []
    rejected_anyway = not prequalified(plan, fields, at)  # then nothing is needed: drop everything
    for name in order:
        if name in DELIVERY_FIELDS:
            continue
        trial = {k: v for k, v in fields.items() if k != name}
        if rejected_anyway or prequalified(plan, trial, at):
            fields = trial
            dropped.append(name)
        else:
            kept.append(name)
    return _validated(fields), tuple(dropped), tuple(kept)


def _validated(record: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return dict(parse_lead(dict(record)).fields)
    except LeadError as exc:
        raise PreviewError(f"sample lead {record.get('id', '?')}: {exc}") from None


def _label(fields: Mapping[str, Any]) -> str:
    name = " ".join(str(fields[k]) for k in ("first_name", "last_name") if fields.get(k))
    return f"{name} ({fields['id']})" if name else str(fields["id"])


def _unique(key: str, taken: set[str]) -> str:
    candidate, n = key, 1
    while candidate.lower() in taken:  # file names may be case-insensitive
        n += 1
        candidate = f"{key}-{n}"
    taken.add(candidate.lower())
    return candidate


__all__ = ["DELIVERY_FIELDS", "SAMPLE_LEAD", "read_sample_leads", "sample_leads",
           "without_optional_fields"]
