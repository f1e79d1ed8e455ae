"""Warnings from what works in B2B nurture: the lint rules of a valid cadence file.

Public API::

    from cadence.dsl.lint import RULES, lint_document

Each rule is a generator over a :class:`LintContext` yielding
:class:`Finding` objects located by path (python-jsonschema style);
:func:`lint_document` runs them all, drops what the file silences and
returns located :class:`~cadence.dsl.errors.CadenceWarning` objects. Only
files without errors are linted: a warning on a broken file would echo an
error. Standard library, Jinja2 and the language modules only (the validate
command stays a fast cold start).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from cadence.dsl.errors import CadenceWarning, sort_key
from cadence.dsl.lint.compliance import can_spam, tcpa_hours
from cadence.dsl.lint.evidence import handoff_without_evidence
from cadence.dsl.lint.journey import few_media, few_touches
from cadence.dsl.lint.model import Finding, LintContext, TrackResolver
from cadence.dsl.lint.moves import StepGraph, build
from cadence.dsl.lint.reach import endless_track, unreachable_gate
from cadence.dsl.lint.rules import RULE_IDS, RULES, Rule
from cadence.dsl.lint.silence import is_silenced, scopes, silence_errors
from cadence.dsl.lint.timing import email_too_soon
from cadence.dsl.loader import Document, json_path

RULE_CHECKS: dict[str, Callable[[LintContext], Iterator[Finding]]] = {
    "few-touches": few_touches,
    "few-media": few_media,
    "handoff-without-evidence": handoff_without_evidence,
    "unreachable-gate": unreachable_gate,
    "endless-track": endless_track,
    "can-spam": can_spam,
    "tcpa-hours": tcpa_hours,
    "email-too-soon": email_too_soon,
}
"""The generator of each rule, by id (the same ids as :data:`RULES`)."""


def lint_document(doc: Document, file: Path, templates_dir: Path | None, tracks: TrackResolver) -> list[CadenceWarning]:
    """Every warning of a valid cadence file that the file does not silence, sorted by position.

    Args:
        doc: the loaded file (valid: the validator found no error in it).
        file: its absolute path.
        templates_dir: where its templates are.
        tracks: reads the tracks it moves leads to.
    """
    ctx = LintContext(doc, file, build(doc.data), templates_dir, tracks)
    silenced = scopes(doc.data)
    out: dict[tuple[str, str, str], CadenceWarning] = {}
    for check in RULE_CHECKS.values():
        for finding in check(ctx):
            if is_silenced(finding, silenced):
                continue
            line, column = doc.where(finding.path, key=finding.key)
            warning = CadenceWarning(doc.file, line, column, json_path(finding.path), finding.message, finding.hint,
                                     finding.rule)
            out.setdefault((warning.rule, warning.path, warning.message), warning)
    return sorted(out.values(), key=lambda w: (*sort_key(w), w.rule))


__all__ = ["RULES", "RULE_CHECKS", "RULE_IDS", "Finding", "LintContext", "Rule", "StepGraph", "lint_document",
           "silence_errors"]
