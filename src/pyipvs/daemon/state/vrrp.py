# SPDX-License-Identifier: Apache-2.0
"""The ``vrrp`` section of a status document, from the running instances and their drivers.

:class:`~pyipvs.vrrp.VrrpInstance` is sans-IO and keeps only what the protocol needs: its
state, counters and timers. Who the master is and when and why the last transition happened
are facts about the history; :class:`ObservedVrrpInstance` is a drop-in subclass that records
them as events go through ``handle()``. :func:`vrrp_section` takes either kind.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from pyipvs.vrrp import (
    Action,
    AdvertReceived,
    Event,
    PacketRejected,
    SendAdvert,
    StateChanged,
    VrrpInstance,
)
from pyipvs.vrrp.driver import Lateness, VrrpDriver
from pyipvs.vrrp.machine import BACKUP, MASTER, VrrpConfig


@dataclass(frozen=True)
class TransitionRecord:
    """One state change: wall-clock time (Unix seconds), states and the instance's reason."""

    time: float
    old: str
    new: str
    reason: str


class ObservedVrrpInstance(VrrpInstance):
    """A :class:`~pyipvs.vrrp.VrrpInstance` that remembers the master's address and the last
    transition, for the status API. Behaviour is the parent's, action for action.

    :param wall_clock: gives the Unix time a transition is stamped with.
    """

    def __init__(self, config: VrrpConfig, *, wall_clock: Callable[[], float] = time.time) -> None:
        super().__init__(config)
        self._wall_clock = wall_clock
        self.master_address: str | None = None
        #: the priority in the master's last accepted advert (None while this one is master)
        self.master_priority: int | None = None
        self.last_transition: TransitionRecord | None = None
        self.priority_zero_sent = 0
        self.priority_zero_received = 0

    def handle(self, event: Event, now: float) -> list[Action]:
        actions = super().handle(event, now)
        changes = [a for a in actions if isinstance(a, StateChanged)]
        if changes:
            last = changes[-1]
            self.last_transition = TransitionRecord(
                self._wall_clock(), changes[0].old, last.new, last.reason
            )
        self.priority_zero_sent += sum(
            1 for a in actions if isinstance(a, SendAdvert) and a.priority == 0
        )
        self._note_master(event, actions)
        return actions

    def _note_master(self, event: Event, actions: list[Action]) -> None:
        accepted = isinstance(event, AdvertReceived) and not any(
            isinstance(a, PacketRejected) for a in actions
        )
        if accepted and isinstance(event, AdvertReceived) and event.packet.priority == 0:
            self.priority_zero_received += 1
        if self.state == MASTER:
            self._set_master(str(self.config.primary_address), None)
        elif self.state != BACKUP:
            self._set_master(None, None)
        elif accepted and isinstance(event, AdvertReceived):
            if event.packet.priority > 0:
                # RFC 5798 6.4.2: a backup accepts adverts from the master only.
                self._set_master(str(event.source), event.packet.priority)
            else:
                self._set_master(None, None)  # priority 0: the master is leaving
        elif any(isinstance(a, StateChanged) and a.old == MASTER for a in actions):
            self._set_master(None, None)  # we left MASTER; the new master shows in its advert

    def _set_master(self, address: str | None, priority: int | None) -> None:
        self.master_address, self.master_priority = address, priority


def vrrp_section(
    instances: Mapping[str, VrrpInstance],
    drivers: Mapping[str, VrrpDriver] | None = None,
) -> dict[str, Any]:
    """``{"instances": {name: {...}}}``; *drivers* (by the same names) add the interface, the
    codec's drops and the timer wake-up lateness measured by the driver."""
    drivers = drivers or {}
    by_name = {name: instance_status(i, drivers.get(name)) for name, i in instances.items()}
    return {"instances": by_name}


def instance_status(instance: VrrpInstance, driver: VrrpDriver | None = None) -> dict[str, Any]:
    c, counters = instance.config, instance.counters
    observed = instance if isinstance(instance, ObservedVrrpInstance) else None
    last = observed.last_transition if observed is not None else None
    return {
        "state": instance.state,
        "vrid": c.vrid,
        "version": c.version,
        "family": c.family,
        "interface": driver.interface if driver is not None else None,
        "priority": {"effective": instance.priority, "configured": c.priority},
        "vips": [str(a) for a in c.addresses],
        "primary_address": str(c.primary_address),
        "master_address": observed.master_address if observed is not None else None,
        "master_priority": observed.master_priority if observed is not None else None,
        "preempt": c.preempt,
        "preempt_delay": c.preempt_delay,
        "advert_interval": c.advert_interval,
        "master_adver_interval": instance.master_adver_interval,
        "master_down_interval": instance.master_down_interval,
        "last_transition": None
        if last is None
        else {"time": last.time, "from": last.old, "to": last.new, "reason": last.reason},
        "transitions": dict(counters.transitions),
        "adverts": {
            "sent": counters.adverts_sent,
            "received": counters.adverts_received,
            "priority_zero_sent": observed.priority_zero_sent if observed else None,
            "priority_zero_received": observed.priority_zero_received if observed else None,
        },
        "rejected": dict(counters.drops),
        "dropped": dict(driver.codec_drops) if driver is not None else {},
        "timers": {
            "late_expiries": counters.late_wakeups,
            "max_lateness": counters.max_lateness,
            "stale_expiries": counters.stale_timers,
            "wakeups": lateness_status(driver.lateness) if driver is not None else None,
        },
    }


#: Percentiles are taken over this many recent samples: a status request runs on the VRRP
#: loop, and sorting each instance's full history there would delay adverts.
LATENESS_WINDOW = 256


def lateness_status(lateness: Lateness) -> dict[str, Any]:
    """The driver's wake-up lateness: counts, the maximum, and percentiles (seconds) over the
    last :data:`LATENESS_WINDOW` recorded samples."""
    ordered = sorted(islice(reversed(lateness.samples), LATENESS_WINDOW))
    last = len(ordered) - 1
    return {
        "count": lateness.wakeups,
        "late": lateness.late,
        "p50": ordered[last * 50 // 100] if ordered else 0.0,
        "p99": ordered[last * 99 // 100] if ordered else 0.0,
        "max": lateness.max,
    }
