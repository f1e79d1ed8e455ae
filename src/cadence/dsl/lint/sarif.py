"""``cadence validate --format sarif``: errors and warnings as a SARIF 2.1.0 log for code-scanning UIs.

One run, tool ``cadence``; one rule per warning id (:data:`~cadence.dsl.lint.rules.RULES`)
and one, ``invalid-cadence``, for every error; each result located by file
(a relative URI as the user gave it), line and column (code points, as YAML
counts them), with the node's JSON path as its logical location.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cadence import __version__
from cadence.dsl.errors import CadenceError, CadenceWarning
from cadence.dsl.lint.rules import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ERROR_RULE = "invalid-cadence"
"""The rule id of every error (errors have no ids of their own)."""

Report = Sequence[tuple[str, Sequence[CadenceError], Sequence[CadenceWarning]]]


def to_sarif(report: Report) -> dict[str, Any]:
    """The SARIF log of ``(file as shown, errors, warnings)`` per file."""
    rules = [_rule(ERROR_RULE, "InvalidCadence", "The cadence file is invalid: it cannot be compiled or run.",
                   "Errors of the schema, the semantic rules or the templates; the message says how to fix each.",
                   "error")]
    rules += [_rule(r.id, r.name, r.summary, f"{r.why} Silence it in the cadence file with a reason: "
                    f"lint: {{silence: {{{r.id}: \"why\"}}}} at the top level or on the step.", "warning")
              for r in RULES]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for _shown, errors, warnings in report:
        for item in [*errors, *warnings]:
            rule_id = item.rule if isinstance(item, CadenceWarning) else ERROR_RULE
            results.append(_result(item, rule_id, index[rule_id]))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "cadence", "version": __version__, "semanticVersion": __version__,
                                "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _rule(rule_id: str, name: str, short: str, full: str, level: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": full},
        "defaultConfiguration": {"level": level},
    }


def _result(item: CadenceError | CadenceWarning, rule_id: str, rule_index: int) -> dict[str, Any]:
    text = item.message + (f" (hint: {item.hint})" if item.hint else "")
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(item.file)}}
    if item.line > 0:  # a file that could not be read has no position
        physical["region"] = {"startLine": item.line, "startColumn": max(item.column, 1)}
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": item.severity,
        "message": {"text": " ".join(text.splitlines())},
        "locations": [{"physicalLocation": physical, "logicalLocations": [{"fullyQualifiedName": item.path}]}],
    }


def _uri(file: str) -> str:
    """A relative URI as the user gave the path (code-scanning UIs resolve it against the checkout)."""
    path = Path(file)
    if path.is_absolute():
        return path.as_uri()
    return quote(file.replace(os.sep, "/"))


__all__ = ["ERROR_RULE", "SARIF_SCHEMA", "to_sarif"]
