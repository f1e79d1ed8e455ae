"""Make a preview: compile the cadence, take the sample leads, render every touchpoint for each of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from cadence import ir
from cadence.channels.settings import ChannelSettings
from cadence.dsl.errors import CadenceError, sort_key
from cadence.dsl.loader import Document
from cadence.preview import DEFAULT_AT
from cadence.preview.locate import Locator
from cadence.preview.model import Preview, PreviewFailed, Rendering, SampleLead, Touchpoint
from cadence.preview.render import Failed, render_touchpoint
from cadence.preview.samples import sample_leads
from cadence.preview.walk import enrollment_moment, plans, quiet_path, touchpoints


def preview_file(path: str | Path, *, leads: Sequence[Mapping[str, Any]] | None = None, at: datetime | None = None,
                 templates_dir: str | Path | None = None, settings: ChannelSettings | None = None,
                 sparse: bool = True) -> Preview:
    """Compile the cadence at ``path`` (tracks included) and render every template for every sample lead.

    Args:
        path: the cadence file.
        leads: sample lead records (``id`` and fields); default :data:`~cadence.preview.SAMPLE_LEAD`.
        at: when the sample leads enroll; default :data:`DEFAULT_AT`. A naive time is in the
            cadence's ``default_timezone``.
        templates_dir: where templates live (default: the nearest ``templates/`` above the file).
        settings: the sender, unsubscribe link and Message-ID domain, as the workers have them.
        sparse: also preview the first lead without its optional fields.

    Raises:
        cadence.dsl.ValidationFailed: the cadence (or a track) is invalid.
        cadence.preview.PreviewError: a sample lead that enrollment would reject.
        cadence.preview.PreviewFailed: templates failed for sample leads; every failure, located.
    """
    from cadence.dsl.compiler import compile_file
    from cadence.dsl.validator import Session

    session = Session(Path(templates_dir) if templates_dir is not None else None)
    plan = compile_file(path, session=session)
    return preview_plan(plan, file=str(path), leads=leads, at=at, settings=settings, sparse=sparse,
                        documents=list(session.documents.values()))


def preview_plan(plan: ir.Plan, *, file: str = "", leads: Sequence[Mapping[str, Any]] | None = None,
                 at: datetime | None = None, settings: ChannelSettings | None = None, sparse: bool = True,
                 documents: Sequence[Document] = ()) -> Preview:
    """:func:`preview_file` for a compiled plan; ``documents`` (the loaded cadence files) locate failures.

    Raises:
        cadence.preview.PreviewError, cadence.preview.PreviewFailed: as :func:`preview_file`.
    """
    settings = settings or ChannelSettings()
    start = enrollment_instant(plan, at).astimezone(timezone.utc)  # cadence time is UTC, as workflow.now() is
    people = sample_leads(plan, leads, start, sparse=sparse)
    points = touchpoints(plan)
    by_name = plans(plan)
    renderings: list[Rendering] = []
    failures: dict[tuple[Touchpoint, tuple[Any, ...]], list[SampleLead]] = {}
    for lead in people:
        moments, rejected = quiet_path(plan, lead.fields, start, len(points))
        for point in points:
            if rejected:
                renderings.append(Rendering(point, lead.key, "", skipped=rejected))
                continue
            moment = moments.get((point.plan, point.step_id, point.variant)) or enrollment_moment(
                plan, point, lead.fields, start)
            try:
                renderings.append(render_touchpoint(by_name[point.plan], point, lead, moment, settings))
            except Failed as failed:
                failures.setdefault((point, failed.key), []).append(lead)
    if failures:
        # One error per failure naming every lead it happens to: a template broken for all says so once.
        locator = Locator(plan, documents)
        errors: list[CadenceError] = [locator.error(point, leads_, Failed.from_key(key))
                                      for (point, key), leads_ in failures.items()]
        raise PreviewFailed(sorted(errors, key=sort_key))
    return Preview(file or plan.name, plan, start, people, points, tuple(renderings), settings)


def enrollment_instant(plan: ir.Plan, at: datetime | None) -> datetime:
    """``at`` (default :data:`DEFAULT_AT`); a naive time is read in the cadence's ``default_timezone``."""
    when = at if at is not None else datetime.fromisoformat(DEFAULT_AT)
    if when.tzinfo is None:
        when = when.replace(tzinfo=ZoneInfo(plan.schedule.default_timezone))
    return when


__all__ = ["enrollment_instant", "preview_file", "preview_plan"]
