# SPDX-License-Identifier: Apache-2.0
"""The VRRP state machine as data: states, the transition table, the configuration switches and
the counters of :class:`~pyipvs.vrrp.VrrpInstance`.

Rule 1: every transition an instance can make is listed in :data:`TRANSITIONS`; the instance's
single ``_change_state`` choke point refuses any other, so the table, the docs' diagram and the
code cannot drift apart. Rule 2: nothing here knows about sockets, clocks or bytes.

States are RFC 5798 section 6.4's Initialize, Backup and Master, plus keepalived's FAULT (an
instance whose interface or a weight-0 tracked object is down: it neither advertises nor
listens).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

from pyipvs.errors import PyipvsValueError
from pyipvs.vrrp.routes import Spec

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

INIT = "INIT"
BACKUP = "BACKUP"
MASTER = "MASTER"
FAULT = "FAULT"
STATES = (INIT, BACKUP, MASTER, FAULT)

#: Event labels used in :data:`TRANSITIONS` (one per event class, timers one per timer).
EVENT_LABELS = (
    "startup",
    "shutdown",
    "advert",
    "master_down_timer",
    "adver_timer",
    "preempt_delay_timer",
    "interface_down",
    "interface_up",
    "track_changed",
    "sync_group_move",
)

#: Every transition: ``(from_state, event, to_state, condition)``. Self-loops are listed where
#: the event does something; an event missing for a state is ignored in that state.
TRANSITIONS: tuple[tuple[str, str, str, str], ...] = (
    (INIT, "startup", FAULT, "interface down or a weight-0 tracked object down"),
    (INIT, "startup", MASTER, "priority 255 (RFC 5798 6.4.1), or a respawned master resuming"),
    (INIT, "startup", BACKUP, "otherwise (RFC 5798 6.4.1)"),
    (BACKUP, "master_down_timer", MASTER, "no advertisement for Master_Down_Interval (6.4.2)"),
    (BACKUP, "master_down_timer", BACKUP, "held back by its sync group"),
    (BACKUP, "advert", BACKUP, "priority 0: down timer set to Skew_Time (6.4.2)"),
    (BACKUP, "advert", BACKUP, "nopreempt or priority >= own: down timer reset (6.4.2)"),
    (BACKUP, "advert", BACKUP, "lower priority, preempt: discarded (6.4.2)"),
    (BACKUP, "preempt_delay_timer", BACKUP, "preempt_delay over: lower priority discarded"),
    (BACKUP, "shutdown", INIT, "down timer cancelled (6.4.2)"),
    (BACKUP, "interface_down", FAULT, "interface down"),
    (BACKUP, "track_changed", FAULT, "a weight-0 tracked object down"),
    (BACKUP, "track_changed", BACKUP, "priority recomputed, down timer adjusted"),
    (BACKUP, "sync_group_move", MASTER, "another member became master"),
    (BACKUP, "sync_group_move", FAULT, "another member went to FAULT"),
    (MASTER, "adver_timer", MASTER, "send an advertisement (6.4.3)"),
    (MASTER, "advert", MASTER, "priority 0: answer at once (6.4.3)"),
    (MASTER, "advert", MASTER, "lower priority: answer (keepalived) or discard (RFC)"),
    (MASTER, "advert", BACKUP, "higher priority, or equal and higher address (6.4.3)"),
    (MASTER, "shutdown", INIT, "priority-0 advertisement, VIPs removed (6.4.3)"),
    (MASTER, "interface_down", FAULT, "interface down: priority 0 sent, VIPs removed"),
    (MASTER, "track_changed", FAULT, "a weight-0 tracked object down"),
    (MASTER, "track_changed", MASTER, "priority recomputed"),
    (MASTER, "sync_group_move", BACKUP, "another member became backup"),
    (MASTER, "sync_group_move", FAULT, "another member went to FAULT"),
    (FAULT, "interface_up", BACKUP, "no fault left"),
    (FAULT, "interface_up", MASTER, "no fault left, priority 255"),
    (FAULT, "track_changed", BACKUP, "no fault left"),
    (FAULT, "track_changed", MASTER, "no fault left, priority 255"),
    (FAULT, "track_changed", FAULT, "still faulty"),
    (FAULT, "sync_group_move", BACKUP, "group left FAULT and this member has no fault"),
    (FAULT, "shutdown", INIT, "stopped"),
)

_ALLOWED = frozenset((old, event, new) for old, event, new, _ in TRANSITIONS)

#: Why the state machine drops an advertisement (:class:`~pyipvs.vrrp.PacketRejected`).
REJECT_REASONS = (
    "inactive",  # INIT or FAULT: the instance neither listens nor advertises
    "vrid_mismatch",
    "version_mismatch",
    "family_mismatch",
    "own_advert",  # our own primary address as source (a looped-back multicast)
    "interval_mismatch",  # v2 only, RFC 3768 section 7.1
    "lower_priority",  # backup with preempt: let the down timer run out (RFC 5798 6.4.2)
)


def transition_allowed(old: str, event: str, new: str) -> bool:
    """Whether :data:`TRANSITIONS` lists ``old --event--> new``."""
    return (old, event, new) in _ALLOWED


@dataclass(frozen=True)
class VrrpConfig:
    """One virtual router's configuration; the switches default to keepalived 2.2.7.

    :ivar vrid: virtual router id, 1..255.
    :ivar priority: 1..255; 255 is the address owner.
    :ivar addresses: the virtual addresses (all of one family).
    :ivar primary_address: this router's own address on the interface (the advert source,
        compared in the tie break).
    :ivar version: 2 (RFC 3768) or 3 (RFC 5798).
    :ivar advert_interval: Advertisement_Interval in seconds.
    :ivar preempt: ``False`` is keepalived's ``nopreempt``.
    :ivar preempt_delay: keepalived's ``preempt_delay`` (seconds); 0 is the RFC.
    :ivar lower_prio_no_advert: a master answers a lower-priority advert with one of its own
        (keepalived); ``True`` discards it as RFC 5798 section 6.4.3 says.
    :ivar garp_lower_prio: a master that sees a lower-priority advert (a healed split) sends
        its gratuitous ARPs / NAs again (keepalived's ``garp_lower_prio_repeat``, which defaults
        to ``garp_master_repeat``); ``False`` as in ``vrrp_strict``.
    :ivar higher_prio_send_advert: a master yielding to a higher priority sends one more advert.
    :ivar priority_zero_on_fault: a master going to FAULT sends a priority-0 advert
        (keepalived); the RFC has no FAULT state.
    :ivar adopt_master_interval: a v3 backup uses the master's interval in its timers
        (RFC 5798 section 6.4.2; keepalived agrees).
    :ivar drop_interval_mismatch: v2 drops an advert whose interval differs from ours
        (RFC 3768 section 7.1; keepalived agrees).
    :ivar down_timer_adverts: keepalived's multiplier in Master_Down_Interval (RFC: 3).
    :ivar centiseconds: v3 Skew_Time in whole centiseconds (RFC arithmetic) instead of
        keepalived's microseconds.
    :ivar tracked: tracked scripts / files / interfaces and their weights. A positive weight is
        added while the object is up, a negative one while it is down; weight 0 means FAULT
        while it is down (keepalived, ``vrrp_track.c``).
    :ivar routes: ``virtual_routes`` and ``virtual_rules``: installed while master
        (:class:`~pyipvs.vrrp.AddRoutes`), removed on leaving it and, as keepalived does at
        startup, by an instance starting as backup.
    """

    vrid: int
    priority: int
    addresses: tuple[IPAddress, ...]
    primary_address: IPAddress
    version: int = 3
    advert_interval: float = 1.0
    preempt: bool = True
    preempt_delay: float = 0.0
    lower_prio_no_advert: bool = False
    garp_lower_prio: bool = True
    higher_prio_send_advert: bool = False
    priority_zero_on_fault: bool = True
    adopt_master_interval: bool = True
    drop_interval_mismatch: bool = True
    down_timer_adverts: int = 3
    centiseconds: bool = False
    tracked: Mapping[str, int] = field(default_factory=dict)
    routes: tuple[Spec, ...] = ()

    def __post_init__(self) -> None:
        _set(self, "addresses", tuple(ipaddress.ip_address(a) for a in self.addresses))
        _set(self, "primary_address", ipaddress.ip_address(self.primary_address))
        _set(self, "tracked", dict(self.tracked))
        _set(self, "routes", tuple(self.routes))
        _check_config(self)

    @property
    def family(self) -> int:
        """4 or 6, the family of :attr:`primary_address`."""
        return self.primary_address.version


def _set(config: VrrpConfig, name: str, value: object) -> None:
    object.__setattr__(config, name, value)


def _check_config(c: VrrpConfig) -> None:
    if c.version not in (2, 3):
        raise PyipvsValueError(f"version: expected 2 or 3, got {c.version!r}")
    if not 1 <= c.vrid <= 255:
        raise PyipvsValueError(f"vrid: expected 1..255, got {c.vrid!r}")
    if not 1 <= c.priority <= 255:
        raise PyipvsValueError(f"priority: expected 1..255, got {c.priority!r}")
    if c.advert_interval <= 0 or c.preempt_delay < 0 or c.down_timer_adverts < 1:
        raise PyipvsValueError("advert_interval, preempt_delay, down_timer_adverts: out of range")
    if c.version == 2 and c.family == 6:
        raise PyipvsValueError("version: VRRPv2 is IPv4 only (RFC 3768)")
    if any(a.version != c.family for a in c.addresses):
        raise PyipvsValueError("addresses: mixes address families with primary_address")
    if not c.preempt and c.priority == 255:
        raise PyipvsValueError("nopreempt: not allowed for the address owner (priority 255)")


@dataclass
class VrrpCounters:
    """What an instance has done, for the Python API and exporters.

    :ivar adverts_sent: advertisements the instance asked to send (priority 0 included).
    :ivar adverts_received: advertisements handed to it.
    :ivar drops: rejected advertisements by reason (:data:`REJECT_REASONS`).
    :ivar transitions: state changes by ``"OLD->NEW"``.
    :ivar late_wakeups: timer expiries that came later than their deadline.
    :ivar max_lateness: the latest of them, in seconds.
    :ivar stale_timers: expiries for a timer no longer armed, or re-armed to a later deadline
        (the late-timer contract: an advert fed first re-arms the down timer).
    """

    adverts_sent: int = 0
    adverts_received: int = 0
    drops: dict[str, int] = field(default_factory=dict)
    transitions: dict[str, int] = field(default_factory=dict)
    late_wakeups: int = 0
    max_lateness: float = 0.0
    stale_timers: int = 0

    def count_drop(self, reason: str) -> None:
        self.drops[reason] = self.drops.get(reason, 0) + 1

    def count_transition(self, old: str, new: str) -> None:
        key = f"{old}->{new}"
        self.transitions[key] = self.transitions.get(key, 0) + 1
