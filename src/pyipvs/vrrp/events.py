# SPDX-License-Identifier: Apache-2.0
"""What happens to a virtual router: the inputs of :meth:`VrrpInstance.handle`.

Every event is a frozen value with no behaviour. The driver builds them from sockets, timers,
link notifications and tracker results; tests build them by hand or from JSON lines
(:mod:`pyipvs.vrrp.records`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from pyipvs.vrrp.packet import VrrpPacket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Timer names, as carried by :class:`~pyipvs.vrrp.StartTimer`, :class:`~pyipvs.vrrp.CancelTimer`
#: and :class:`TimerExpired`.
ADVER_TIMER = "adver"
MASTER_DOWN_TIMER = "master_down"
PREEMPT_DELAY_TIMER = "preempt_delay"
TIMERS = (ADVER_TIMER, MASTER_DOWN_TIMER, PREEMPT_DELAY_TIMER)


@dataclass(frozen=True)
class Startup:
    """The instance is configured and may start (RFC 5798 section 6.4.1).

    :ivar resume_master: a respawned process whose predecessor was master a moment ago (its
        addresses still installed, within Master_Down_Interval): start as master at once, with
        an advert, instead of going through BACKUP (a documented difference from keepalived,
        which flaps: its backup takes over, then the respawned higher priority preempts).
    :ivar delay: keepalived's ``vrrp_startup_delay``: for this long after startup the
        instance hears adverts but its Master_Down_Timer, however often re-armed, expires no
        sooner than *delay* + Master_Down_Interval after startup (keepalived 2.2.7
        ``vrrp_init_instance_sands``): links that pass no traffic for a while after boot do
        not make a backup master. The address owner and *resume_master* start at once.
    """

    resume_master: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class Shutdown:
    """The instance stops (SIGTERM, removal from the configuration)."""


@dataclass(frozen=True)
class AdvertReceived:
    """An advertisement the codec accepted, with the sender's primary address.

    :ivar packet: the parsed advertisement (:class:`~pyipvs.vrrp.VrrpPacket`).
    :ivar source: the IP source address, compared in the tie break (RFC 5798 section 6.4.3).
    """

    packet: VrrpPacket
    source: IPAddress


@dataclass(frozen=True)
class TimerExpired:
    """A timer the instance started has fired.

    :ivar timer: one of :data:`TIMERS`.
    :ivar late: how many seconds after its deadline the driver woke up (0 when on time). The
        instance counts late wake-ups; see the late-timer contract in the guide.
    """

    timer: str
    late: float = 0.0


@dataclass(frozen=True)
class InterfaceUp:
    """The interface the instance runs on came up (carrier and admin state)."""


@dataclass(frozen=True)
class InterfaceDown:
    """The interface the instance runs on went down: the instance goes to FAULT."""


@dataclass(frozen=True)
class TrackChanged:
    """A tracked script, file or interface changed state.

    :ivar name: the tracked object's name, as configured in ``VrrpConfig.tracked``.
    :ivar up: its new state (script succeeded, interface up; for a file, its value is 0).
    :ivar value: a tracked file's number (keepalived's ``track_file``): the priority moves by
        ``value x weight``; with weight 0 a non-zero value means FAULT, and so does
        ``value x weight <= -254`` (keepalived ``vrrp_track.c``). None for scripts and links.
    """

    name: str
    up: bool
    value: int | None = None


@dataclass(frozen=True)
class SyncGroupMove:
    """A sync group moves this member along with the others (see :class:`VrrpSyncGroup`).

    :ivar state: ``"MASTER"``, ``"BACKUP"`` or ``"FAULT"``.
    :ivar reason: why, for the :class:`~pyipvs.vrrp.StateChanged` action.
    """

    state: str
    reason: str


Event = (
    Startup
    | Shutdown
    | AdvertReceived
    | TimerExpired
    | InterfaceUp
    | InterfaceDown
    | TrackChanged
    | SyncGroupMove
)
