# SPDX-License-Identifier: Apache-2.0
"""Two and three VrrpInstances over an in-memory network with a fake clock."""

from __future__ import annotations

import ipaddress

import pytest
from vrrp_net import Network

from pyipvs.vrrp import InterfaceDown, InterfaceUp, Shutdown, Startup, VrrpConfig

VIP = "10.0.0.5"


def cfg(last_octet: int, priority: int, version: int = 2, **changes: object) -> VrrpConfig:
    values: dict[str, object] = {
        "vrid": 51,
        "priority": priority,
        "addresses": (VIP,),
        "primary_address": f"10.0.0.{last_octet}",
        "version": version,
        "advert_interval": 1.0 if version == 2 else 0.1,
    }
    values.update(changes)
    return VrrpConfig(**values)  # type: ignore[arg-type]


def pair(version: int = 2, a: int = 150, b: int = 100, **b_changes: object) -> Network:
    net = Network()
    net.add("lb1", cfg(2, a, version))
    net.add("lb2", cfg(3, b, version, **b_changes))
    return net


def first_master_time(net: Network, name: str, after: float = 0.0) -> float:
    return min(t for t, _, new in net.nodes[name].changes if new == "MASTER" and t >= after)


@pytest.mark.parametrize("version", [2, 3])
def test_election_highest_priority_wins(version: int) -> None:
    net = pair(version)
    net.at(0.0, "lb1", Startup())
    net.at(0.0, "lb2", Startup())
    net.run_until(30.0)
    assert net.masters() == ["lb1"]
    assert net.nodes["lb1"].holds_vips and not net.nodes["lb2"].holds_vips
    assert net.arp_cache == {VIP: "lb1"}
    assert net.max_masters_seen == 0
    # The first master appears after lb1's Master_Down_Interval (RFC 5798 6.4.1, 6.4.2).
    interval = 1.0 if version == 2 else 0.1
    skew = (256 - 150) / 256 * (1.0 if version == 2 else interval)
    assert first_master_time(net, "lb1") == pytest.approx(3 * interval + skew, abs=1e-5)


@pytest.mark.parametrize("version", [2, 3])
def test_preemption_by_a_higher_priority_newcomer(version: int) -> None:
    net = pair(version)
    net.at(0.0, "lb2", Startup())
    net.at(10.0, "lb1", Startup())
    net.run_until(9.0)
    assert net.masters() == ["lb2"]
    net.run_until(30.0)
    assert net.masters() == ["lb1"]
    assert net.arp_cache == {VIP: "lb1"}
    assert [c[1:] for c in net.nodes["lb2"].changes] == [
        ("INIT", "BACKUP"),
        ("BACKUP", "MASTER"),
        ("MASTER", "BACKUP"),
    ]


def test_nopreempt_keeps_the_live_master() -> None:
    net = Network()
    net.add("lb1", cfg(2, 150, preempt=False))
    net.add("lb2", cfg(3, 100))
    net.at(0.0, "lb2", Startup())
    net.at(10.0, "lb1", Startup())
    net.run_until(40.0)
    assert net.masters() == ["lb2"]


def test_preempt_delay_postpones_preemption() -> None:
    net = Network()
    net.add("lb1", cfg(2, 150, preempt_delay=10.0))
    net.add("lb2", cfg(3, 100))
    net.at(0.0, "lb2", Startup())
    net.at(10.0, "lb1", Startup())
    net.run_until(19.0)
    assert net.masters() == ["lb2"]
    net.run_until(40.0)
    assert net.masters() == ["lb1"]
    assert first_master_time(net, "lb1") > 20.0


@pytest.mark.parametrize("version", [2, 3])
def test_equal_priority_higher_address_wins(version: int) -> None:
    net = pair(version, a=100, b=100)
    net.at(0.0, "lb1", Startup())
    net.at(0.0, "lb2", Startup())
    net.run_until(30.0)
    # RFC 5798 6.4.3: 10.0.0.3 > 10.0.0.2.
    assert net.masters() == ["lb2"]
    assert net.arp_cache == {VIP: "lb2"}


@pytest.mark.parametrize("version", [2, 3])
def test_priority_zero_handover_takes_skew_time(version: int) -> None:
    net = pair(version)
    net.at(0.0, "lb1", Startup())
    net.at(0.0, "lb2", Startup())
    net.at(20.0, "lb1", Shutdown())
    net.run_until(30.0)
    assert net.masters() == ["lb2"]
    assert not net.nodes["lb1"].holds_vips
    skew = net.nodes["lb2"].instance.skew_time
    assert first_master_time(net, "lb2") == pytest.approx(20.0 + net.latency + skew, abs=1e-6)


@pytest.mark.parametrize("version", [2, 3])
def test_crashed_master_is_replaced_after_master_down_interval(version: int) -> None:
    net = pair(version)
    net.at(0.0, "lb1", Startup())
    net.at(0.0, "lb2", Startup())
    net.run_until(20.0)
    net.nodes["lb1"].crashed = True
    net.run_until(40.0)
    assert net.arp_cache == {VIP: "lb2"}
    assert first_master_time(net, "lb2") - 20.0 <= net.nodes["lb2"].instance.master_down_interval


def test_split_network_has_two_masters_and_healing_leaves_one() -> None:
    net = pair()
    net.at(0.0, "lb1", Startup())
    net.at(0.0, "lb2", Startup())
    net.run_until(20.0)
    net.split("lb1", "lb2")
    net.run_until(30.0)
    assert net.masters() == ["lb1", "lb2"]
    net.heal()
    net.run_until(35.0)
    assert net.masters() == ["lb1"]
    # keepalived's garp_lower_prio: lb1 announces again, the client follows it.
    assert net.arp_cache == {VIP: "lb1"}


