# SPDX-License-Identifier: Apache-2.0
"""``vrrp_startup_delay``: during the delay the instance hears adverts, but its
Master_Down_Timer expires no sooner than delay + Master_Down_Interval after startup, however
often an advert re-arms it (keepalived 2.2.7 vrrp_init_instance_sands); afterwards as usual.
The owner starts at once. And the global keyword reaches the process's first start."""

from __future__ import annotations

import ipaddress

import pytest

from pyipvs.config import parse_config
from pyipvs.vrrp import (
    MASTER_DOWN_TIMER,
    AdvertReceived,
    StartTimer,
    Startup,
    VrrpConfig,
    VrrpInstance,
    VrrpPacket,
)

OWN = ipaddress.ip_address("10.0.0.2")
PEER = ipaddress.ip_address("10.0.0.3")
VIP = ipaddress.ip_address("10.0.0.5")


def instance(priority: int = 100) -> VrrpInstance:
    return VrrpInstance(VrrpConfig(51, priority, (VIP,), OWN, version=3, advert_interval=1.0))


def down_deadline(actions: list[object]) -> float:
    (found,) = [a for a in actions if isinstance(a, StartTimer) and a.timer == MASTER_DOWN_TIMER]
    return found.deadline


def heard(vi: VrrpInstance, now: float) -> list[object]:
    return vi.handle(AdvertReceived(VrrpPacket(3, 51, 150, (VIP,), 1.0), PEER), now)


def test_the_down_timer_waits_for_the_delay() -> None:
    vi = instance()
    mdi = vi.master_down_interval
    assert down_deadline(vi.handle(Startup(delay=5.0), 100.0)) == pytest.approx(105.0 + mdi)
    # A master's advert during the delay re-arms it from the delay's end, not from now.
    assert down_deadline(heard(vi, 101.0)) == pytest.approx(105.0 + mdi)
    # After the delay, from now as usual.
    assert down_deadline(heard(vi, 106.0)) == pytest.approx(106.0 + mdi)


def test_without_a_delay_nothing_changes() -> None:
    vi = instance()
    mdi = vi.master_down_interval
    assert down_deadline(vi.handle(Startup(), 100.0)) == pytest.approx(100.0 + mdi)
    assert down_deadline(heard(vi, 101.0)) == pytest.approx(101.0 + mdi)


def test_the_owner_starts_at_once() -> None:
    vi = instance(255)
    vi.handle(Startup(delay=5.0), 100.0)
    assert vi.state == "MASTER"


def test_the_keyword_is_read_with_keepalived_limits() -> None:
    text = "global_defs {\n    vrrp_startup_delay 5.5\n}\n"
    assert parse_config(text, name="t").config.global_defs.vrrp_startup_delay == 5.5
