"""Regenerate the Temporal Web UI screenshots of docs/ui/README.md.

Starts a throwaway dev stack with the demo (in-memory server, its UI, a
worker, the SMTP sink), lets the demo leads move for a while, then has
headless Chromium photograph the pages an operator uses. Not run in CI.

    pip install playwright && apt-get install chromium   # Playwright drives Debian's Chromium
    python docs/ui/screenshots.py
"""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import sys
import tempfile
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
PORT, UI_PORT, SMTP_PORT = 7533, 8533, 2533


def shoot(page: object, url: str, path: Path, *, wait_for: str | None = None, height: int = 1000) -> None:
    """Open ``url`` in the browser page and screenshot it into ``path``."""
    page.set_viewport_size({"width": 1500, "height": height})  # type: ignore[attr-defined]
    page.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
    if wait_for:
        page.get_by_text(wait_for).first.wait_for(state="attached", timeout=30000)  # type: ignore[attr-defined]
    page.wait_for_timeout(4000)  # type: ignore[attr-defined]
    page.screenshot(path=str(path))  # type: ignore[attr-defined]
    print(f"wrote {path.relative_to(ROOT)}")


def browse(shots: list[tuple[str, Path, str | None, int]]) -> None:
    """Take ``shots`` in one headless Chromium (Debian's, driven by Playwright; nothing is downloaded)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium not found: apt-get install chromium (and pip install playwright)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        for url, path, wait_for, height in shots:
            shoot(page, url, path, wait_for=wait_for, height=height)
        browser.close()


async def main(seconds: float = 45.0) -> None:
    from cadence import client as api
    from cadence.config import load_settings
    from cadence.dev import DevStack
    from cadence.server import EmbeddedServer

    with tempfile.TemporaryDirectory() as tmp:
        settings = dataclasses.replace(load_settings(environ={}), state_dir=tmp, temporal_address=f"127.0.0.1:{PORT}",
                                       smtp_port=SMTP_PORT, cadences_dir=str(ROOT / "cadences"),
                                       outbox_dir=Path(tmp) / "outbox")
        server = EmbeddedServer(Path(tmp), ":memory:", port=PORT, ui_port=UI_PORT)
        stack = DevStack(settings=settings, server=server, demo=True, time_scale=20000, echo=lambda line: None)
        runner = asyncio.create_task(stack.run())
        await asyncio.sleep(seconds)
        from cadence.connect import connect

        client = await connect(settings)
        leads = [row async for row in api.list_leads(client, api.list_query(cadence="enterprise-nurture"), limit=50)]
        busiest = max(leads, key=lambda r: r.touches)
        ui = f"http://127.0.0.1:{UI_PORT}/namespaces/default"
        queries = {
            "leads-by-cadence": "CadenceName = 'enterprise-nurture'",
            "handed-off": "CadenceOutcome = 'handoff'",
            "open-call-tasks": "CadenceOpenTask = 'call' AND ExecutionStatus = 'Running'",
        }
        shots = [(f"{ui}/workflows?query={urllib.parse.quote(q)}", OUT / f"{name}.png", None, 1000)
                 for name, q in queries.items()]
        run_id = (await api.handle(client, busiest.lead_id).describe()).run_id
        wf = f"{ui}/workflows/lead-{busiest.lead_id}/{run_id}"
        shots += [(f"{wf}/history", OUT / "lead-details.png", None, 1700),
                  (f"{wf}/metadata", OUT / "lead-current-details.png", None, 1200),
                  (f"{wf}/timeline", OUT / "lead-timeline.png", None, 1200),
                  (f"{wf}/query", OUT / "lead-query.png", None, 1200)]
        await asyncio.to_thread(browse, shots)
        stack.stop_event.set()
        await runner


if __name__ == "__main__":
    asyncio.run(main())
