# SPDX-License-Identifier: Apache-2.0
"""VrrpInstance without bytes: every state x event, the timer formulas and the switches."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest

from pyipvs.errors import PyipvsValueError
from pyipvs.vrrp import (
    ADVER_TIMER,
    MASTER_DOWN_TIMER,
    PREEMPT_DELAY_TIMER,
    STATES,
    TRANSITIONS,
    AddVips,
    AdvertReceived,
    CancelTimer,
    InterfaceDown,
    InterfaceUp,
    PacketRejected,
    RemoveVips,
    SendAdvert,
    SendGratuitous,
    Shutdown,
    StartTimer,
    Startup,
    StateChanged,
    SyncGroupMove,
    TimerExpired,
    TrackChanged,
    VrrpConfig,
    VrrpInstance,
    VrrpPacket,
)
from pyipvs.vrrp.timers import master_down_interval, skew_time

VIP = ipaddress.ip_address("10.0.0.5")
OWN = ipaddress.ip_address("10.0.0.2")
LOWER_IP = ipaddress.ip_address("10.0.0.1")
HIGHER_IP = ipaddress.ip_address("10.0.0.3")


def config(**changes: object) -> VrrpConfig:
    values: dict[str, object] = {
        "vrid": 51,
        "priority": 100,
        "addresses": (VIP,),
        "primary_address": OWN,
        "version": 3,
        "advert_interval": 1.0,
        "tracked": {"chk": 0, "weighted": -20},
    }
    values.update(changes)
    return VrrpConfig(**values)  # type: ignore[arg-type]


def advert(priority: int, version: int = 3, interval: float = 1.0, vrid: int = 51) -> VrrpPacket:
    return VrrpPacket(
        version=version, vrid=vrid, priority=priority, addresses=(VIP,), advert_interval=interval
    )


def received(priority: int, source: ipaddress.IPv4Address = HIGHER_IP) -> AdvertReceived:
    return AdvertReceived(advert(priority), source)


def in_state(state: str, **changes: object) -> VrrpInstance:
    """An instance brought to *state* through ordinary events at t = 0..10."""
    inst = VrrpInstance(config(**changes))
    if state == "INIT":
        return inst
    inst.handle(Startup(), 0.0)
    if state == "MASTER":
        fire(inst, MASTER_DOWN_TIMER)
    elif state == "FAULT":
        inst.handle(InterfaceDown(), 5.0)
    assert inst.state == state
    return inst


def fire(inst: VrrpInstance, timer: str) -> list[object]:
    deadline = inst.deadlines.get(timer, 10.0)
    return list(inst.handle(TimerExpired(timer), deadline))


def states_of(actions: list[object]) -> list[tuple[str, str]]:
    return [(a.old, a.new) for a in actions if isinstance(a, StateChanged)]


# Each event in each state and the state it leaves the instance in.
EVENTS: dict[str, Callable[[VrrpInstance], object]] = {
    "startup": lambda i: i.handle(Startup(), 10.0),
    "shutdown": lambda i: i.handle(Shutdown(), 10.0),
    "advert_higher": lambda i: i.handle(received(150), 10.0),
    "advert_equal_higher_ip": lambda i: i.handle(received(100, HIGHER_IP), 10.0),
    "advert_equal_lower_ip": lambda i: i.handle(received(100, LOWER_IP), 10.0),
    "advert_lower": lambda i: i.handle(received(50), 10.0),
    "advert_priority_0": lambda i: i.handle(received(0), 10.0),
    "adver_timer": lambda i: fire(i, ADVER_TIMER),
    "master_down_timer": lambda i: fire(i, MASTER_DOWN_TIMER),
    "preempt_delay_timer": lambda i: fire(i, PREEMPT_DELAY_TIMER),
    "interface_down": lambda i: i.handle(InterfaceDown(), 10.0),
    "interface_up": lambda i: i.handle(InterfaceUp(), 10.0),
    "track_fault_down": lambda i: i.handle(TrackChanged("chk", False), 10.0),
    "track_weight_down": lambda i: i.handle(TrackChanged("weighted", False), 10.0),
    "sync_master": lambda i: i.handle(SyncGroupMove("MASTER", "test"), 10.0),
    "sync_backup": lambda i: i.handle(SyncGroupMove("BACKUP", "test"), 10.0),
    "sync_fault": lambda i: i.handle(SyncGroupMove("FAULT", "test"), 10.0),
}

# state -> the state after each event, in EVENTS order.
EXPECTED = {
    "INIT": "BACKUP" + " INIT" * 16,
    "BACKUP": "BACKUP INIT BACKUP BACKUP BACKUP BACKUP BACKUP BACKUP MASTER BACKUP FAULT BACKUP "
    "FAULT BACKUP MASTER BACKUP FAULT",
    "MASTER": "MASTER INIT BACKUP BACKUP MASTER MASTER MASTER MASTER MASTER MASTER FAULT MASTER "
    "FAULT MASTER MASTER BACKUP FAULT",
    "FAULT": "FAULT INIT FAULT FAULT FAULT FAULT FAULT FAULT FAULT FAULT FAULT BACKUP FAULT FAULT "
    "FAULT FAULT FAULT",
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("event", list(EVENTS))
def test_every_state_and_event(state: str, event: str) -> None:
    inst = in_state(state)
    before = inst.counters.transitions.copy()
    actions = EVENTS[event](inst)
    expected = EXPECTED[state].split()[list(EVENTS).index(event)]
    assert inst.state == expected
    changes = states_of(list(actions))  # type: ignore[call-overload]
    assert changes == ([] if expected == state else [(state, expected)])
    assert sum(inst.counters.transitions.values()) - sum(before.values()) == len(changes)


def test_every_change_is_in_the_table() -> None:
    table = {(old, new) for old, _, new, _ in TRANSITIONS}
    for state in STATES:
        for event in EVENTS.values():
            inst = in_state(state)
            for old, new in states_of(list(event(inst))):  # type: ignore[call-overload]
                assert (old, new) in table


def test_table_is_strings_and_covers_every_state() -> None:
    assert all(isinstance(x, str) for row in TRANSITIONS for x in row)
    assert {row[0] for row in TRANSITIONS} == set(STATES)
    assert {row[2] for row in TRANSITIONS} == set(STATES)


@pytest.mark.parametrize(
    ("version", "priority", "interval", "skew", "mdi"),
    [
        (2, 100, 1.0, 0.609375, 3.609375),
        (2, 254, 1.0, 0.0078125, 3.007812),
        (3, 200, 1.0, 0.21875, 3.21875),
        (3, 100, 0.1, 0.060938, 0.360938),
    ],
)
def test_timer_formulas(
    version: int, priority: int, interval: float, skew: float, mdi: float
) -> None:
    assert skew_time(version, priority, interval) == pytest.approx(skew, abs=1e-6)
    assert master_down_interval(version, priority, interval) == pytest.approx(mdi, abs=1e-6)


def test_centiseconds_switch_truncates_like_the_rfc() -> None:
    # RFC 5798 integer centiseconds: (156 * 10) // 256 = 6 cs.
    assert skew_time(3, 100, 0.1, centiseconds=True) == pytest.approx(0.06)
    assert master_down_interval(3, 100, 0.01, centiseconds=True) == pytest.approx(0.03)


def test_down_timer_adverts_switch() -> None:
    assert master_down_interval(2, 100, 1.0, down_timer_adverts=5) == pytest.approx(5.609375)


def test_startup_as_backup_arms_the_down_timer() -> None:
    inst = VrrpInstance(config(version=2))
    actions = inst.handle(Startup(), 1.0)
    assert actions == [
        StartTimer(MASTER_DOWN_TIMER, 1.0 + 3.609375),
        StateChanged("INIT", "BACKUP", "startup"),
    ]


def test_owner_starts_as_master_in_keepalived_order() -> None:
    inst = VrrpInstance(config(priority=255))
    actions = inst.handle(Startup(), 0.0)
    assert actions == [
        SendAdvert(255, 1.0),
        AddVips((VIP,)),
        SendGratuitous((VIP,)),
        StartTimer(ADVER_TIMER, 1.0),
        StateChanged("INIT", "MASTER", "startup as address owner"),
    ]


def test_master_shutdown_sends_priority_zero_and_removes_vips() -> None:
    inst = in_state("MASTER")
    actions = inst.handle(Shutdown(), 20.0)
    assert actions[:3] == [CancelTimer(ADVER_TIMER), SendAdvert(0, 1.0), RemoveVips((VIP,))]
    assert inst.deadlines == {}


@pytest.mark.parametrize(("switch", "sent"), [(True, [0]), (False, [])])
def test_priority_zero_on_fault_switch(switch: bool, sent: list[int]) -> None:
    inst = in_state("MASTER", priority_zero_on_fault=switch)
    actions = inst.handle(TrackChanged("chk", False), 20.0)
    assert [a.priority for a in actions if isinstance(a, SendAdvert)] == sent
    assert RemoveVips((VIP,)) in actions


def test_backup_priority_zero_sets_skew_time() -> None:
    inst = in_state("BACKUP")
    actions = inst.handle(received(0), 2.0)
    assert actions == [StartTimer(MASTER_DOWN_TIMER, 2.0 + 0.609375)]


def test_backup_accepting_resets_the_timer_and_v3_adopts_interval() -> None:
    inst = in_state("BACKUP")
    inst.handle(AdvertReceived(advert(150, interval=0.5), HIGHER_IP), 2.0)
    assert inst.master_adver_interval == 0.5
    assert inst.deadlines[MASTER_DOWN_TIMER] == pytest.approx(2.0 + 1.5 + 0.5 * 156 / 256)


def test_adopt_master_interval_switch_off() -> None:
    inst = in_state("BACKUP", adopt_master_interval=False)
    inst.handle(AdvertReceived(advert(150, interval=0.5), HIGHER_IP), 2.0)
    assert inst.master_adver_interval == 1.0


def test_backup_discards_lower_priority_with_preempt() -> None:
    inst = in_state("BACKUP")
    deadline = inst.deadlines[MASTER_DOWN_TIMER]
    assert inst.handle(received(50), 2.0) == [PacketRejected("lower_priority", HIGHER_IP)]
    assert inst.deadlines[MASTER_DOWN_TIMER] == deadline
    assert inst.counters.drops == {"lower_priority": 1}


def test_nopreempt_accepts_lower_priority() -> None:
    inst = in_state("BACKUP", preempt=False)
    inst.handle(received(50), 2.0)
    assert inst.deadlines[MASTER_DOWN_TIMER] == pytest.approx(2.0 + inst.master_down_interval)


def test_preempt_delay_accepts_lower_priority_until_it_ends() -> None:
    inst = in_state("BACKUP", preempt_delay=5.0)
    actions = inst.handle(received(50), 2.0)
    assert StartTimer(PREEMPT_DELAY_TIMER, 7.0) in actions
    inst.handle(TimerExpired(PREEMPT_DELAY_TIMER), 7.0)
    assert inst.handle(received(50), 7.5) == [PacketRejected("lower_priority", HIGHER_IP)]


def test_master_answers_lower_priority_unless_lower_prio_no_advert() -> None:
    inst = in_state("MASTER")
    assert inst.handle(received(50), 20.0) == [
        SendAdvert(100, 1.0),
        SendGratuitous((VIP,), lower_priority=True),
    ]
    quiet = in_state("MASTER", lower_prio_no_advert=True)
    assert quiet.handle(received(50), 20.0) == [SendGratuitous((VIP,), lower_priority=True)]
    strict = in_state("MASTER", lower_prio_no_advert=True, garp_lower_prio=False)
    assert strict.handle(received(50), 20.0) == [PacketRejected("lower_priority", HIGHER_IP)]


def test_master_answers_priority_zero_and_resets_its_timer() -> None:
    inst = in_state("MASTER")
    assert inst.handle(received(0), 20.0) == [SendAdvert(100, 1.0), StartTimer(ADVER_TIMER, 21.0)]


def test_higher_prio_send_advert_switch() -> None:
    inst = in_state("MASTER", higher_prio_send_advert=True)
    actions = inst.handle(received(150), 20.0)
    assert actions[0] == SendAdvert(100, 1.0)
    assert RemoveVips((VIP,)) in actions


@pytest.mark.parametrize(
    ("packet", "source", "reason"),
    [
        (advert(150, vrid=52), HIGHER_IP, "vrid_mismatch"),
        (advert(150, version=2), HIGHER_IP, "version_mismatch"),
        (advert(150), OWN, "own_advert"),
        (
            VrrpPacket(3, 51, 150, (ipaddress.ip_address("fe80::1"),), 1.0),
            ipaddress.ip_address("fe80::2"),
            "family_mismatch",
        ),
    ],
)
def test_rejections(packet: VrrpPacket, source: ipaddress.IPv4Address, reason: str) -> None:
    inst = in_state("BACKUP")
    assert inst.handle(AdvertReceived(packet, source), 2.0) == [PacketRejected(reason, source)]


def test_v2_interval_mismatch_is_dropped() -> None:
    inst = in_state("BACKUP", version=2)
    packet = VrrpPacket(2, 51, 150, (VIP,), 2.0)
    assert inst.handle(AdvertReceived(packet, HIGHER_IP), 2.0) == [
        PacketRejected("interval_mismatch", HIGHER_IP)
    ]


def test_tracked_weights_and_clamping() -> None:
    inst = in_state("BACKUP", tracked={"up": 10, "down": -200})
    assert inst.priority == 110
    inst.handle(TrackChanged("down", False), 1.0)
    assert inst.priority == 1
    owner = in_state("MASTER", priority=255, tracked={"down": -50})
    owner.handle(TrackChanged("down", False), 1.0)
    assert owner.priority == 255


def test_priority_change_adjusts_the_running_down_timer() -> None:
    inst = in_state("BACKUP")
    armed = inst.deadlines[MASTER_DOWN_TIMER]
    actions = inst.handle(TrackChanged("weighted", False), 1.0)
    assert inst.priority == 80
    assert actions == [StartTimer(MASTER_DOWN_TIMER, pytest.approx(armed + 20 / 256))]


def test_stale_and_late_timers_are_counted() -> None:
    inst = in_state("BACKUP")
    deadline = inst.deadlines[MASTER_DOWN_TIMER]
    # The driver woke 0.5 s late but first fed an advert received on time: the expiry is stale.
    inst.handle(received(150), deadline - 0.1)
    assert inst.handle(TimerExpired(MASTER_DOWN_TIMER, late=0.5), deadline + 0.5) == []
    assert inst.state == "BACKUP"
    assert (inst.counters.late_wakeups, inst.counters.stale_timers) == (1, 1)
    assert inst.counters.max_lateness == 0.5


def test_bad_configuration_raises() -> None:
    for bad in (
        {"priority": 0},
        {"vrid": 256},
        {"version": 4},
        {"priority": 255, "preempt": False},
    ):
        with pytest.raises(PyipvsValueError):
            config(**bad)
    with pytest.raises(PyipvsValueError):
        config(version=2, primary_address="fe80::1", addresses=())


def test_not_an_event_raises_type_error() -> None:
    with pytest.raises(TypeError):
        VrrpInstance(config()).handle("startup", 0.0)  # type: ignore[arg-type]


def test_sync_group_holds_members_back_while_one_is_faulty() -> None:
    from pyipvs.vrrp import VrrpSyncGroup

    one, two = VrrpInstance(config()), VrrpInstance(config(vrid=52))
    group = VrrpSyncGroup("G", {"one": one, "two": two})
    group.handle("one", Startup(), 0.0)
    group.handle("two", Startup(), 0.0)
    group.handle("two", TrackChanged("chk", False), 1.0)
    assert (one.state, two.state) == ("FAULT", "FAULT")
    group.handle("two", TrackChanged("chk", True), 2.0)
    assert (one.state, two.state) == ("BACKUP", "BACKUP")
    # Both time out: the first to become master takes the other along.
    pairs = group.handle("one", TimerExpired(MASTER_DOWN_TIMER), one.deadlines[MASTER_DOWN_TIMER])
    assert (one.state, two.state) == ("MASTER", "MASTER")
    assert ("two", AddVips((VIP,))) in pairs
    with pytest.raises(PyipvsValueError):
        group.handle("three", Startup(), 0.0)
    with pytest.raises(PyipvsValueError):
        VrrpSyncGroup("G", {"one": one})


def test_sync_hold_keeps_a_member_backup() -> None:
    inst = in_state("BACKUP")
    inst.set_sync_hold("sync group G: two in FAULT")
    deadline = inst.deadlines[MASTER_DOWN_TIMER]
    actions = inst.handle(TimerExpired(MASTER_DOWN_TIMER), deadline)
    assert inst.state == "BACKUP"
    assert actions == [StartTimer(MASTER_DOWN_TIMER, pytest.approx(deadline + 3.609375))]


def test_records_round_trip_and_bad_records() -> None:
    from pyipvs.vrrp.records import event_from_record, to_record

    for event in (received(150), TimerExpired(ADVER_TIMER, 0.25), TrackChanged("chk", False)):
        assert event_from_record(to_record(event)) == event
    for bad in ({"type": "Nope"}, {"type": "TimerExpired"}, {"type": "AdvertReceived"}):
        with pytest.raises(PyipvsValueError):
            event_from_record(bad)
