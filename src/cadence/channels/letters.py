"""Print-ready letters: HTML with ``@page`` rules, written to the outbox for a print-and-mail vendor.

HTML, not PDF (see docs/channels.md): no native dependencies, print vendors
accept HTML, and any browser prints it to paper or PDF exactly.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from temporalio.exceptions import ApplicationError

from cadence import utc
from cadence.channels.ids import safe_name
from cadence.channels.outbox import append_jsonl, atomic_write

PAPER: dict[str, tuple[str, str]] = {
    "letter": ("letter", "0.75in 0.9in"),
    "a4": ("A4", "20mm 22mm"),
}
"""Paper name -> (CSS ``@page size``, margins)."""

_HTML_TAG = re.compile(r"<html[^>]*>", re.IGNORECASE)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class PrintJob:
    """One letter for a print vendor."""

    letter_id: str
    """Deterministic per (workflow, step, iteration): a retry replaces, never adds."""
    html: str
    address_block: tuple[str, ...]
    paper: str
    lead_id: str
    workflow_id: str
    step_id: str
    iteration: int
    template: str
    plan_name: str = ""
    plan_version: str = ""


class LetterVendor(Protocol):
    """Takes print jobs (a print-and-mail API, a shared folder, a print queue)."""

    async def submit(self, job: PrintJob) -> str:
        """Submit ``job`` (idempotently by ``job.letter_id``); return where it went."""
        ...


def address_block(lead: Mapping[str, Any]) -> tuple[str, ...]:
    """The recipient's postal address lines (name, company, street, city line, country).

    Raises:
        ApplicationError: ``MissingAddress`` (non-retryable) without a street and a city or postal code.
    """

    def field(name: str) -> str:
        return " ".join(str(lead.get(name) or "").split())

    if not field("address_line1") or not (field("city") or field("postal_code")):
        raise ApplicationError(
            f"lead {field('id') or '?'} has no postal address (address_line1 and city or postal_code)",
            type="MissingAddress",
            non_retryable=True,
        )
    name = " ".join(p for p in (field("first_name"), field("last_name")) if p)
    city_line = " ".join(p for p in (field("city") + ("," if field("region") and field("city") else ""),
                                     field("region"), field("postal_code")) if p)
    lines = (name, field("company"), field("address_line1"), field("address_line2"), city_line, field("country"))
    return tuple(line for line in lines if line)


def print_document(body: str, *, paper: str, recipient: tuple[str, ...], return_address: str = "",
                   title: str = "Letter") -> str:
    """Wrap a rendered letter body in a print-ready page; a full document only gets the ``@page`` rule.

    Raises:
        ApplicationError: ``InvalidPaper`` (non-retryable) for a paper other than :data:`PAPER`.
    """
    if paper not in PAPER:
        raise ApplicationError(f"paper {paper!r} is not one of {', '.join(PAPER)}", type="InvalidPaper",
                               non_retryable=True)
    size, margin = PAPER[paper]
    style = (f"<style>@page {{ size: {size}; margin: {margin}; }}\n"
             "body { font-family: Georgia, 'Times New Roman', serif; font-size: 11pt; line-height: 1.4; }\n"
             ".return-address { font-size: 9pt; margin-bottom: 0.4in; white-space: pre-line; }\n"
             ".recipient { min-height: 1.1in; margin-bottom: 0.4in; }\n</style>")
    if _HTML_TAG.search(body):
        if _HEAD_END.search(body):
            return _HEAD_END.sub(lambda m: style + m.group(0), body, count=1)
        return _HTML_TAG.sub(lambda m: m.group(0) + f"<head>{style}</head>", body, count=1)
    sender = (f'<div class="return-address">{html.escape(return_address.strip())}</div>\n'
              if return_address.strip() else "")
    recipient_html = "<br>\n".join(html.escape(line) for line in recipient)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n{style}\n</head>\n<body>\n{sender}"
            f'<div class="recipient">{recipient_html}</div>\n<main>\n{body}\n</main>\n</body>\n</html>\n')


class FileLetterVendor:
    """Writes ``<outbox>/letters/<letter_id>.html`` and one ``manifest.jsonl`` line per letter."""

    def __init__(self, outbox_dir: Path) -> None:
        self.directory = Path(outbox_dir) / "letters"

    async def submit(self, job: PrintJob) -> str:
        """Write the letter (replacing a retry's earlier file) and its manifest line (once)."""
        path = atomic_write(self.directory / f"{safe_name(job.letter_id)}.html", job.html)
        append_jsonl(
            self.directory / "manifest.jsonl",
            {
                "letter_id": job.letter_id,
                "lead_id": job.lead_id,
                "file": path.name,
                "address_block": list(job.address_block),
                "paper": job.paper,
                "template": job.template,
                "plan": {"name": job.plan_name, "version": job.plan_version},
                "workflow_id": job.workflow_id,
                "step": job.step_id,
                "iteration": job.iteration,
                "created": utc.now(),
            },
            key="letter_id",
        )
        return str(path)


__all__ = ["FileLetterVendor", "LetterVendor", "PAPER", "PrintJob", "address_block", "print_document"]
