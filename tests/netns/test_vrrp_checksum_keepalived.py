# SPDX-License-Identifier: Apache-2.0
"""Interop with keepalived 2.2.7 in both VRRPv3-over-IPv4 unicast checksum forms
(``old_unicast_checksum``): the VRRP child from a keepalived.conf in lb1, keepalived in lb2,
unicast peers of each other. Both in the old form, and each side's default detecting the other's
old form, elect one master; keepalived's ``never`` against our old form does not (both masters,
keepalived logs the bad checksums): the forms really differ on the wire.

keepalived 2.2.7 has no ``v3_checksum_as_v2`` (2.2.8 added it): that mode is checked against
tshark (tests/netns/test_vrrp_tshark.py) and the codec's vectors."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from test_vrrp_driver import VIP, Lan, Lines, lan
from test_vrrp_driver_keepalived import KEEPALIVED_CONF, UNICAST, Keepalived
from test_vrrp_process import Ours, started

Started = list[Ours | Keepalived]

__all__ = ["lan", "started"]  # the fixtures, re-used

OURS, THEIRS = "10.77.0.2", "10.77.0.3"
SWITCHED = "Setting unicast VRRPv3 checksum to old version"
INVALID = "Invalid VRRPv3 checksum"


class KeepalivedUnicast(Keepalived):
    """keepalived 2.2.7 in lb2, VRRPv3 at 0.1 s to our unicast address, *extra* in its
    instance."""

    def __init__(
        self, lan: Lan, priority: int, extra: str = "", peer: str = OURS, prologue: str = ""
    ) -> None:
        if not shutil.which("keepalived"):
            pytest.fail("keepalived 2.2.7 is needed (scripts/bootstrap.sh installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="pyipvs-vrrp-csum-"))
        unicast = UNICAST.format(src=THEIRS, peer=peer) + extra
        conf = KEEPALIVED_CONF.format(router_id="lb2", priority=priority, interval=0.1,
                                      version=3, vip=f"{VIP}/32", unicast=unicast)  # fmt: skip
        (self.dir / "keepalived.conf").write_text(prologue + conf)
        command = ["ip", "netns", "exec", lan.ns("lb2"), "keepalived", "-n", "-l", "-D", "-G",
                   "-P", "-f", str(self.dir / "keepalived.conf"),
                   "-p", str(self.dir / "k.pid"), "-r", str(self.dir / "v.pid")]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines = Lines(self.process)
        self.log: list[str] = []

    def said(self, text: str, since: int = 0) -> bool:
        """Whether keepalived logged *text* (in its log's lines from *since* on)."""
        self.forget()
        return any(text in line for line in self.log[since:])

    def mark(self) -> int:
        self.forget()
        return len(self.log)


def ours(lan: Lan, priority: int, extra: str = "", peer: str = THEIRS) -> Ours:
    unicast = f"    unicast_src_ip {OURS}\n    unicast_peer {{\n        {peer}\n    }}\n"
    return Ours(lan, priority, 3, extra=unicast + extra)


OLD = "    old_unicast_checksum\n"
NEVER = "    old_unicast_checksum never\n"


def test_both_in_the_old_form_elect_one_master(lan: Lan, started: Started) -> None:
    theirs = KeepalivedUnicast(lan, 100, OLD)
    started.append(theirs)
    theirs.wait_for("MASTER")
    mine = ours(lan, 150, OLD)
    started.append(mine)
    mine.wait_for("MASTER")
    theirs.forget()
    theirs.wait_for("BACKUP")
    mine.stop()  # priority 0, in the old form: keepalived takes over at once
    theirs.wait_for("MASTER")
    assert theirs.bad_packet_lines() == []
    assert [line for line in mine.lines.rest(2.0) if SWITCHED in line] == []


def test_our_default_detects_keepalived_old_form(lan: Lan, started: Started) -> None:
    theirs = KeepalivedUnicast(lan, 100, OLD)
    started.append(theirs)
    theirs.wait_for("MASTER")
    mine = ours(lan, 150)
    started.append(mine)
    mine.lines.until(lambda line: SWITCHED in line, "the switch to the old form")
    mine.wait_for("MASTER")
    theirs.forget()
    theirs.wait_for("BACKUP")  # it takes our adverts: we send the old form now
    assert theirs.bad_packet_lines() == []


def test_keepalived_default_detects_our_old_form(lan: Lan, started: Started) -> None:
    theirs = KeepalivedUnicast(lan, 100)
    started.append(theirs)
    theirs.wait_for("MASTER")
    mine = ours(lan, 150, OLD)
    started.append(mine)
    mine.wait_for("MASTER")
    theirs.forget()
    theirs.wait_for("BACKUP")
    assert theirs.said(SWITCHED)
    assert [line for line in theirs.bad_packet_lines() if SWITCHED not in line] == []


def test_keepalived_never_and_our_old_form_do_not_agree(lan: Lan, started: Started) -> None:
    theirs = KeepalivedUnicast(lan, 100, NEVER)
    started.append(theirs)
    theirs.wait_for("MASTER")
    mine = ours(lan, 150, OLD)
    started.append(mine)
    mine.wait_for("MASTER")
    since = theirs.mark()
    theirs.lines.until(lambda line: INVALID in line, "keepalived's checksum error")
    time.sleep(1.0)  # ten of our adverts: none of them moves keepalived
    assert not theirs.said("Entering BACKUP STATE", since)
    assert not theirs.said(SWITCHED)