def test_split_heal_without_garp_lower_prio_leaves_clients_on_the_old_master() -> None:
    net = Network()
    net.add("lb1", cfg(2, 150, garp_lower_prio=False))
    net.add("lb2", cfg(3, 100))
    net.at(0.0, "lb1", Startup())
    net.at(0.0, "lb2", Startup())
    net.run_until(20.0)
    net.split("lb1", "lb2")
    net.run_until(30.0)
    net.heal()
    net.run_until(35.0)
    assert net.masters() == ["lb1"]
    assert net.arp_cache == {VIP: "lb2"}


def test_three_instances_v3_elect_and_fail_over_in_order() -> None:
    net = Network()
    for octet, prio in ((2, 200), (3, 150), (4, 100)):
        net.add(f"lb{octet}", cfg(octet, prio, 3))
        net.at(0.0, f"lb{octet}", Startup())
    net.run_until(5.0)
    assert net.masters() == ["lb2"]
    net.at(5.0, "lb2", Shutdown())
    net.run_until(10.0)
    assert net.masters() == ["lb3"]
    net.nodes["lb3"].crashed = True
    net.run_until(15.0)
    assert net.arp_cache == {VIP: "lb4"}
    assert net.nodes["lb4"].instance.state == "MASTER"


def stalled_backup(adverts_first: bool) -> Network:
    net = pair()
    net.at(0.0, "lb1", Startup())
    net.at(0.0, "lb2", Startup())
    backup = net.nodes["lb2"]
    backup.adverts_first = adverts_first
    # The backup's driver is not scheduled for 5 s, longer than its Master_Down_Interval.
    backup.stall = (10.0, 15.0)
    net.run_until(30.0)
    return net


def test_a_stalled_backup_does_not_fail_over_when_queued_adverts_go_first() -> None:
    net = stalled_backup(adverts_first=True)
    backup = net.nodes["lb2"].instance
    assert [c[1:] for c in net.nodes["lb2"].changes] == [("INIT", "BACKUP")]
    assert net.masters() == ["lb1"]
    assert backup.counters.late_wakeups == 1
    assert backup.counters.stale_timers == 1
    assert 0.0 < backup.counters.max_lateness < 5.0


def test_a_naive_driver_order_would_fail_over_falsely() -> None:
    # Why the contract exists: expiry first means a false failover and a (short) split brain.
    net = stalled_backup(adverts_first=False)
    assert ("BACKUP", "MASTER") in [c[1:] for c in net.nodes["lb2"].changes]
    assert net.masters() == ["lb1"]


def test_a_late_master_keeps_its_role() -> None:
    net = pair()
    net.nodes["lb1"].lateness = 0.5
    net.at(0.0, "lb1", Startup())
    net.at(0.0, "lb2", Startup())
    net.run_until(10.0)
    assert net.masters() == ["lb1"]
    changes = len(net.nodes["lb2"].changes)
    net.run_until(70.0)
    # Every advert leaves 0.5 s late, well inside lb2's Master_Down_Interval: no failover.
    assert len(net.nodes["lb2"].changes) == changes
    assert net.nodes["lb1"].instance.counters.late_wakeups > 50


def test_v3_backup_adopts_the_master_interval() -> None:
    net = Network()
    net.add("lb1", cfg(2, 150, 3, advert_interval=0.5))
    net.add("lb2", cfg(3, 100, 3, advert_interval=0.1))
    net.at(0.0, "lb1", Startup())
    net.at(0.0, "lb2", Startup())
    net.run_until(30.0)
    # lb2 alone would have become master at 0.36 s; it waited for lb1 and then learnt 0.5 s.
    assert net.masters() == ["lb1"]
    assert net.nodes["lb2"].instance.master_adver_interval == 0.5


def test_ipv6_v3_pair() -> None:
    net = Network()
    for octet, prio in ((2, 150), (3, 100)):
        config = VrrpConfig(
            vrid=51,
            priority=prio,
            addresses=(ipaddress.ip_address("fe80::5"), ipaddress.ip_address("2001:db8::5")),
            primary_address=f"fe80::{octet}",
            version=3,
            advert_interval=0.1,
        )
        net.add(f"lb{octet}", config)
        net.at(0.0, f"lb{octet}", Startup())
    net.run_until(5.0)
    assert net.masters() == ["lb2"]
    assert net.arp_cache == {"fe80::5": "lb2", "2001:db8::5": "lb2"}


def sync_boxes() -> Network:
    net = Network()
    for box, octet, prio in (("a", 2, 150), ("b", 3, 100)):
        for vrid in (51, 52):
            name = f"{box}{vrid}"
            config = cfg(octet, prio, 3, vrid=vrid, addresses=(f"10.0.{vrid}.5",))
            net.add(name, config, box=box)
            net.at(0.0, name, Startup())
        net.group(f"G_{box}", [f"{box}51", f"{box}52"])
    return net


def test_sync_group_members_move_together() -> None:
    net = sync_boxes()
    net.run_until(5.0)
    assert net.masters() == ["a51", "a52"]
    # One interface down on box a: both of its members go FAULT, box b takes both VRIDs.
    net.at(5.0, "a52", InterfaceDown())
    net.run_until(10.0)
    assert net.nodes["a51"].instance.state == "FAULT"
    assert net.masters() == ["b51", "b52"]
    assert net.arp_cache == {"10.0.51.5": "b51", "10.0.52.5": "b52"}
    net.at(10.0, "a52", InterfaceUp())
    net.run_until(20.0)
    assert net.masters() == ["a51", "a52"]
