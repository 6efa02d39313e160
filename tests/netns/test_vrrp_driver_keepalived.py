# SPDX-License-Identifier: Apache-2.0
"""Interop: our driver and the real keepalived 2.2.7 (``keepalived -P``) on one bridge, v2 and
v3 over IPv4 multicast: the elections agree, preemption works both ways, neither side drops the
other's packets (keepalived logs nothing about a bad advert, our codec counts no drop)."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_vrrp_driver import (
    WAIT,
    Lan,
    Router,
    client_sees,
    config,
    has_vip,
    lan,
    wait_until,
)

__all__ = ["lan"]  # the fixture, re-used

KEEPALIVED_CONF = """
global_defs {{
    router_id {router_id}
    vrrp_garp_master_delay 0
}}
vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 77
    priority {priority}
    advert_int {interval}
    version {version}
    virtual_ipaddress {{
        10.77.0.5/32
    }}
}}
"""
BAD_PACKET = re.compile(r"invalid|bad |wrong|mismatch|checksum|discard", re.IGNORECASE)


class Keepalived:
    def __init__(self, lan: Lan, name: str, priority: int, version: int) -> None:
        if not shutil.which("keepalived"):
            pytest.fail("keepalived 2.2.7 is needed (scripts/bootstrap.sh installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="pyipvs-vrrp-ka-"))
        interval = 1 if version == 2 else 0.1
        conf = KEEPALIVED_CONF.format(
            router_id=name, priority=priority, interval=interval, version=version
        )
        (self.dir / "keepalived.conf").write_text(conf)
        command = ["ip", "netns", "exec", lan.ns(name), "keepalived", "-n", "-l", "-D", "-G",
                   "-P", "-f", str(self.dir / "keepalived.conf"),
                   "-p", str(self.dir / "k.pid"), "-r", str(self.dir / "v.pid")]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.log: list[str] = []

    def wait_for(self, state: str) -> None:
        assert self.process.stdout is not None
        marker = f"Entering {state} STATE"
        while not any(marker in line for line in self.log):
            line = self.process.stdout.readline()
            assert line, f"keepalived exited before {state}: {self.log[-20:]}"
            self.log.append(line.rstrip())

    def forget(self) -> None:
        self.log.clear()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            out, _ = self.process.communicate(timeout=WAIT)
            self.log.extend(out.splitlines())
        shutil.rmtree(self.dir, ignore_errors=True)

    def bad_packet_lines(self) -> list[str]:
        # "received lower priority advert ... discarding" is preemption at work, not an error.
        return [
            line
            for line in self.log
            if "VI_1" in line and BAD_PACKET.search(line) and "lower priority" not in line
        ]


@pytest.fixture
def cleanup() -> Iterator[list[Router | Keepalived]]:
    started: list[Router | Keepalived] = []
    yield started
    for item in started:
        if isinstance(item, Keepalived):
            item.stop()
        elif item.process.poll() is None:
            item.terminate()


@pytest.mark.parametrize("version", [2, 3])
def test_we_preempt_keepalived_and_it_takes_over_when_we_stop(
    lan: Lan, cleanup: list[Router | Keepalived], version: int
) -> None:
    theirs = Keepalived(lan, "lb2", 100, version)
    cleanup.append(theirs)
    theirs.wait_for("MASTER")
    wait_until(lambda: has_vip(lan.ns("lb2")), "VIP on keepalived")
    client_sees(lan, "lb2")

    ours = Router(lan, "lb1", config("10.77.0.2", 150, version))
    cleanup.append(ours)
    ours.wait_for("MASTER")
    theirs.forget()
    theirs.wait_for("BACKUP")
    wait_until(lambda: not has_vip(lan.ns("lb2")), "keepalived removed the VIP")
    client_sees(lan, "lb1")

    ours.terminate()  # priority 0: keepalived takes over after its Skew_Time
    theirs.forget()
    theirs.wait_for("MASTER")
    client_sees(lan, "lb2")
    assert ours.report["codec_drops"] == {}
    assert theirs.bad_packet_lines() == []


@pytest.mark.parametrize("version", [2, 3])
def test_keepalived_preempts_us(lan: Lan, cleanup: list[Router | Keepalived], version: int) -> None:
    ours = Router(lan, "lb1", config("10.77.0.2", 100, version))
    cleanup.append(ours)
    ours.wait_for("MASTER")
    client_sees(lan, "lb1")

    theirs = Keepalived(lan, "lb2", 150, version)
    cleanup.append(theirs)
    theirs.wait_for("MASTER")
    ours.states.clear()
    ours.wait_for("BACKUP")
    wait_until(lambda: not has_vip(lan.ns("lb1")), "we removed the VIP")
    client_sees(lan, "lb2")

    theirs.stop()
    ours.states.clear()
    ours.wait_for("MASTER")
    client_sees(lan, "lb1")
    ours.terminate()
    assert ours.report["codec_drops"] == {}
    assert theirs.bad_packet_lines() == []
