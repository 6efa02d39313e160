# SPDX-License-Identifier: Apache-2.0
"""A ``vrrp_sync_group``'s own ``track_interface``, next to keepalived 2.2.7 running the same two
instances: the link going down puts both members in FAULT and keepalived takes both VRIDs; back
up, both return to MASTER (keepalived 2.2.7 adds a group's tracked objects to every member)."""

from __future__ import annotations

from test_vrrp_driver import Lan, has_vip, lan, wait_until
from test_vrrp_process import VIP2, Ours
from test_vrrp_process_sync import SECOND, TwoInstanceKeepalived, entered, started
from test_vrrp_process_track import tracked_link

__all__ = ["lan", "started"]  # the fixtures, re-used

GROUP_TRACKS = SECOND.replace(
    "        VI_2\n    }\n}", "        VI_2\n    }\n    track_interface {\n        trk0\n    }\n}"
)


def test_the_groups_tracked_link_moves_both_members(
    lan: Lan, started: list[Ours | TwoInstanceKeepalived]
) -> None:
    assert "track_interface" in GROUP_TRACKS
    tracked_link(lan, "add")
    ours = Ours(lan, 150, prologue=GROUP_TRACKS)
    started.append(ours)
    entered(ours, "VI_1", "MASTER")
    entered(ours, "VI_2", "MASTER")
    theirs = TwoInstanceKeepalived(lan)
    started.append(theirs)
    theirs.wait_for("VI_1", "BACKUP")
    theirs.wait_for("VI_2", "BACKUP")

    ours.lines.seen.clear()
    theirs.lines.seen.clear()
    tracked_link(lan, "down")  # no instance tracks it, the group does
    entered(ours, "VI_1", "FAULT")
    entered(ours, "VI_2", "FAULT")
    theirs.wait_for("VI_1", "MASTER")
    theirs.wait_for("VI_2", "MASTER")
    wait_until(lambda: not has_vip(lan.ns("lb1"), VIP2), "VI_2's VIP removed")

    ours.lines.seen.clear()
    tracked_link(lan, "up")
    entered(ours, "VI_1", "MASTER")
    entered(ours, "VI_2", "MASTER")
