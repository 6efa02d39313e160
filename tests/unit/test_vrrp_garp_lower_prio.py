# SPDX-License-Identifier: Apache-2.0
"""keepalived's ``garp_lower_prio_repeat`` / ``garp_lower_prio_delay``: a master answering a
lower-priority advert sends a burst now and one more after the delay, without restarting its
mastership's schedule; repeat 0 sends none; the state machine marks those announcements; the
plan's values come from the instance, else ``global_defs``, else the master's delay/repeat."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import pytest
from test_vrrp_build import conf, instance, no_lookup

from pyipvs.config import read_config
from pyipvs.daemon.vrrp.build import plan_instances
from pyipvs.vrrp import (
    MASTER_DOWN_TIMER,
    AdvertReceived,
    SendGratuitous,
    Startup,
    TimerExpired,
    VrrpConfig,
    VrrpInstance,
    VrrpPacket,
)
from pyipvs.vrrp.garp_schedule import GarpSchedule, GarpTiming

VIP = ipaddress.ip_address("10.0.0.5")


def lower_priority_bursts(timing: GarpTiming) -> list[int | None]:
    async def main() -> list[int | None]:
        sent: list[int | None] = []
        schedule = GarpSchedule(timing, sent.append)
        schedule.lower_priority()
        await asyncio.sleep(0.05)
        schedule.cancel()
        return sent

    return asyncio.run(main())


def test_a_burst_now_and_one_after_the_delay() -> None:
    timing = GarpTiming(delay=0.0, lower_prio_delay=0.005, lower_prio_repeat=2)
    assert lower_priority_bursts(timing) == [2, 2]


def test_without_a_delay_only_the_first_and_with_repeat_0_none() -> None:
    assert lower_priority_bursts(GarpTiming(delay=0.0, lower_prio_delay=0.0)) == [None]
    assert lower_priority_bursts(GarpTiming(delay=0.0, lower_prio_repeat=0)) == []


def test_the_machine_marks_its_answer_to_a_lower_priority_advert() -> None:
    config = VrrpConfig(51, 150, (VIP,), ipaddress.ip_address("10.0.0.2"), version=3)
    vi = VrrpInstance(config)
    vi.handle(Startup(), 0.0)
    becoming = vi.handle(TimerExpired(MASTER_DOWN_TIMER, 0.0), vi.master_down_interval)
    assert [a.lower_priority for a in becoming if isinstance(a, SendGratuitous)] == [False]
    heard = AdvertReceived(VrrpPacket(3, 51, 100, (VIP,), 1.0), ipaddress.ip_address("10.0.0.3"))
    answer = vi.handle(heard, 5.0)
    assert [a.lower_priority for a in answer if isinstance(a, SendGratuitous)] == [True]


@pytest.mark.parametrize(("globals_", "extra", "delay", "repeat"), [
    ("", "", 5, 5),
    ("    vrrp_garp_master_delay 3\n    vrrp_garp_master_repeat 2\n", "", 3, 2),
    ("    vrrp_garp_lower_prio_delay 7\n    vrrp_garp_lower_prio_repeat 1\n", "", 7, 1),
    ("    vrrp_garp_lower_prio_delay 7\n",
     "    garp_lower_prio_delay 9\n    garp_lower_prio_repeat 4\n", 9, 4),
])  # fmt: skip
def test_the_plan(tmp_path: Path, globals_: str, extra: str, delay: int, repeat: int) -> None:
    own = "    mcast_src_ip 10.0.0.2\n"
    text = (f"global_defs {{\n{globals_}}}\n" if globals_ else "") + instance(extra=own + extra)
    plan = plan_instances(read_config(conf(tmp_path, text)).config, no_lookup)["VI_1"]
    assert (plan.garp_timing.lower_prio_delay, plan.garp_timing.lower_prio_repeat) == (
        delay,
        repeat,
    )
