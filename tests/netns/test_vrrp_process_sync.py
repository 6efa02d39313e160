# SPDX-License-Identifier: Apache-2.0
"""A vrrp_sync_group in the VRRP child, next to keepalived 2.2.7 running the same two
instances: when a tracked link of one member goes down, both members go to FAULT and
keepalived takes both VRIDs; when it comes back, both return to MASTER."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_vrrp_driver import WAIT, Lan, Lines, has_vip, lan, wait_until
from test_vrrp_process import VIP2, Ours
from test_vrrp_process_track import tracked_link

__all__ = ["lan"]  # the fixture, re-used

SECOND = """vrrp_sync_group G1 {
    group {
        VI_1
        VI_2
    }
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 78
    priority 150
    advert_int 0.1
    version 3
    virtual_ipaddress {
        10.77.0.6/32
    }
}
"""
THEIRS = """global_defs {
    router_id lb2
    vrrp_garp_master_delay 0
}
"""
INSTANCE = """vrrp_instance VI_{n} {{
    state BACKUP
    interface eth0
    virtual_router_id {vrid}
    priority 100
    advert_int 0.1
    version 3
    virtual_ipaddress {{
        10.77.0.{host}/32
    }}
}}
"""


class TwoInstanceKeepalived:
    def __init__(self, lan: Lan) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pyipvs-vrrp-sync-"))
        conf = self.dir / "keepalived.conf"
        conf.write_text(
            THEIRS + INSTANCE.format(n=1, vrid=77, host=5) + INSTANCE.format(n=2, vrid=78, host=6)
        )
        command = ["ip", "netns", "exec", lan.ns("lb2"), "keepalived", "-n", "-l", "-G", "-P",
                   "-f", str(conf), "-p", str(self.dir / "k.pid"),
                   "-r", str(self.dir / "v.pid")]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines = Lines(self.process)

    def wait_for(self, instance: str, state: str) -> None:
        marker = f"({instance}) Entering {state} STATE"
        self.lines.until(lambda line: marker in line, f"keepalived {instance} {state}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=WAIT)
        shutil.rmtree(self.dir, ignore_errors=True)
        return code


@pytest.fixture
def started() -> Iterator[list[Ours | TwoInstanceKeepalived]]:
    items: list[Ours | TwoInstanceKeepalived] = []
    yield items
    for item in items:
        item.stop()


def entered(ours: Ours, instance: str, state: str) -> None:
    marker = f"({instance}) Entering {state} STATE"
    ours.lines.until(lambda line: marker in line, f"{instance} {state}")


def test_a_member_in_fault_takes_its_group_along(
    lan: Lan, started: list[Ours | TwoInstanceKeepalived]
) -> None:
    tracked_link(lan, "add")
    extra = "    track_interface {\n        trk0\n    }\n"
    ours = Ours(lan, 150, extra=extra, prologue=SECOND)
    started.append(ours)
    entered(ours, "VI_1", "MASTER")
    entered(ours, "VI_2", "MASTER")
    wait_until(lambda: has_vip(lan.ns("lb1"), VIP2), "VI_2's VIP on lb1")
    theirs = TwoInstanceKeepalived(lan)  # after ours is master: no election at startup
    started.append(theirs)
    theirs.wait_for("VI_1", "BACKUP")
    theirs.wait_for("VI_2", "BACKUP")

    ours.lines.seen.clear()
    theirs.lines.seen.clear()
    tracked_link(lan, "down")  # only VI_1 tracks it
    entered(ours, "VI_1", "FAULT")
    entered(ours, "VI_2", "FAULT")
    theirs.wait_for("VI_1", "MASTER")
    theirs.wait_for("VI_2", "MASTER")
    wait_until(lambda: not has_vip(lan.ns("lb1"), VIP2), "VI_2's VIP removed")

    ours.lines.seen.clear()
    tracked_link(lan, "up")
    entered(ours, "VI_1", "MASTER")
    entered(ours, "VI_2", "MASTER")


def test_an_instance_removed_on_reload_hands_over_and_the_other_stays(
    lan: Lan, started: list[Ours | TwoInstanceKeepalived]
) -> None:
    ours = Ours(lan, 150, prologue=SECOND)
    started.append(ours)
    entered(ours, "VI_1", "MASTER")
    entered(ours, "VI_2", "MASTER")
    theirs = TwoInstanceKeepalived(lan)  # after ours is master: no election at startup
    started.append(theirs)
    theirs.wait_for("VI_1", "BACKUP")
    theirs.wait_for("VI_2", "BACKUP")

    theirs.lines.seen.clear()
    ours.prologue = ""  # VI_2 and the group gone
    ours.write(("10.77.0.5",))
    ours.signal(signal.SIGHUP, "Reload finished")
    assert any("(VI_2) removed from the configuration" in line for line in ours.lines.seen)
    theirs.wait_for("VI_2", "MASTER")  # our priority-0 advert
    wait_until(lambda: not has_vip(lan.ns("lb1"), VIP2), "VI_2's VIP removed")
    assert has_vip(lan.ns("lb1"))
    state, _, _, _ = ours.dump()
    assert state == "MASTER"
    assert not any("(VI_1) Entering" in line for line in ours.lines.seen)
    assert not any("(VI_1) Entering" in line for line in theirs.lines.seen)


def test_sigterm_releases_every_member_of_a_group(
    lan: Lan, started: list[Ours | TwoInstanceKeepalived]
) -> None:
    ours = Ours(lan, 150, prologue=SECOND)
    started.append(ours)
    entered(ours, "VI_1", "MASTER")
    entered(ours, "VI_2", "MASTER")
    wait_until(lambda: has_vip(lan.ns("lb1"), VIP2), "VI_2's VIP on lb1")
    assert ours.stop() == 0
    assert not has_vip(lan.ns("lb1")) and not has_vip(lan.ns("lb1"), VIP2)
