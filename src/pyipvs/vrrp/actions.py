# SPDX-License-Identifier: Apache-2.0
"""What a virtual router asks its driver to do: the outputs of :meth:`VrrpInstance.handle`.

Actions come out in the order they must be carried out. When an instance becomes master that
order is keepalived's (``vrrp_state_goto_master``): the advertisement first, so the old master
can let go, then the addresses, then the gratuitous ARPs / unsolicited NAs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from pyipvs.vrrp.routes import Spec

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class SendAdvert:
    """Send one advertisement with this priority and interval (seconds).

    :ivar priority: 0 when the master is leaving (RFC 5798 section 6.4.3 Shutdown).
    :ivar interval: the interval to carry (the instance's own Advertisement_Interval).
    """

    priority: int
    interval: float


@dataclass(frozen=True)
class AddVips:
    """Install the virtual addresses on the interface."""

    addresses: tuple[IPAddress, ...]


@dataclass(frozen=True)
class RemoveVips:
    """Remove the virtual addresses from the interface."""

    addresses: tuple[IPAddress, ...]


@dataclass(frozen=True)
class AddRoutes:
    """Install the instance's ``virtual_routes`` / ``virtual_rules`` (after its addresses:
    a route's ``src`` may be one of them; keepalived's order)."""

    routes: tuple[Spec, ...]


@dataclass(frozen=True)
class RemoveRoutes:
    """Remove the instance's routes and rules (before its addresses)."""

    routes: tuple[Spec, ...]


@dataclass(frozen=True)
class SendGratuitous:
    """Announce the addresses: gratuitous ARP (IPv4) or unsolicited NA (IPv6), RFC 5798
    section 6.4.1. Delays and repeats (``garp_master_delay`` / ``_repeat``) are the driver's.

    :ivar lower_priority: a master answering a lower-priority advert (a healed split), not a
        new master: keepalived's ``garp_lower_prio_repeat`` / ``_delay`` apply."""

    addresses: tuple[IPAddress, ...]
    lower_priority: bool = False


@dataclass(frozen=True)
class StartTimer:
    """(Re)arm a timer: it must come back as :class:`~pyipvs.vrrp.TimerExpired` at
    *deadline* (the same clock as ``now``). Re-arming replaces the previous deadline."""

    timer: str
    deadline: float


@dataclass(frozen=True)
class CancelTimer:
    """Disarm a timer; an expiry already queued is ignored by the instance anyway."""

    timer: str


@dataclass(frozen=True)
class StateChanged:
    """The instance moved from *old* to *new* (``INIT``, ``BACKUP``, ``MASTER``, ``FAULT``)."""

    old: str
    new: str
    reason: str


@dataclass(frozen=True)
class PacketRejected:
    """An advertisement was dropped by the state machine (the codec drops malformed ones
    before); *reason* is one of :data:`~pyipvs.vrrp.REJECT_REASONS`."""

    reason: str
    source: IPAddress


Action = (
    SendAdvert
    | AddVips
    | RemoveVips
    | AddRoutes
    | RemoveRoutes
    | SendGratuitous
    | StartTimer
    | CancelTimer
    | StateChanged
    | PacketRejected
)
