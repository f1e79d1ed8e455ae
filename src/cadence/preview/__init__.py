"""Preview a cadence: every template it renders, for sample leads, before it touches anyone.

``preview_file(path)`` compiles the cadence (its tracks too), takes one or more
sample leads (the built-in :data:`SAMPLE_LEAD` unless given) plus the first of
them with every optional field missing, and renders every template of every
touch step (each A/B variant too) the way the workers do:

* the template context comes from the engine (:meth:`cadence.engine.Engine.context_for`),
  which walks each lead along the cadence as a lead that never answers would go
  (:mod:`cadence.preview.walk`), so a template sees the touches, history and
  days it would see; a step that lead never reaches is rendered as at enrollment;
* emails are built by :func:`cadence.channels.email.build_email` (subject, HTML
  part, text part, headers: the message a worker would send), letters by
  :func:`cadence.channels.letters.print_document`, call briefs and voicemail
  scripts by :func:`cadence.channels.rendering.render` (:mod:`cadence.preview.render`).

A template that fails for any sample lead makes :class:`PreviewFailed`, listing
every failure located in the cadence file as ``cadence validate`` locates errors
(:mod:`cadence.preview.locate`). :func:`write_output` writes a preview as one
self-contained HTML page (:mod:`cadence.preview.html`) or as a directory of
``.eml``, ``.html``, ``.md`` and ``.txt`` files, never half-written.

Example::

    from cadence.preview import preview_file, write_output

    preview = preview_file("cadences/enterprise-nurture.yaml")
    write_output(preview, Path("preview.html"))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

DEFAULT_AT = "2027-03-01T09:00"
"""When the sample leads enroll unless told (``--at``): Monday 1 March 2027, 09:00 in the cadence's
``default_timezone``. Fixed rather than "now", so a preview is the same whenever it runs."""

MAX_LEADS = 20
"""Sample leads one preview takes from a lead file (each one is a column of the page)."""

# The rest loads on first use: ``cadence --help`` reads the two constants above for its option help,
# and must not pay for the channels (and temporalio) that rendering needs.
_HOMES: dict[str, str] = {
    "Preview": "model", "PreviewError": "model", "PreviewFailed": "model", "Rendering": "model",
    "SampleLead": "model", "Touchpoint": "model",
    "MARKER": "output", "output_files": "output", "write_directory": "output", "write_output": "output",
    "write_page": "output",
    "enrollment_instant": "runner", "preview_file": "runner", "preview_plan": "runner",
    "DELIVERY_FIELDS": "samples", "SAMPLE_LEAD": "samples", "read_sample_leads": "samples",
    "sample_leads": "samples", "without_optional_fields": "samples",
    "touchpoints": "walk",
}

if TYPE_CHECKING:
    from cadence.preview.model import Preview, PreviewError, PreviewFailed, Rendering, SampleLead, Touchpoint
    from cadence.preview.output import MARKER, output_files, write_directory, write_output, write_page
    from cadence.preview.runner import enrollment_instant, preview_file, preview_plan
    from cadence.preview.samples import (
        DELIVERY_FIELDS,
        SAMPLE_LEAD,
        read_sample_leads,
        sample_leads,
        without_optional_fields,
    )
    from cadence.preview.walk import touchpoints


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_AT",
    "DELIVERY_FIELDS",
    "MARKER",
    "MAX_LEADS",
    "Preview",
    "PreviewError",
    "PreviewFailed",
    "Rendering",
    "SAMPLE_LEAD",
    "SampleLead",
    "Touchpoint",
    "enrollment_instant",
    "output_files",
    "preview_file",
    "preview_plan",
    "read_sample_leads",
    "sample_leads",
    "touchpoints",
    "without_optional_fields",
    "write_directory",
    "write_output",
    "write_page",
]
