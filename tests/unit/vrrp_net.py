# SPDX-License-Identifier: Apache-2.0
"""An in-memory network and fake clock for VrrpInstance tests (no sockets, no real time).

It plays the driver: it carries SendAdvert to every reachable node with the same VRID after a
fixed latency, turns StartTimer into a TimerExpired at the deadline (plus the node's wake-up
lateness), and keeps which node holds the VIPs and which one a client's ARP cache points at.

A node can be *stalled* (its driver not scheduled) for a while: what reaches it meanwhile is
queued, as in a socket buffer, and handed over when it wakes. With ``adverts_first`` (the driver
contract) the queued adverts go first, each with its arrival time, then the expired timers with
how late they are; without it the timers go first, as a naive driver would do it.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

from pyipvs.vrrp import (
    AddVips,
    AdvertReceived,
    CancelTimer,
    Event,
    RemoveVips,
    SendAdvert,
    SendGratuitous,
    StartTimer,
    Startup,
    StateChanged,
    TimerExpired,
    VrrpConfig,
    VrrpInstance,
    VrrpPacket,
    VrrpSyncGroup,
)
from pyipvs.vrrp.actions import Action


@dataclass
class Node:
    instance: VrrpInstance
    box: str
    lateness: float = 0.0
    crashed: bool = False
    stall: tuple[float, float] | None = None
    adverts_first: bool = True
    backlog: list[tuple[float, Event]] = field(default_factory=list)
    holds_vips: bool = False
    changes: list[tuple[float, str, str]] = field(default_factory=list)


class Network:
    def __init__(self, latency: float = 0.001) -> None:
        self.latency = latency
        self.now = 0.0
        self.nodes: dict[str, Node] = {}
        self.groups: dict[str, VrrpSyncGroup] = {}
        self.cut: set[frozenset[str]] = set()
        self.arp_cache: dict[str, str] = {}
        self._queue: list[tuple[float, int, str, Event | None]] = []
        self._seq = itertools.count()
        # When each armed timer is due to fire (deadline plus the node's lateness).
        self._fires_at: dict[tuple[str, str], float] = {}
        self.max_masters_seen = 0

    def add(self, name: str, config: VrrpConfig, box: str | None = None) -> VrrpInstance:
        instance = VrrpInstance(config)
        self.nodes[name] = Node(instance, box or name)
        return instance

    def restart(self, name: str) -> None:
        """A crashed router's process starts again: a fresh instance, Startup now."""
        node = self.nodes[name]
        node.instance = VrrpInstance(node.instance.config)
        node.crashed = False
        node.holds_vips = False  # the stale address went with the crash in this model
        for key in [k for k in self._fires_at if k[0] == name]:
            del self._fires_at[key]
        self.at(self.now, name, Startup())

    def group(self, name: str, members: list[str]) -> None:
        group = VrrpSyncGroup(name, {m: self.nodes[m].instance for m in members})
        for member in members:
            self.groups[member] = group

    def at(self, time: float, name: str, event: Event | None) -> None:
        heapq.heappush(self._queue, (time, next(self._seq), name, event))

    def run_until(self, end: float) -> None:
        while self._queue and self._queue[0][0] <= end:
            time, _, name, event = heapq.heappop(self._queue)
            self.now = time
            self._deliver(name, event)
            self.max_masters_seen = max(self.max_masters_seen, len(self.masters_by_vrid()))
        self.now = end

    def masters(self) -> list[str]:
        return sorted(n for n, node in self.nodes.items() if node.instance.state == "MASTER")

    def masters_by_vrid(self) -> dict[int, list[str]]:
        result: dict[int, list[str]] = {}
        for name in self.masters():
            result.setdefault(self.nodes[name].instance.config.vrid, []).append(name)
        return {vrid: names for vrid, names in result.items() if len(names) > 1}

    def split(self, a: str, b: str) -> None:
        self.cut.add(frozenset((self.nodes[a].box, self.nodes[b].box)))

    def heal(self) -> None:
        self.cut.clear()

    def _deliver(self, name: str, event: Event | None) -> None:
        node = self.nodes[name]
        if node.crashed:
            return
        if event is None:
            self._wake(name)
            return
        if isinstance(event, TimerExpired):
            if self._fires_at.get((name, event.timer)) != self.now:
                return  # the driver cancelled or re-armed it
            del self._fires_at[(name, event.timer)]
        if node.stall is not None and node.stall[0] <= self.now < node.stall[1]:
            if not node.backlog:
                self.at(node.stall[1], name, None)
            node.backlog.append((self.now, event))
            return
        self._handle(name, event, self.now)

    def _wake(self, name: str) -> None:
        node = self.nodes[name]
        wake, backlog = self.now, node.backlog
        node.backlog = []
        timers = [(t, e) for t, e in backlog if isinstance(e, TimerExpired)]
        others = [(t, e) for t, e in backlog if not isinstance(e, TimerExpired)]
        # The driver measured each expiry's lateness; adverts keep their arrival time.
        late = [(wake, TimerExpired(e.timer, wake - t)) for t, e in timers]  # type: ignore[union-attr]
        for time, event in others + late if node.adverts_first else late + others:
            self._handle(name, event, time)

    def _handle(self, name: str, event: Event, now: float) -> None:
        group = self.groups.get(name)
        if group is not None:
            pairs = group.handle(name, event, now)
        else:
            pairs = [(name, a) for a in self.nodes[name].instance.handle(event, now)]
        for member, action in pairs:
            self._execute(member, action)

    def _execute(self, name: str, action: Action) -> None:
        node = self.nodes[name]
        if isinstance(action, SendAdvert):
            self._broadcast(name, action)
        elif isinstance(action, StartTimer):
            # A deadline already past (re-armed from a queued advert's arrival time) fires now.
            fires_at = max(action.deadline + node.lateness, self.now)
            self._fires_at[(name, action.timer)] = fires_at
            self.at(fires_at, name, TimerExpired(action.timer, fires_at - action.deadline))
        elif isinstance(action, CancelTimer):
            self._fires_at.pop((name, action.timer), None)
        elif isinstance(action, AddVips | RemoveVips):
            node.holds_vips = isinstance(action, AddVips)
        elif isinstance(action, SendGratuitous):
            for vip in action.addresses:
                self.arp_cache[str(vip)] = name
        elif isinstance(action, StateChanged):
            node.changes.append((self.now, action.old, action.new))

    def _broadcast(self, sender: str, action: SendAdvert) -> None:
        config = self.nodes[sender].instance.config
        packet = VrrpPacket(
            config.version, config.vrid, action.priority, config.addresses, action.interval
        )
        event = AdvertReceived(packet, config.primary_address)
        for name, node in self.nodes.items():
            same_vrid = node.instance.config.vrid == config.vrid
            reachable = frozenset((node.box, self.nodes[sender].box)) not in self.cut
            if name != sender and same_vrid and reachable:
                self.at(self.now + self.latency, name, event)
