"""The benchmark templates as text, read once at import (outside the workflow sandbox: passed through).

The hand-written workflow sends them to the activities, as cadence's Plan embeds them.
"""

from __future__ import annotations

from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]
_SHIPPED = _REPO / "cadences" / "benchmark-seven-touch.yaml"
ROOT = _REPO / "templates" if _SHIPPED.exists() else Path(__file__).resolve().parent / "templates"
NAMES = ("calls/benchmark.md.j2", "voicemails/benchmark.txt.j2", "emails/benchmark.html.j2", "letters/benchmark.html.j2")
TEMPLATES: dict[str, str] = {name: (ROOT / name).read_text() for name in NAMES}
