"""Voicemail drops: a provider leaves a recorded or text-to-speech message.

The default provider writes the script to the outbox for a person or a
batch upload (``voicemail/<reference>.txt`` plus a manifest line); a real
ringless-voicemail service plugs in through :mod:`cadence.channels.plugins`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cadence import utc
from cadence.channels.ids import safe_name, voicemail_id_for
from cadence.channels.outbox import append_jsonl, atomic_write
from cadence.channels.requests import VoicemailDropRequest, VoicemailDropResult


@dataclass(frozen=True)
class VoicemailDrop:
    """One drop to perform: the rendered script and where it goes."""

    reference: str
    """Deterministic per (workflow, step, iteration): a provider can refuse a duplicate."""
    phone: str
    script: str
    request: VoicemailDropRequest


class VoicemailProvider(Protocol):
    """Performs voicemail drops."""

    async def drop(self, drop: VoicemailDrop) -> VoicemailDropResult:
        """Drop ``drop.script`` on ``drop.phone``; raise on a temporary failure (retried)."""
        ...


def make_drop(req: VoicemailDropRequest, script: str) -> VoicemailDrop:
    """The drop of ``req`` with its deterministic reference."""
    return VoicemailDrop(
        reference=voicemail_id_for(req.workflow_id, req.step_id, req.iteration),
        phone=str(req.lead.get("phone") or ""),
        script=script,
        request=req,
    )


class FileVoicemailProvider:
    """Writes ``<outbox>/voicemail/<reference>.txt`` and one line per drop in ``manifest.jsonl``."""

    def __init__(self, outbox_dir: Path) -> None:
        self.directory = Path(outbox_dir) / "voicemail"

    async def drop(self, drop: VoicemailDrop) -> VoicemailDropResult:
        """Queue the script in the outbox."""
        req = drop.request
        path = atomic_write(self.directory / f"{safe_name(drop.reference)}.txt", drop.script)
        append_jsonl(
            self.directory / "manifest.jsonl",
            {
                "reference": drop.reference,
                "lead_id": str(req.lead.get("id", "")),
                "phone": drop.phone,
                "file": path.name,
                "workflow_id": req.workflow_id,
                "step": req.step_id,
                "iteration": req.iteration,
                "template": req.script.path,
                "plan": {"name": req.plan_name, "version": req.plan_version},
                "created": utc.now(),
            },
            key="reference",
        )
        return VoicemailDropResult(delivered=True, reference=drop.reference, detail=f"queued in {path}")


__all__ = ["FileVoicemailProvider", "VoicemailDrop", "VoicemailProvider", "make_drop"]
