"""Silencing a warning in the cadence file, with a written reason.

``lint: {silence: {ID: "why"}}`` at the top of a file silences that warning
anywhere in it; the same key on a step silences it for warnings about that step
only. The schema knows the ids (an unknown one is an "unknown field" error with
a did-you-mean); this module holds the reasons to being reasons: a silence
must tell the next reader why the cadence is right as it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cadence.dsl.errors import CadenceError
from cadence.dsl.lint.model import Finding
from cadence.dsl.lint.rules import BY_ID
from cadence.dsl.loader import Document, PathT
from cadence.dsl.schema import label

MIN_REASON_WORDS = 3
"""Words a reason needs ("ok", "todo" or "intended" say nothing a reviewer can check)."""


def silences(data: Mapping[str, Any]) -> Iterator[tuple[PathT, str, Any]]:
    """Every ``(path of the reason, warning id, reason)`` written in the file, top level first."""
    places: list[tuple[PathT, Any]] = [((), data)]
    steps = data.get("steps")
    if isinstance(steps, list):
        places += [(("steps", i), step) for i, step in enumerate(steps)]
    for where, node in places:
        lint = node.get("lint") if isinstance(node, dict) else None
        table = lint.get("silence") if isinstance(lint, dict) else None
        if isinstance(table, dict):
            for rule, reason in table.items():
                yield where + ("lint", "silence", rule), rule, reason


def silence_errors(doc: Document) -> Iterator[CadenceError]:
    """A silence whose reason is blank or too short to say anything: located errors.

    Unknown ids and reasons that are not text are the schema's to report.
    """
    for where, rule, reason in silences(doc.data):
        if rule not in BY_ID or not isinstance(reason, str):
            continue
        if len(reason.split()) < MIN_REASON_WORDS:
            shown = " ".join(reason.split())
            found = f"'{shown}' is not a reason" if shown else "the reason is empty"
            yield doc.error(where, f"{label(where)}: {found}: a silenced warning needs a written reason of at least "
                                   f"{MIN_REASON_WORDS} words, saying why this cadence is right as it is",
                            f"like {rule}: \"{BY_ID[rule].example_reason}\"")


def scopes(data: Mapping[str, Any]) -> dict[str, list[PathT]]:
    """For each silenced rule, where it is silenced: ``()`` for the whole file, ``("steps", i)`` for a step."""
    out: dict[str, list[PathT]] = {}
    for where, rule, _reason in silences(data):
        out.setdefault(rule, []).append(where[:-3])
    return out


def is_silenced(finding: Finding, silenced: Mapping[str, list[PathT]]) -> bool:
    """Whether the file, or the step the finding is about, silences its rule (``silenced`` from :func:`scopes`)."""
    return any(finding.path[:len(scope)] == scope for scope in silenced.get(finding.rule, ()))


__all__ = ["MIN_REASON_WORDS", "is_silenced", "scopes", "silence_errors", "silences"]
