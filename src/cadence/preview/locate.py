"""Template failures located in the cadence files, as ``cadence validate`` locates errors.

A failure points at the YAML node naming the template (``steps[3].voicemail.script``)
or the subject, ``file:line:col``, and says the template's line from Jinja. Without a
cadence file to point into, it is located in the template itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cadence import ir
from cadence.dsl.errors import CadenceError
from cadence.dsl.loader import Document, PathT
from cadence.dsl.schema import label
from cadence.lead import STANDARD_FIELDS
from cadence.preview.model import SampleLead, Touchpoint
from cadence.preview.render import Failed
from cadence.preview.walk import plans

_NO_ATTRIBUTE = re.compile(r"has no attribute '([a-z][a-z0-9_]*)'")
_TEMPLATE_KEYS = {"call": "brief", "voicemail": "script", "email": "template", "letter": "template"}


class Locator:
    """Finds where in the cadence files (the top one and its tracks') a touchpoint's template is named."""

    def __init__(self, plan: ir.Plan, documents: Sequence[Document]) -> None:
        self.documents = {str(d.data.get("cadence")): d for d in documents}
        self.lead_fields = set(STANDARD_FIELDS) | {f for p in plans(plan).values() for f in p.lead_fields}

    def error(self, point: Touchpoint, leads: Sequence[SampleLead], failed: Failed) -> CadenceError:
        """``failed`` (for each of ``leads``) as a located error: ``file:line:col: error: ...``."""
        names = [lead.label for lead in leads]
        shown = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        whose = f" (sample lead{'s' if len(names) > 1 else ''} {shown})"
        hint = self.hint(failed.detail, leads)
        doc = self.documents.get(point.plan)
        part = "subject" if failed.subject else "from" if failed.kind == "InvalidSender" else None
        path = _path(doc, point, part) if doc is not None else None
        if doc is None or path is None:
            return CadenceError(failed.template, failed.line or 0, 0, "$", f"{failed.detail}{whose}", hint)
        if failed.subject:
            text = f"{label(path)}: {failed.detail}{whose}"
        elif failed.kind != "TemplateError":
            text = f"{label(path)}: {failed.kind}: {failed.detail}{whose}"
        else:
            line = f" line {failed.line}" if failed.line else ""
            text = f"{label(path)}: template '{failed.template}'{line}: {failed.detail}{whose}"
        return doc.error(path, text, hint)

    def hint(self, detail: str, leads: Sequence[SampleLead]) -> str:
        """How to fix a template reading a lead field these leads lack; ``""`` for other failures."""
        found = _NO_ATTRIBUTE.search(detail)
        name = found.group(1) if found else ""
        if not name or name not in self.lead_fields or any(name in lead.fields for lead in leads):
            return ""
        return (f"not every lead has {name}: write {{{{ lead.{name} | default('...') }}}} "
                f"or test {{% if lead.{name} is defined %}}")


def _path(doc: Document, point: Touchpoint, part: str | None) -> PathT | None:
    """The path of the node naming ``point``'s template (or ``part`` of its step), ``None`` if the step is gone."""
    steps = doc.data.get("steps")
    index = next((i for i, s in enumerate(steps) if isinstance(s, dict) and s.get("id") == point.step_id),
                 None) if isinstance(steps, list) else None
    if index is None:
        return None
    kind = point.channel
    key = part or _TEMPLATE_KEYS[kind]
    body = steps[index].get(kind)
    if point.variant and isinstance(body, dict) and isinstance(body.get("variants"), list):
        for j, variant in enumerate(body["variants"]):
            if isinstance(variant, dict) and variant.get("name") == point.variant:
                return ("steps", index, kind, "variants", j, key)
    return ("steps", index, kind, key)


__all__ = ["Locator"]
