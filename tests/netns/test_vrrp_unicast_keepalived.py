# SPDX-License-Identifier: Apache-2.0
"""keepalived's unicast checks against keepalived 2.2.7 itself: our ``unicast_ttl`` is the TTL
keepalived measures with a peer's ``min_ttl`` / ``max_ttl`` (in range it takes our adverts, out
of range it drops them and says so), and our ``check_unicast_src`` drops keepalived's adverts
when its address is not among our peers (without the check we take them, as keepalived does)."""

from __future__ import annotations

import time

import pytest
from test_vrrp_checksum_keepalived import OURS, KeepalivedUnicast, Started, ours
from test_vrrp_driver import Lan, lan
from test_vrrp_process import started

__all__ = ["lan", "started"]  # the fixtures, re-used

EXPECTS_64 = f"{OURS} min_ttl 64 max_ttl 64"


def test_keepalived_takes_our_adverts_at_the_unicast_ttl_it_expects(
    lan: Lan, started: Started
) -> None:
    theirs = KeepalivedUnicast(lan, 100, peer=EXPECTS_64)
    started.append(theirs)
    theirs.wait_for("MASTER")
    mine = ours(lan, 150, "    unicast_ttl 64\n")
    started.append(mine)
    mine.wait_for("MASTER")
    theirs.forget()
    theirs.wait_for("BACKUP")
    assert not theirs.said("not in range")


def test_keepalived_drops_our_adverts_at_another_ttl(lan: Lan, started: Started) -> None:
    theirs = KeepalivedUnicast(lan, 100, peer=EXPECTS_64)
    started.append(theirs)
    theirs.wait_for("MASTER")
    since = theirs.mark()
    mine = ours(lan, 150)  # 255, keepalived's default too
    started.append(mine)
    mine.wait_for("MASTER")
    theirs.lines.until(lambda line: "TTL/HL 255 not in range 64 - 64" in line, "the TTL drop")
    time.sleep(1.0)  # ten of our adverts: none of them moves keepalived
    assert not theirs.said("Entering BACKUP STATE", since)


@pytest.mark.parametrize("check", [True, False])
def test_check_unicast_src_drops_adverts_from_a_non_peer(
    lan: Lan, started: Started, check: bool
) -> None:
    theirs = KeepalivedUnicast(lan, 150)
    started.append(theirs)
    theirs.wait_for("MASTER")
    extra = "    check_unicast_src\n" if check else ""
    mine = ours(lan, 100, extra, peer="10.77.0.9")  # keepalived's 10.77.0.3 is no peer of ours
    started.append(mine)
    if check:
        not_a_peer = "unicast source address 10.77.0.3 not a unicast peer"
        mine.lines.until(lambda line: not_a_peer in line, "the source check's drop")
        mine.wait_for("MASTER")  # it never heard keepalived
    else:
        mine.wait_for("BACKUP")
        time.sleep(1.0)  # past our down timer: keepalived's adverts keep us in BACKUP
        assert not any("Entering MASTER STATE" in line for line in mine.lines.seen)
