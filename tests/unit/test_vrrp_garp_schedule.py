# SPDX-License-Identifier: Apache-2.0
"""The later gratuitous ARP bursts: the delayed one (the instance's repeat), the refreshes
(``garp_master_refresh_repeat``), none after a cancel; and the plan's values, instance over
``global_defs``."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

from pyipvs.config import read_config
from pyipvs.daemon.vrrp.build import plan_instances
from pyipvs.vrrp.garp_schedule import GarpSchedule, GarpTiming


async def bursts(timing: GarpTiming, cancel_after: int) -> list[int | None]:
    sent: list[int | None] = []
    done = asyncio.Event()

    def send(repeat: int | None) -> None:
        sent.append(repeat)
        if len(sent) == cancel_after:
            schedule.cancel()
            done.set()

    schedule = GarpSchedule(timing, send)
    schedule.start()
    await asyncio.wait_for(done.wait(), 10.0)
    await asyncio.sleep(0.05)  # nothing more comes after the cancel
    return sent


def test_delayed_burst_then_refreshes_until_cancelled() -> None:
    sent = asyncio.run(bursts(GarpTiming(delay=0.001, refresh=0.005, refresh_repeat=3), 3))
    assert sent == [None, 3, 3]


def test_nothing_without_delay_or_refresh() -> None:
    sent: list[int | None] = []

    async def run() -> None:
        GarpSchedule(GarpTiming(delay=0.0), sent.append).start()
        await asyncio.sleep(0.02)

    asyncio.run(run())
    assert sent == []


def test_the_instance_overrides_global_defs(tmp_path: Path) -> None:
    path = tmp_path / "keepalived.conf"
    path.write_text(
        "global_defs {\n    vrrp_garp_master_delay 2\n    vrrp_garp_master_refresh 60\n}\n"
        "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n"
        "    garp_master_delay 0\n    virtual_ipaddress {\n        10.0.0.5\n    }\n}\n"
    )
    config = read_config(str(path)).config
    plan = plan_instances(config, lambda _i, _f: ipaddress.IPv4Address("10.0.0.3"))["VI_1"]
    # The lower-priority bursts follow the global master delay and repeat (keepalived).
    assert plan.garp_timing == GarpTiming(
        delay=0, refresh=60, refresh_repeat=1, lower_prio_delay=2, lower_prio_repeat=5
    )
