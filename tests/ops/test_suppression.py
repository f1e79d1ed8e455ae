"""The do-not-contact list on the dev server: add, check (addresses and domains), list, remove, from the library
and the command line; no personal data in workflow ids."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import Client

from cadence import suppression
from cadence.channels.activities import ChannelActivities
from cadence.cli.main import main
from cadence.server import EmbeddedServer
from cadence.worker import build_worker
from tests.conftest import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    srv = EmbeddedServer(state_dir=tmp_path_factory.mktemp("suppress"), database=":memory:", port=free_port(),
                         ui_port=None)
    srv.start()
    yield srv
    srv.stop()


@pytest_asyncio.fixture
async def client(server: EmbeddedServer, tmp_path: Path) -> AsyncIterator[tuple[Client, str]]:
    client = await Client.connect(server.address)
    queue = f"suppress-{uuid.uuid4().hex[:8]}"
    async with build_worker(client, ChannelActivities().all(), task_queue=queue):
        yield client, queue


def test_patterns_are_addresses_or_whole_domains():
    assert suppression.pattern_of(" Pat@Buyer.Example ") == "pat@buyer.example"
    assert suppression.candidates("pat@eu.buyer.example") == ["pat@eu.buyer.example", "*@eu.buyer.example",
                                                              "*@buyer.example"]
    for bad in ("pat", "*@*", "pat@localhost", "@buyer.example", "pat@buyer.example\nBcc: x@y.z"):
        with pytest.raises(suppression.SuppressionError, match="is not an email address or \\*@domain$"):
            suppression.pattern_of(bad)
    assert suppression.suppression_id("pat@buyer.example").startswith("suppress-")
    assert "buyer" not in suppression.suppression_id("pat@buyer.example")


async def test_add_check_list_and_remove(client: tuple[Client, str]) -> None:
    c, queue = client
    address = f"pat-{uuid.uuid4().hex[:6]}@buyer.example"
    assert await suppression.check(c, address) is None
    added = await suppression.add(c, address, "unsubscribed", by="gateway", source_id="<m1@x>", task_queue=queue)
    again = await suppression.add(c, address, "unsubscribed", by="gateway-2", source_id="<m1@x>", task_queue=queue)
    assert (added.message, again.message) == ("suppressed: unsubscribed", "already suppressed")
    found = await suppression.check(c, address.upper())
    assert found is not None and (found.pattern, found.reason, found.by) == (address, "unsubscribed", "gateway")
    assert found.describe().startswith("on the do-not-contact list (unsubscribed ")

    domain = f"rival-{uuid.uuid4().hex[:6]}.example"
    await suppression.add(c, f"*@{domain}", "manual", by="ops", note="competitor", task_queue=queue)
    by_domain = await suppression.check(c, f"spy@eu.{domain}")
    assert by_domain is not None and by_domain.pattern == f"*@{domain}"
    assert by_domain.describe().startswith(f"on the do-not-contact list as *@{domain} (manual ")

    patterns = {row["pattern"] for row in await suppression.listed(c)}
    assert {address, f"*@{domain}"} <= patterns
    assert await suppression.remove(c, address, by="ops") is True
    assert await suppression.remove(c, f"nobody-{uuid.uuid4().hex[:6]}@buyer.example") is False
    for _ in range(50):  # the removed pattern's workflow closes as the update finishes
        if await suppression.check(c, address) is None:
            break
    assert await suppression.check(c, address) is None
    await suppression.add(c, address, "bounced", by="worker", task_queue=queue)  # back on, a new run
    assert (await suppression.check(c, address)).reason == "bounced"  # type: ignore[union-attr]


def test_the_command_line(server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("CADENCE_TEMPORAL_ADDRESS", server.address)
    monkeypatch.setenv("CADENCE_TASK_QUEUE", f"cli-{uuid.uuid4().hex[:6]}")
    address = f"kim-{uuid.uuid4().hex[:6]}@buyer.example"
    assert main(["suppress", "check", address]) == 0
    assert capsys.readouterr().out == f"{address}: not on the do-not-contact list\n"
    assert main(["suppress", "add", "not an address"]) == 1
    assert capsys.readouterr().err == "error: 'not an address' is not an email address or *@domain\n"
    assert main(["suppress", "remove", address]) == 1
    assert capsys.readouterr().err == f"error: {address} is not on the do-not-contact list\n"
