# SPDX-License-Identifier: Apache-2.0
"""Two address owners (priority 255) on one VRID, keepalived 2.2.7's way: the master that hears
the other owner reports the configuration error, lowers itself to 254 for good and gives way;
tracked weights then count; its own echo (same address) changes nothing."""

from __future__ import annotations

import ipaddress

from pyipvs.vrrp import (
    MASTER_DOWN_TIMER,
    AdvertReceived,
    SendAdvert,
    Startup,
    StateChanged,
    TimerExpired,
    TrackChanged,
    VrrpConfig,
    VrrpInstance,
    VrrpPacket,
)

OWN = ipaddress.ip_address("10.0.0.2")
OTHER = ipaddress.ip_address("10.0.0.1")  # lower: the tie break alone would keep us master
VIP = ipaddress.ip_address("10.0.0.5")


def owner(**changes: object) -> VrrpInstance:
    values: dict[str, object] = {"version": 3, "advert_interval": 1.0}
    values.update(changes)
    vi = VrrpInstance(VrrpConfig(51, 255, (VIP,), OWN, **values))  # type: ignore[arg-type]
    vi.handle(Startup(), 0.0)
    assert vi.state == "MASTER"
    return vi


def owner_advert(source: ipaddress.IPv4Address) -> AdvertReceived:
    return AdvertReceived(VrrpPacket(3, 51, 255, (VIP,), 1.0), source)


def test_the_master_that_hears_another_owner_gives_way_at_254() -> None:
    vi = owner()
    actions = vi.handle(owner_advert(OTHER), 1.0)
    (change,) = [a for a in actions if isinstance(a, StateChanged)]
    assert (change.old, change.new) == ("MASTER", "BACKUP")
    assert "both configured as address owner" in change.reason
    assert vi.priority == 254
    # For good: the other owner's next advert is simply a better master's.
    vi.handle(owner_advert(OTHER), 2.0)
    assert (vi.state, vi.priority) == ("BACKUP", 254)


def test_once_backed_off_the_weights_count() -> None:
    vi = owner(tracked={"chk": -10})
    vi.handle(owner_advert(OTHER), 1.0)
    vi.handle(TrackChanged("chk", False), 2.0)
    assert vi.priority == 244


def test_its_own_address_is_not_another_owner() -> None:
    vi = owner()
    actions = vi.handle(owner_advert(OWN), 1.0)
    assert vi.state == "MASTER"
    assert not any(isinstance(a, StateChanged) and a.new != "MASTER" for a in actions)


def test_a_backed_off_owner_sends_254_when_it_is_master_again() -> None:
    vi = owner()
    vi.handle(owner_advert(OTHER), 1.0)
    down = vi.master_down_interval
    actions = vi.handle(TimerExpired(MASTER_DOWN_TIMER, 0.0), 1.0 + down)  # the other left
    assert vi.state == "MASTER"
    assert [a.priority for a in actions if isinstance(a, SendAdvert)] == [254]
