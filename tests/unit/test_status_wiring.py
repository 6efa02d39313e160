# SPDX-License-Identifier: Apache-2.0
"""The wiring helpers: the checker child's server serves a real process's state (its kernel
side reported, not raised, when the table cannot be read), and a dump that cannot be written
is logged, never raised out of a signal handler."""

from __future__ import annotations

import asyncio
import errno
import logging
import signal
from pathlib import Path
from typing import Any

import pytest
from status_sources import CONFIG, NoKernel

from pyipvs.check import CheckScheduler
from pyipvs.config import parse_config
from pyipvs.daemon.check.from_config import services_from_config
from pyipvs.daemon.check.process import CheckerProcess
from pyipvs.daemon.state.checker import CountingIpvs
from pyipvs.daemon.state.server import read_status
from pyipvs.daemon.state.wiring import SIGJSON, checker_status_server, write_signal_dump
from pyipvs.errors import IpvsUnavailable


class Unavailable(NoKernel):
    def services(self) -> list[Any]:
        raise IpvsUnavailable(errno.ENOENT, "no ip_vs here")


def test_the_checker_server_serves_its_process(tmp_path: Path) -> None:
    specs = services_from_config(parse_config(CONFIG.format(port=8080)).config)
    process = CheckerProcess(specs, NoKernel(), CheckScheduler())  # type: ignore[arg-type]
    process.subscribe()
    counting = CountingIpvs(Unavailable())  # type: ignore[arg-type]

    async def scenario() -> dict[str, Any]:
        server = checker_status_server(process, counting, tmp_path)
        await server.start()
        try:
            return await asyncio.to_thread(read_status, tmp_path / "check.sock")
        finally:
            await server.close()

    doc = asyncio.run(scenario())
    assert doc["vrrp"] is None
    assert doc["checkers"]["virtual_servers"][0]["real_servers"][0]["port"] == 8080
    assert doc["ipvs"]["error"] == "cannot read the IPVS table: no ip_vs here"
    assert doc["ipvs"]["operations"] == {} and doc["ipvs"]["services"] is None


def test_a_dump_that_cannot_be_written_is_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))
    with caplog.at_level(logging.ERROR, logger="pyipvs.daemon"):
        write_signal_dump(signal.SIGUSR1, {"schema": 1, "vrrp": {"instances": {}}})
        write_signal_dump(signal.SIGHUP, {"schema": 1})
    assert "cannot write the dump for signal 10" in caplog.text
    assert "no dump for signal 1" in caplog.text
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    write_signal_dump(SIGJSON, {"schema": 1, "vrrp": {"instances": {}}})
    assert (tmp_path / "keepalived.json").read_text() == "[]\n"
