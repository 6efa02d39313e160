# SPDX-License-Identifier: Apache-2.0
"""``vrrp_startup_delay`` next to keepalived 2.2.7: with the same delay each logs it, and neither
becomes master alone sooner than the delay after it was started (the lower bound is what the
keyword promises; how much later is not asserted)."""

from __future__ import annotations

import time

from test_vrrp_checksum_keepalived import KeepalivedUnicast, Started
from test_vrrp_driver import Lan, lan
from test_vrrp_process import Ours, started

__all__ = ["lan", "started"]  # the fixtures, re-used

DELAY = 1.5
PROLOGUE = f"global_defs {{\n    vrrp_startup_delay {DELAY}\n}}\n"


def test_both_wait_the_delay_before_becoming_master(lan: Lan, started: Started) -> None:
    began = time.monotonic()
    mine = Ours(lan, 100, 3, prologue=PROLOGUE)
    started.append(mine)
    mine.lines.until(lambda line: f"Delaying startup for {DELAY:g} seconds" in line, "our delay")
    mine.wait_for("MASTER")
    ours_after = time.monotonic() - began
    mine.stop()

    began = time.monotonic()
    theirs = KeepalivedUnicast(lan, 100, prologue=PROLOGUE)
    started.append(theirs)
    theirs.lines.until(lambda line: f"Delaying startup for {DELAY:g} seconds" in line, "theirs")
    theirs.wait_for("MASTER")
    theirs_after = time.monotonic() - began
    assert ours_after >= DELAY
    assert theirs_after >= DELAY
