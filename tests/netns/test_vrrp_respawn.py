# SPDX-License-Identifier: Apache-2.0
"""A respawned VRRP child does not flap: killed as master and started again at once (as the
supervisor does), it finds its state file and its addresses and resumes as MASTER with an
advert; keepalived's backup never takes over. After a clean stop (priority 0 sent) the state
file is gone and the new child goes through BACKUP as keepalived's would."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from test_vrrp_driver import Lan, client_sees, has_vip, lan, wait_until
from test_vrrp_driver_keepalived import Keepalived
from test_vrrp_process import Ours

__all__ = ["lan"]  # the fixture, re-used


@pytest.fixture
def started() -> Iterator[list[Ours | Keepalived]]:
    items: list[Ours | Keepalived] = []
    yield items
    for item in items:
        item.stop()


def test_a_master_killed_and_respawned_resumes_without_a_transition(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    theirs = Keepalived(lan, "lb2", 100, 2, 4, False)
    first = Ours(lan, 150, version=2)
    started += [first, theirs]
    first.wait_for("MASTER")
    theirs.wait_for("BACKUP")
    wait_until(lambda: has_vip(lan.ns("lb1")), "VIP on lb1")
    theirs.forget()
    mark = len(theirs.log)

    first.process.kill()
    first.process.wait()
    second = Ours(lan, 150, version=2, directory=first.dir)
    started.append(second)
    second.lines.until(lambda line: "resuming as MASTER" in line, "the resume")
    second.wait_for("MASTER")
    # Past keepalived's Master_Down_Interval (3 + 156/256 s) since the kill: it stayed BACKUP.
    while second.dump()[2] < 5:
        time.sleep(0.2)
    theirs.forget()
    assert not any("Entering" in line for line in theirs.log[mark:])
    assert not any("Entering BACKUP" in line for line in second.lines.seen)
    client_sees(lan, "lb1")


def test_after_a_clean_stop_the_next_child_does_not_resume(
    lan: Lan, started: list[Ours | Keepalived]
) -> None:
    theirs = Keepalived(lan, "lb2", 100, 3, 4, False)
    first = Ours(lan, 150)
    started += [first, theirs]
    first.wait_for("MASTER")
    assert first.stop() == 0
    theirs.forget()
    theirs.wait_for("MASTER")

    second = Ours(lan, 150, directory=first.dir)
    started.append(second)
    second.wait_for("BACKUP")
    second.wait_for("MASTER")  # preempts keepalived after its down timer
    assert not any("resuming" in line for line in second.lines.seen)
