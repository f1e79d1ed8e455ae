"""Pipeline reporting: where every lead went, how fast, at what cost (``cadence report``).

Modules, each small and with one job:

- :mod:`cadence.report.records`: one frozen :class:`LeadRecord` per lead, built from a
  visibility row and the memo the workflow keeps (no query round trip per lead).
- :mod:`cadence.report.collect`: read those records from Temporal visibility.
- :mod:`cadence.report.figures`: pure computation of the report's figures.
- :mod:`cadence.report.render`: terminal tables, JSON and a self-contained HTML page.
"""

from __future__ import annotations

from cadence.report.figures import DEFAULT_COSTS, Figures, Report, compute
from cadence.report.records import LeadRecord, Outcome, StageStay, record_from_memo

__all__ = ["DEFAULT_COSTS", "Figures", "LeadRecord", "Outcome", "Report", "StageStay", "compute", "record_from_memo"]
