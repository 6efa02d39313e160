# SPDX-License-Identifier: Apache-2.0
"""Tracking in the VRRP child, next to keepalived 2.2.7: a tracked interface going down puts
our master in FAULT (keepalived takes over) and back when it comes up; a weight lowers the
priority so keepalived preempts; a vrrp_script that fails does the same as a link."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_vrrp_driver import Lan, client_sees, has_vip, lan, sh, wait_until
from test_vrrp_driver_keepalived import Keepalived
from test_vrrp_process import Ours

__all__ = ["lan"]  # the fixture, re-used


@pytest.fixture
def started() -> Iterator[list[Ours | Keepalived]]:
    items: list[Ours | Keepalived] = []
    yield items
    for item in items:
        item.stop()


def tracked_link(lan: Lan, state: str) -> None:
    """trk0 in lb1, a veth whose carrier follows its peer trk1 (the host has no dummy
    driver): "add" makes both up, "down" / "up" switch the peer, so trk0 loses its carrier."""
    ns = lan.ns("lb1")
    if state == "add":
        sh("ip", "-n", ns, "link", "add", "trk0", "type", "veth", "peer", "name", "trk1")
        sh("ip", "-n", ns, "link", "set", "trk0", "up")
        state = "up"
    sh("ip", "-n", ns, "link", "set", "trk1", state)


def pair(lan: Lan, started: list[Ours | Keepalived], extra: str) -> tuple[Ours, Keepalived]:
    theirs = Keepalived(lan, "lb2", 100, 3, 4, False)
    ours = Ours(lan, 150, extra=extra)
    started += [ours, theirs]
    ours.wait_for("MASTER")
    theirs.wait_for("BACKUP")
    theirs.forget()
    return ours, theirs


def test_a_tracked_interface_down_means_fault_and_up_means_back(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    tracked_link(lan, "add")
    ours, theirs = pair(lan, started, "    track_interface {\n        trk0\n    }\n")

    ours.lines.seen.clear()
    tracked_link(lan, "down")
    ours.wait_for("FAULT")
    theirs.wait_for("MASTER")  # our priority-0 advert: at once
    wait_until(lambda: not has_vip(lan.ns("lb1")), "we removed the VIP")
    client_sees(lan, "lb2")

    ours.lines.seen.clear()
    theirs.forget()
    tracked_link(lan, "up")
    ours.wait_for("BACKUP")
    ours.wait_for("MASTER")  # preempts keepalived again
    theirs.wait_for("BACKUP")
    client_sees(lan, "lb1")


def test_a_tracked_interface_weight_lowers_the_priority_and_keepalived_preempts(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    tracked_link(lan, "add")
    extra = "    track_interface {\n        trk0 weight -60\n    }\n"
    ours, theirs = pair(lan, started, extra)

    ours.lines.seen.clear()
    tracked_link(lan, "down")  # 150 - 60 = 90 < 100
    theirs.wait_for("MASTER")
    ours.wait_for("BACKUP")
    assert ours.dump()[0] == "BACKUP"


def test_a_failing_track_script_means_fault(
    lan: Lan, started: list[Ours | Keepalived], tmp_path: Path
) -> None:
    flag = tmp_path / "healthy"
    flag.touch()
    script = f'vrrp_script chk {{\n    script "/bin/test -e {flag}"\n    interval 1\n}}\n'
    extra = "    track_script {\n        chk\n    }\n"
    theirs = Keepalived(lan, "lb2", 100, 3, 4, False)
    ours = Ours(lan, 150, extra=extra, prologue=script)
    started += [ours, theirs]
    ours.wait_for("MASTER")
    theirs.wait_for("BACKUP")
    theirs.forget()

    ours.lines.seen.clear()
    flag.unlink()
    ours.wait_for("FAULT")
    theirs.wait_for("MASTER")

    flag.touch()
    ours.wait_for("MASTER")
