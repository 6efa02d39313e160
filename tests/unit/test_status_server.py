# SPDX-License-Identifier: Apache-2.0
"""The status socket for real: a server on a Unix socket in a temporary directory, read by
:func:`read_status` and by a raw socket client; permissions, stale sockets, a daemon that is
not running, an answer that is not a document."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
from pathlib import Path
from typing import Any

import pytest

from pyipvs.daemon.state.server import (
    SCHEMA,
    StatusServer,
    StatusUnavailable,
    document,
    read_status,
    status_dir,
)


def _serve_and_read(path: Path, snapshot: Any, clients: int = 1) -> list[dict[str, Any]]:
    """Starts a server, reads it *clients* times from a thread (a separate client), closes."""

    async def scenario() -> list[dict[str, Any]]:
        server = StatusServer(path, snapshot)
        await server.start()
        try:
            return [await asyncio.to_thread(read_status, path) for _ in range(clients)]
        finally:
            await server.close()

    return asyncio.run(scenario())


def test_a_client_gets_one_document_and_the_socket_is_0600(tmp_path: Path) -> None:
    path = tmp_path / "run" / "vrrp.sock"
    seen: list[int] = []

    def snapshot() -> dict[str, Any]:
        seen.append(1)
        mode = stat.S_IMODE(path.stat().st_mode)
        return document(vrrp={"instances": {}, "mode": mode}, clock=lambda: 1234.5)

    docs = _serve_and_read(path, snapshot, clients=2)
    assert len(seen) == 2, "one snapshot per client"
    first = docs[0]
    assert first["schema"] == SCHEMA
    assert first["generated"] == 1234.5
    assert first["pid"] == os.getpid()
    assert first["host"] == socket.gethostname()
    assert first["vrrp"] == {"instances": {}, "mode": 0o600}
    assert first["checkers"] is None and first["ipvs"] is None
    assert not path.exists(), "close() removes the socket"
    assert not list(path.parent.glob(".vrrp.sock.*")), "no temporary name left behind"


def test_the_answer_is_one_json_line_written_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "check.sock"

    async def scenario() -> bytes:
        server = StatusServer(path, lambda: document(checkers={"virtual_servers": []}))
        await server.start()
        try:
            reader, writer = await asyncio.open_unix_connection(str(path))
            data = await reader.read()  # the server closes: EOF ends the read
            writer.close()
            return data
        finally:
            await server.close()

    data = asyncio.run(scenario())
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    assert json.loads(data)["checkers"] == {"virtual_servers": []}


def test_a_stale_socket_is_replaced_a_live_one_is_not(tmp_path: Path) -> None:
    path = tmp_path / "vrrp.sock"
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # a dead daemon's socket: nobody listens
    docs = _serve_and_read(path, lambda: document())
    assert docs[0]["schema"] == SCHEMA

    async def two_servers() -> str:
        first = StatusServer(path, lambda: document())
        await first.start()
        try:
            with pytest.raises(OSError) as caught:
                await StatusServer(path, lambda: document()).start()
            return str(caught.value)
        finally:
            await first.close()

    assert "another process is serving status" in asyncio.run(two_servers())


def test_a_file_in_the_way_is_not_removed(tmp_path: Path) -> None:
    path = tmp_path / "vrrp.sock"
    path.write_text("not a socket")
    with pytest.raises(OSError, match="exists and is not a socket"):
        asyncio.run(StatusServer(path, lambda: document()).start())
    assert path.read_text() == "not a socket"


def test_not_running_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StatusUnavailable) as caught:
        read_status(tmp_path / "vrrp.sock")
    assert (
        str(caught.value)
        == f"{tmp_path / 'vrrp.sock'}: not running (nothing listens on this socket)"
    )
    assert isinstance(caught.value, OSError)


def test_an_answer_that_is_not_a_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sock"

    async def scenario(payload: bytes) -> str:
        async def answer(_r: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(payload)
            await writer.drain()
            writer.close()

        server = await asyncio.start_unix_server(answer, str(path))
        try:
            with pytest.raises(StatusUnavailable) as caught:
                await asyncio.to_thread(read_status, path)
            return str(caught.value)
        finally:
            server.close()
            await server.wait_closed()
            path.unlink()

    assert asyncio.run(scenario(b"HTTP/1.0 400\r\n")).endswith("the answer is not JSON")
    assert asyncio.run(scenario(b'{"hello": 1}')).endswith("not a status document")


def test_a_failing_snapshot_is_served_as_an_error_document(tmp_path: Path) -> None:
    def broken() -> dict[str, Any]:
        raise KeyError("bug")

    doc = _serve_and_read(tmp_path / "s.sock", broken)[0]
    assert doc == {"schema": SCHEMA, "error": "snapshot failed: KeyError"}
    doc = _serve_and_read(tmp_path / "s.sock", lambda: {"schema": 1, "x": float("nan")})[0]
    assert doc == {"schema": SCHEMA, "error": "snapshot failed: ValueError"}


def test_the_directory_comes_from_the_argument_the_environment_or_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PYIPVS_KEEPALIVED_STATUS_DIR", raising=False)
    assert status_dir() == Path("/run/pyipvs-keepalived")
    monkeypatch.setenv("PYIPVS_KEEPALIVED_STATUS_DIR", "/tmp/elsewhere")
    assert status_dir() == Path("/tmp/elsewhere")
    assert status_dir("/x") == Path("/x")
