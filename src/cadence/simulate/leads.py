"""Synthetic leads: plausible, valid, and the same for the same seed.

A mix of North American and European time zones and a few owners, with every
field a cadence's pre-qualification and channels look at (company, email,
phone, postal address), so that the simulated leads pass pre-qualification and
can be emailed, called and written to. Names and companies are made up from
small lists; addresses use reserved example domains.
"""

from __future__ import annotations

import random

from cadence.lead import Lead, parse_lead

TIMEZONES: tuple[tuple[str, int], ...] = (
    ("America/New_York", 35),
    ("America/Chicago", 25),
    ("America/Denver", 8),
    ("America/Phoenix", 4),
    ("America/Los_Angeles", 18),
    ("America/Toronto", 4),
    ("Europe/London", 4),
    ("Europe/Berlin", 2),
)
"""Zones of synthetic leads and their weights (per cent)."""

_FIRST = ("Robin", "Sam", "Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Drew", "Quinn",
          "Kim", "Lee", "Pat", "Noor", "Ines", "Mateo", "Priya", "Wei")
_LAST = ("Reyes", "Nguyen", "Okafor", "Schmidt", "Rossi", "Patel", "Kowalski", "Garcia", "Smith", "Chen", "Novak",
         "Dubois", "Haddad", "Silva", "Brennan", "Larsen", "Moreau", "Tanaka", "Ibrahim", "Walsh")
_WORDS = ("Northwind", "Bluefin", "Cobalt", "Harbor", "Summit", "Prairie", "Granite", "Lumen", "Juniper", "Meridian",
          "Alder", "Keystone", "Riverbend", "Silverline", "Evergreen", "Ironwood")
_KINDS = ("Logistics", "Health", "Manufacturing", "Software", "Foods", "Energy", "Freight", "Analytics")
_TITLES = ("VP Operations", "Head of Sales", "Director of Marketing", "COO", "Revenue Operations Manager", "CFO")
_CITIES: dict[str, tuple[str, str, str, str]] = {
    "America/New_York": ("New York", "NY", "10001", "US"),
    "America/Chicago": ("Chicago", "IL", "60606", "US"),
    "America/Denver": ("Denver", "CO", "80202", "US"),
    "America/Phoenix": ("Phoenix", "AZ", "85004", "US"),
    "America/Los_Angeles": ("Los Angeles", "CA", "90012", "US"),
    "America/Toronto": ("Toronto", "ON", "M5H 2N2", "CA"),
    "Europe/London": ("London", "", "EC2A 4NE", "GB"),
    "Europe/Berlin": ("Berlin", "", "10117", "DE"),
}


def owners(count: int) -> tuple[str, ...]:
    """The owners synthetic leads are spread over: ``rep-01@seller.example`` ..."""
    return tuple(f"rep-{i:02d}@seller.example" for i in range(1, count + 1))


def synthetic_leads(count: int, seed: int = 0, *, owner_count: int = 5) -> list[Lead]:
    """``count`` valid leads ``S-00001`` ..., the same for the same ``seed``.

    Args:
        count: how many.
        seed: what makes them.
        owner_count: how many reps own them (round-robin, so each has a fair share).

    Raises:
        ValueError: for a negative count or fewer than one owner.
    """
    if count < 0:
        raise ValueError("the number of leads cannot be negative")
    if owner_count < 1:
        raise ValueError("synthetic leads need at least one owner")
    rng = random.Random(f"{seed}|synthetic")
    zones = [zone for zone, _weight in TIMEZONES]
    weights = [weight for _zone, weight in TIMEZONES]
    names = owners(owner_count)
    width = max(5, len(str(count)))
    leads = []
    for i in range(count):
        zone = rng.choices(zones, weights)[0]
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        company = f"{rng.choice(_WORDS)} {rng.choice(_KINDS)} {i + 1}"
        domain = company.lower().replace(" ", "-") + ".example"
        city, region, postal, country = _CITIES[zone]
        leads.append(parse_lead({
            "id": f"S-{i + 1:0{width}d}",
            "first_name": first,
            "last_name": last,
            "email": f"{first.lower()}.{last.lower()}@{domain}",
            "phone": f"+1 555 {rng.randrange(100, 1000)} {rng.randrange(1000, 10000)}",
            "company": company,
            "title": rng.choice(_TITLES),
            "timezone": zone,
            "owner": names[i % len(names)],
            "address_line1": f"{rng.randrange(1, 999)} Main St",
            "city": city,
            "region": region,
            "postal_code": postal,
            "country": country,
            "source": "marketing" if rng.random() < 0.8 else "sales",
        }))
    return leads


__all__ = ["TIMEZONES", "owners", "synthetic_leads"]
