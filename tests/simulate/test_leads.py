"""Synthetic leads: valid, varied, and the same for the same seed."""

from __future__ import annotations

from collections import Counter

import pytest

from cadence.simulate import synthetic_leads
from cadence.simulate.leads import TIMEZONES, owners


def test_the_same_seed_gives_the_same_leads_and_another_seed_others():
    assert [lead.fields for lead in synthetic_leads(50, 7)] == [lead.fields for lead in synthetic_leads(50, 7)]
    assert [lead.fields for lead in synthetic_leads(50, 7)] != [lead.fields for lead in synthetic_leads(50, 8)]


def test_a_mix_of_zones_and_owners_with_every_field_the_channels_need():
    leads = synthetic_leads(1000, 1, owner_count=4)
    assert [lead.id for lead in leads[:2]] == ["S-00001", "S-00002"] and len({lead.id for lead in leads}) == 1000
    assert Counter(lead.fields["owner"] for lead in leads) == {name: 250 for name in owners(4)}
    zones = Counter(lead.fields["timezone"] for lead in leads)
    assert set(zones) == {zone for zone, _weight in TIMEZONES}
    assert zones.most_common(1)[0][0] == "America/New_York"
    for lead in leads[:20]:
        assert {"email", "phone", "company", "address_line1", "city", "postal_code"} <= set(lead.fields)


def test_counts_and_owners_are_checked():
    assert synthetic_leads(0) == []
    with pytest.raises(ValueError, match="cannot be negative"):
        synthetic_leads(-1)
    with pytest.raises(ValueError, match="at least one owner"):
        synthetic_leads(3, owner_count=0)
