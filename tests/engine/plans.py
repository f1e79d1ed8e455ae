"""Hand-built Plans for engine tests (no compiler needed)."""

from __future__ import annotations

from cadence import ir

TZ = "America/New_York"
ALWAYS = ir.Schedule(timezone="lead", default_timezone=TZ, business_hours=None)
OFFICE = ir.Schedule(timezone="lead", default_timezone=TZ,
                     business_hours=ir.BusinessHours(days=(0, 1, 2, 3, 4), start="09:00", end="17:00"),
                     holidays=("2026-11-26",))
REASONS = ("no_response", "opted_out", "bad_data", "not_a_fit", "competitor")


def days(n: int) -> ir.Duration:
    return ir.Duration(n, "days")


def make_plan(steps: list[ir.Step], *, schedule: ir.Schedule = ALWAYS, events: tuple[ir.EventHandler, ...] = (),
              prequalify: tuple[ir.PrequalRule, ...] = (), tracks: tuple[ir.Plan, ...] = (), name: str = "test-cadence",
              lists: tuple[ir.NamedList, ...] = ()) -> ir.Plan:
    templates = sorted({p for s in steps for p in _paths(s)})
    return ir.seal(ir.Plan(
        name=name, steps=tuple(steps), schedule=schedule, disqualify_reasons=REASONS, prequalify=prequalify,
        events=events, lists=lists, tracks=tracks,
        templates=tuple(ir.TemplateSource(p, f"template {p} for {{{{ lead.id }}}}") for p in templates),
    ))


def _paths(step: ir.Step) -> list[str]:
    return [p for p in ir.template_paths(step) if p]


def email(step_id: str, wait: int | None = None, **kw: object) -> ir.EmailStep:
    return ir.EmailStep(id=step_id, template=f"emails/{step_id}.html.j2", subject=f"About {step_id}",
                        wait=days(wait) if wait is not None else None, **kw)  # type: ignore[arg-type]


def call(step_id: str, wait: int | None = None, due: int = 2, **kw: object) -> ir.CallStep:
    return ir.CallStep(id=step_id, brief=f"calls/{step_id}.md.j2", assignee="owner", due=days(due),
                       wait=days(wait) if wait is not None else None, **kw)  # type: ignore[arg-type]


def end(step_id: str, reason: str = "no_response") -> ir.ActionStep:
    return ir.ActionStep(id=step_id, action=ir.DisqualifyAction(reason))
