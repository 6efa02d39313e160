# SPDX-License-Identifier: Apache-2.0
"""One virtual router, sans-IO: :class:`VrrpInstance`.

``handle(event, now)`` returns the actions the driver must carry out, in order. The instance
never reads a clock (``now`` is given), never touches a socket, never logs and draws no random
numbers, so a test replays any history exactly. Local misuse (a bad configuration) raises;
anything received from the network becomes a :class:`~pyipvs.vrrp.PacketRejected` and a
counter, never an exception.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pyipvs.vrrp import actions as act
from pyipvs.vrrp import events as ev
from pyipvs.vrrp.machine import (
    BACKUP,
    FAULT,
    INIT,
    MASTER,
    VrrpConfig,
    VrrpCounters,
    transition_allowed,
)
from pyipvs.vrrp.routes import Spec
from pyipvs.vrrp.timers import master_down_interval, skew_time

Actions = list[act.Action]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_TIMER_LABELS = {
    ev.ADVER_TIMER: "adver_timer",
    ev.MASTER_DOWN_TIMER: "master_down_timer",
    ev.PREEMPT_DELAY_TIMER: "preempt_delay_timer",
}
# An expiry this much before its deadline is a stale one (float noise allowance).
_EPSILON = 1e-9


class VrrpInstance:
    """A VRRP virtual router (RFC 3768 / RFC 5798 section 6.4, keepalived's extensions).

    :param config: the configuration; its switches choose keepalived's or the RFC's behaviour.
    """

    def __init__(self, config: VrrpConfig) -> None:
        self._config = config
        self._state = INIT
        self._counters = VrrpCounters()
        self._deadlines: dict[str, float] = {}
        self._tracked_up = dict.fromkeys(config.tracked, True)
        self._tracked_values: dict[str, int] = {}  # tracked files: their number
        self._interface_up = True
        self._sync_hold: str | None = None
        self._preempt_delay_over = False
        # Master_Adver_Interval (RFC 5798 section 6.1); v2 always uses its own interval.
        self._master_adver_interval = config.advert_interval
        # When the down timer was last armed with a full Master_Down_Interval.
        self._down_armed_at: float | None = None
        self._startup_until = float("-inf")  # vrrp_startup_delay's end
        self._owner_backed_off = False  # another owner was seen: 254 from then on
        self._handlers: Mapping[type, Callable[[Any, float, Actions], None]] = {
            ev.Startup: self._on_startup,
            ev.Shutdown: self._on_shutdown,
            ev.AdvertReceived: self._on_advert,
            ev.TimerExpired: self._on_timer,
            ev.InterfaceUp: self._on_interface_up,
            ev.InterfaceDown: self._on_interface_down,
            ev.TrackChanged: self._on_track_changed,
            ev.SyncGroupMove: self._on_sync_group_move,
        }

    # ===== public API =====

    @property
    def config(self) -> VrrpConfig:
        return self._config

    @property
    def state(self) -> str:
        """``INIT``, ``BACKUP``, ``MASTER`` or ``FAULT``."""
        return self._state

    @property
    def counters(self) -> VrrpCounters:
        return self._counters

    @property
    def priority(self) -> int:
        """The effective priority: the configured one plus the weights of tracked objects,
        clamped to 1..254; the address owner's 255 never changes (keepalived ``vrrp_track.c``)."""
        base = self._base_priority
        if base == 255:
            return base
        total = base
        for name, weight in self._config.tracked.items():
            up = self._tracked_up[name]
            if name in self._tracked_values:
                total += weight * self._tracked_values[name]
            elif (weight > 0 and up) or (weight < 0 and not up):
                total += weight
        return min(max(total, 1), 254)

    @property
    def _base_priority(self) -> int:
        # keepalived lowers an owner that met another owner to 254, for good (until a reload).
        return 254 if self._owner_backed_off else self._config.priority

    @property
    def master_adver_interval(self) -> float:
        """Master_Adver_Interval: the interval the down timer is computed from."""
        return self._master_adver_interval

    @property
    def master_down_interval(self) -> float:
        """Master_Down_Interval for the current priority and Master_Adver_Interval."""
        c = self._config
        return master_down_interval(
            c.version,
            self.priority,
            self._master_adver_interval,
            down_timer_adverts=c.down_timer_adverts,
            centiseconds=c.centiseconds,
        )

    @property
    def skew_time(self) -> float:
        c = self._config
        return skew_time(
            c.version, self.priority, self._master_adver_interval, centiseconds=c.centiseconds
        )

    @property
    def deadlines(self) -> dict[str, float]:
        """The armed timers and their deadlines (a copy)."""
        return dict(self._deadlines)

    @property
    def faulty(self) -> bool:
        """The interface is down or a weight-0 tracked object is down."""
        if not self._interface_up:
            return True
        values = self._tracked_values
        return any(
            (weight == 0 and not self._tracked_up[name])
            or (name in values and weight != 0 and weight * values[name] <= -254)
            for name, weight in self._config.tracked.items()
        )

    def set_sync_hold(self, reason: str | None) -> None:
        """Used by :class:`~pyipvs.vrrp.VrrpSyncGroup`: while *reason* is set, the instance
        stays BACKUP when its down timer expires (keepalived prefers backup to thrashing)."""
        self._sync_hold = reason

    def handle(self, event: ev.Event, now: float) -> list[act.Action]:
        """Processes one event that happened at *now* (seconds, the driver's monotonic clock)
        and returns the actions to carry out, in order.

        An event that means nothing in the current state returns no actions. Feed adverts
        with the time they were received: the down timer is re-armed from that time.
        """
        out: Actions = []
        handler = self._handlers.get(type(event))
        if handler is None:
            raise TypeError(f"not a VRRP event: {event!r}")
        handler(event, now, out)
        return out

    def update_addresses(self, addresses: Iterable[IPAddress | str]) -> list[act.Action]:
        """Replaces the virtual addresses in place (a reload that changed only them): no
        transition, no extra advertisement. A master installs the new addresses, announces
        them and removes the dropped ones; later adverts carry the new list.

        :raises PyipvsValueError: an address of the wrong family.
        """
        old = self._config.addresses
        fresh = tuple(ipaddress.ip_address(a) for a in addresses)
        self._config = dataclasses.replace(self._config, addresses=fresh)
        new = self._config.addresses
        out: Actions = []
        if self._state != MASTER:
            return out
        added = tuple(a for a in new if a not in old)
        removed = tuple(a for a in old if a not in new)
        if removed:
            out.append(act.RemoveVips(removed))
        if added:
            out.append(act.AddVips(added))
            out.append(act.SendGratuitous(added))
        return out

    def update_routes(self, routes: Iterable[Spec]) -> list[act.Action]:
        """Replaces the routes and rules in place (a reload that changed only them and the
        addresses): a master removes the dropped ones and installs the new ones; nothing
        else happens."""
        old = self._config.routes
        self._config = dataclasses.replace(self._config, routes=tuple(routes))
        new = self._config.routes
        out: Actions = []
        if self._state != MASTER:
            return out
        removed = tuple(r for r in old if r not in new)
        added = tuple(r for r in new if r not in old)
        if removed:
            out.append(act.RemoveRoutes(removed))
        if added:
            out.append(act.AddRoutes(added))
        return out

    # ===== the choke point =====

    def _change_state(self, new: str, event: str, reason: str, out: Actions) -> None:
        old = self._state
        if not transition_allowed(old, event, new):
            raise AssertionError(f"transition {old} --{event}--> {new} is not in TRANSITIONS")
        self._state = new
        if old != new:
            self._counters.count_transition(old, new)
            out.append(act.StateChanged(old, new, reason))

    # ===== timers and sending =====

    def _start(self, timer: str, deadline: float, out: Actions) -> None:
        deadline = round(deadline, 6)  # keepalived's microseconds; no float noise in goldens
        self._deadlines[timer] = deadline
        out.append(act.StartTimer(timer, deadline))

    def _cancel(self, timer: str, out: Actions) -> None:
        if self._deadlines.pop(timer, None) is not None:
            out.append(act.CancelTimer(timer))

    def _send_advert(self, priority: int, out: Actions) -> None:
        self._counters.adverts_sent += 1
        out.append(act.SendAdvert(priority, self._config.advert_interval))

    def _arm_down_timer(self, now: float, out: Actions) -> None:
        since = max(now, self._startup_until)  # vrrp_startup_delay (see Startup)
        self._down_armed_at = since
        self._start(ev.MASTER_DOWN_TIMER, since + self.master_down_interval, out)

    # ===== entering states =====

    def _become_master(self, event: str, reason: str, now: float, out: Actions) -> None:
        # RFC 5798 6.4.1 / 6.4.2; keepalived's order: advert, addresses, then announcements.
        self._cancel(ev.MASTER_DOWN_TIMER, out)
        self._cancel(ev.PREEMPT_DELAY_TIMER, out)
        self._send_advert(self.priority, out)
        out.append(act.AddVips(self._config.addresses))
        if self._config.routes:
            out.append(act.AddRoutes(self._config.routes))
        out.append(act.SendGratuitous(self._config.addresses))
        self._start(ev.ADVER_TIMER, now + self._config.advert_interval, out)
        self._change_state(MASTER, event, reason, out)

    def _release(self, out: Actions) -> None:
        """Leaving MASTER: rules and routes first, then the addresses (keepalived's order)."""
        if self._config.routes:
            out.append(act.RemoveRoutes(self._config.routes))
        out.append(act.RemoveVips(self._config.addresses))

    def _become_backup(self, event: str, reason: str, now: float, out: Actions) -> None:
        if self._state == MASTER:
            self._cancel(ev.ADVER_TIMER, out)
            self._release(out)
        else:
            # RFC 5798 6.4.1: Master_Adver_Interval = Advertisement_Interval on entering Backup.
            self._master_adver_interval = self._config.advert_interval
        self._preempt_delay_over = False
        self._arm_down_timer(now, out)
        self._change_state(BACKUP, event, reason, out)

    def _become_fault(self, event: str, reason: str, out: Actions) -> None:
        if self._state == MASTER:
            self._cancel(ev.ADVER_TIMER, out)
            # keepalived (vrrp.c, leaving MASTER for FAULT): priority 0 so a backup takes over
            # after Skew_Time instead of Master_Down_Interval.
            if self._config.priority_zero_on_fault:
                self._send_advert(0, out)
            self._release(out)
        self._cancel(ev.MASTER_DOWN_TIMER, out)
        self._cancel(ev.PREEMPT_DELAY_TIMER, out)
        self._change_state(FAULT, event, reason, out)

    def _leave_fault(self, event: str, reason: str, now: float, out: Actions) -> None:
        # keepalived: leaving FAULT goes to BACKUP with a full down timer, MASTER only for the
        # address owner (RFC 5798 6.4.1 applied as at startup).
        if self._base_priority == 255:
            self._become_master(event, reason + ", address owner", now, out)
        else:
            self._become_backup(event, reason, now, out)

    # ===== handlers =====

    def _on_startup(self, event: ev.Startup, now: float, out: Actions) -> None:
        if self._state != INIT:
            return
        self._startup_until = now + event.delay
        if self.faulty:
            self._become_fault("startup", "startup with a fault", out)
        elif event.resume_master:
            self._become_master("startup", "resumed: the predecessor was master", now, out)
        elif self._base_priority == 255:
            # RFC 5798 6.4.1: the owner becomes master at once.
            self._become_master("startup", "startup as address owner", now, out)
        else:
            self._become_backup("startup", "startup", now, out)
        if self._state != MASTER and self._config.routes:
            # keepalived removes an instance's routes and rules as it starts as backup (left
            # over by a predecessor that died as master).
            out.append(act.RemoveRoutes(self._config.routes))

    def _on_shutdown(self, _: ev.Shutdown, now: float, out: Actions) -> None:
        if self._state == MASTER:
            # RFC 5798 6.4.3: cancel Adver_Timer, send an advert with priority 0.
            self._cancel(ev.ADVER_TIMER, out)
            self._send_advert(0, out)
            self._release(out)
        elif self._state == INIT:
            return
        for timer in list(self._deadlines):
            self._cancel(timer, out)
        self._change_state(INIT, "shutdown", "shutdown", out)

    def _on_timer(self, event: ev.TimerExpired, now: float, out: Actions) -> None:
        if event.late > 0:
            self._counters.late_wakeups += 1
            self._counters.max_lateness = max(self._counters.max_lateness, event.late)
        deadline = self._deadlines.get(event.timer)
        if deadline is None or now + _EPSILON < deadline:
            # Cancelled, or re-armed by an advert the driver fed first (late-timer contract).
            self._counters.stale_timers += 1
            return
        del self._deadlines[event.timer]
        label = _TIMER_LABELS[event.timer]
        if event.timer == ev.ADVER_TIMER and self._state == MASTER:
            # RFC 5798 6.4.3: send an advert, reset Adver_Timer.
            self._send_advert(self.priority, out)
            self._start(ev.ADVER_TIMER, deadline + self._config.advert_interval, out)
        elif event.timer == ev.MASTER_DOWN_TIMER and self._state == BACKUP:
            self._on_master_down(label, now, out)
        elif event.timer == ev.PREEMPT_DELAY_TIMER and self._state == BACKUP:
            self._preempt_delay_over = True
            self._change_state(BACKUP, label, "preempt delay over", out)

    def _on_master_down(self, label: str, now: float, out: Actions) -> None:
        if self._sync_hold is not None:
            # keepalived (vrrp_sync.c): a member whose group cannot follow stays backup.
            self._arm_down_timer(now, out)
            self._change_state(BACKUP, label, self._sync_hold, out)
            return
        # RFC 5798 6.4.2: Master_Down_Timer fired -> Master.
        self._become_master(label, "master down timer expired", now, out)

    def _on_interface_up(self, _: ev.InterfaceUp, now: float, out: Actions) -> None:
        self._interface_up = True
        if self._state == FAULT and not self.faulty and self._sync_hold is None:
            self._leave_fault("interface_up", "interface up", now, out)

    def _on_interface_down(self, _: ev.InterfaceDown, now: float, out: Actions) -> None:
        self._interface_up = False
        if self._state in (BACKUP, MASTER):
            self._become_fault("interface_down", "interface down", out)

    def _on_track_changed(self, event: ev.TrackChanged, now: float, out: Actions) -> None:
        if event.name not in self._tracked_up:
            return
        before = self.priority
        self._tracked_up[event.name] = event.up
        if event.value is not None:
            self._tracked_values[event.name] = event.value
        reason = f"tracked {event.name} {'up' if event.up else 'down'}"
        if event.value is not None:
            reason = f"tracked {event.name} value {event.value}"
        if self._state in (BACKUP, MASTER) and self.faulty:
            self._become_fault("track_changed", reason, out)
        elif self._state == FAULT:
            if not self.faulty and self._interface_up and self._sync_hold is None:
                self._leave_fault("track_changed", reason, now, out)
        elif self._state == BACKUP and self.priority != before:
            self._adjust_down_timer(out)

    def _adjust_down_timer(self, out: Actions) -> None:
        # keepalived: a priority change while BACKUP adjusts the running down timer.
        armed_at = self._down_armed_at
        if armed_at is not None and ev.MASTER_DOWN_TIMER in self._deadlines:
            self._start(ev.MASTER_DOWN_TIMER, armed_at + self.master_down_interval, out)

    def _on_sync_group_move(self, event: ev.SyncGroupMove, now: float, out: Actions) -> None:
        target, state = event.state, self._state
        if target == state or state == INIT:
            return
        if target == MASTER and state == BACKUP:
            self._become_master("sync_group_move", event.reason, now, out)
        elif target == FAULT and state in (BACKUP, MASTER):
            self._become_fault("sync_group_move", event.reason, out)
        elif target == BACKUP and (state == MASTER or not self.faulty):
            self._become_backup("sync_group_move", event.reason, now, out)

    # ===== advertisements =====

    def _on_advert(self, event: ev.AdvertReceived, now: float, out: Actions) -> None:
        self._counters.adverts_received += 1
        reason = self._precheck(event)
        if reason is None and self._state == BACKUP:
            reason = self._backup_advert(event, now, out)
        elif reason is None and self._state == MASTER:
            reason = self._master_advert(event, now, out)
        if reason is not None:
            self._counters.count_drop(reason)
            out.append(act.PacketRejected(reason, event.source))

    def _precheck(self, event: ev.AdvertReceived) -> str | None:
        p, c = event.packet, self._config
        if self._state not in (BACKUP, MASTER):
            return "inactive"
        if p.vrid != c.vrid:
            return "vrid_mismatch"
        if p.version != c.version:
            return "version_mismatch"
        if event.source.version != c.family:
            return "family_mismatch"
        if event.source == c.primary_address:
            return "own_advert"
        if c.version == 2 and c.drop_interval_mismatch and p.advert_interval != c.advert_interval:
            # RFC 3768 7.1: the interval MUST match the configured one, else discard.
            return "interval_mismatch"
        return None

    def _backup_advert(self, event: ev.AdvertReceived, now: float, out: Actions) -> str | None:
        p = event.packet
        if p.priority == 0:
            # RFC 5798 6.4.2: the master is leaving: take over after Skew_Time.
            self._start(ev.MASTER_DOWN_TIMER, now + self.skew_time, out)
            self._change_state(BACKUP, "advert", "master sent priority 0", out)
            return None
        accept = not self._config.preempt or p.priority >= self.priority
        if not accept and self._in_preempt_delay(now, out):
            accept = True
        if not accept:
            # RFC 5798 6.4.2: discard; the down timer runs out and this backup preempts.
            return "lower_priority"
        if p.priority >= self.priority:
            self._cancel(ev.PREEMPT_DELAY_TIMER, out)
            self._preempt_delay_over = False
        if self._config.version == 3 and self._config.adopt_master_interval:
            # RFC 5798 6.4.2: Master_Adver_Interval = the advert's interval.
            self._master_adver_interval = p.advert_interval
        self._arm_down_timer(now, out)
        self._change_state(BACKUP, "advert", "advert accepted", out)
        return None

    def _in_preempt_delay(self, now: float, out: Actions) -> bool:
        # keepalived's preempt_delay: the first lower-priority advert starts the delay; until it
        # ends, lower-priority adverts are accepted as if from a better master.
        if self._config.preempt_delay <= 0 or self._preempt_delay_over:
            return False
        if ev.PREEMPT_DELAY_TIMER not in self._deadlines:
            self._start(ev.PREEMPT_DELAY_TIMER, now + self._config.preempt_delay, out)
        return True

    def _master_advert(self, event: ev.AdvertReceived, now: float, out: Actions) -> str | None:
        p, own = event.packet, self.priority
        if p.priority == own == 255 and event.source != self._config.primary_address:
            # Two address owners (RFC 5798 6.1: there is one). keepalived 2.2.7 reports the
            # configuration error and lowers its own priority to 254, so one of them gives way.
            self._owner_backed_off = True
            self._become_backup("advert", _TWO_OWNERS, now, out)
            return None
        if p.priority == 0:
            # RFC 5798 6.4.3: send an advert at once, reset Adver_Timer.
            self._send_advert(own, out)
            self._start(ev.ADVER_TIMER, now + self._config.advert_interval, out)
            self._change_state(MASTER, "advert", "answered a priority-0 advert", out)
        elif p.priority > own or (p.priority == own and _wins_tie(event, self._config)):
            # RFC 5798 6.4.3: a better master: go Backup (v3: learn its interval).
            why = "higher priority master" if p.priority > own else "equal priority, higher address"
            if self._config.higher_prio_send_advert:
                self._send_advert(own, out)
            if self._config.version == 3 and self._config.adopt_master_interval:
                self._master_adver_interval = p.advert_interval
            self._become_backup("advert", why, now, out)
        else:
            return self._lower_priority_advert(out)
        return None

    def _lower_priority_advert(self, out: Actions) -> str | None:
        # RFC 5798 6.4.3 says discard. keepalived answers ("forcing new election") and, after a
        # split network heals, announces the addresses again so clients follow the one master.
        c = self._config
        if not c.lower_prio_no_advert:
            self._send_advert(self.priority, out)
        if c.garp_lower_prio:
            out.append(act.SendGratuitous(c.addresses, lower_priority=True))
        if c.lower_prio_no_advert and not c.garp_lower_prio:
            return "lower_priority"
        self._change_state(MASTER, "advert", "answered a lower-priority advert", out)
        return None


_TWO_OWNERS = (
    "CONFIGURATION ERROR: local instance and a remote instance are both configured as address"
    " owner, please fix - reducing local priority"
)


def _wins_tie(event: ev.AdvertReceived, config: VrrpConfig) -> bool:
    # RFC 5798 6.4.3: equal priority, the higher primary address (unsigned, network order) wins.
    return int(event.source) > int(config.primary_address)
