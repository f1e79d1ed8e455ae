"""cadence: declarative B2B lead-nurture cadences run as durable Temporal workflows."""

from __future__ import annotations

__version__ = "0.1.0"
