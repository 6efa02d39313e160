# SPDX-License-Identifier: Apache-2.0
"""The status socket of a live VRRP router: our driver runs an ObservedVrrpInstance in one
namespace, a real keepalived 2.2.7 is master in another; the socket says who is master, and
after keepalived stops, that we are and why; SIGUSR2 and the JSON signal write keepalived's
dump files from the same state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_vrrp_driver import WAIT, Lan, Lines, lan
from test_vrrp_driver_keepalived import Keepalived

from pyipvs.daemon.state.server import StatusUnavailable, read_status
from pyipvs.daemon.state.wiring import SIGJSON

__all__ = ["lan"]  # the fixture, re-used

RUNNER = """
import asyncio, json, signal, sys
from pyipvs.daemon.state.vrrp import ObservedVrrpInstance
from pyipvs.daemon.state.wiring import install_dump_signals, vrrp_status_server
from pyipvs.vrrp import VrrpConfig
from pyipvs.vrrp.driver import VrrpDriver

spec = json.loads(sys.argv[1])

async def main():
    instance = ObservedVrrpInstance(VrrpConfig(**spec["config"]))
    driver = VrrpDriver(instance, "eth0")
    server = vrrp_status_server({"VI_1": instance}, {"VI_1": driver}, spec["dir"])
    await server.start()
    loop = asyncio.get_running_loop()
    install_dump_signals(loop, server.snapshot, "lb1")
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await driver.start()
    print("READY", flush=True)
    await stop.wait()
    await driver.stop()
    await server.close()

asyncio.run(main())
"""
CONFIG = {
    "vrid": 77,
    "priority": 100,
    "addresses": ["10.77.0.5"],
    "primary_address": "10.77.0.2",
    "version": 3,
    "advert_interval": 0.1,
}


class OurRouter:
    def __init__(self, lan: Lan, directory: Path) -> None:
        self.socket = directory / "vrrp.sock"
        self.dumps = directory / "dumps"
        self.dumps.mkdir()
        spec = json.dumps({"config": CONFIG, "dir": str(directory)})
        command = ["ip", "netns", "exec", lan.ns("lb1"), sys.executable, "-c", RUNNER, spec]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "TMPDIR": str(self.dumps)},
        )
        Lines(self.process).until(lambda line: line == "READY", "our router started")

    def status(self) -> dict[str, Any]:
        instance: dict[str, Any] = read_status(self.socket)["vrrp"]["instances"]["VI_1"]
        return instance

    def dump(self, signum: int, name: str) -> str:
        path = self.dumps / name
        self.process.send_signal(signum)
        wait_for(lambda: path.exists() and path.stat().st_size > 0, name)
        return path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=WAIT)


def wait_for(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
def routers(lan: Lan, tmp_path: Path) -> Iterator[tuple[OurRouter, Keepalived]]:
    theirs = Keepalived(lan, "lb2", 150, 3, 4, False)
    ours = None
    try:
        theirs.wait_for("MASTER")
        ours = OurRouter(lan, tmp_path)
        yield ours, theirs
    finally:
        if ours is not None:
            ours.stop()
        theirs.stop()


def test_the_socket_follows_a_live_election(routers: tuple[OurRouter, Keepalived]) -> None:
    ours, theirs = routers
    wait_for(lambda: ours.status()["master_address"] == "10.77.0.3", "keepalived seen as master")
    backup = ours.status()
    assert (backup["state"], backup["master_priority"]) == ("BACKUP", 150)
    assert backup["interface"] == "eth0" and backup["vips"] == ["10.77.0.5"]
    assert backup["adverts"]["received"] > 0 and backup["dropped"] == {}

    stats = ours.dump(signal.SIGUSR2, "keepalived.stats")
    assert stats.startswith("VRRP Instance: VI_1\n  Advertisements:\n")
    (entry,) = json.loads(ours.dump(SIGJSON, "keepalived.json"))
    assert (entry["data"]["state"], entry["data"]["master_priority"]) == (1, 150)

    theirs.stop()  # priority 0: we take over after Skew_Time
    wait_for(lambda: ours.status()["state"] == "MASTER", "we became master")
    master = ours.status()
    assert master["master_address"] == "10.77.0.2" and master["master_priority"] is None
    last = master["last_transition"]
    assert (last["from"], last["to"], last["reason"]) == (
        "BACKUP",
        "MASTER",
        "master down timer expired",
    )
    assert last["time"] <= time.time()
    assert master["adverts"]["priority_zero_received"] >= 1
    assert master["transitions"] == {"INIT->BACKUP": 1, "BACKUP->MASTER": 1}

    ours.stop()
    with pytest.raises(StatusUnavailable, match="not running"):
        read_status(ours.socket)
