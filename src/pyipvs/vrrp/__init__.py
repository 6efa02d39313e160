# SPDX-License-Identifier: Apache-2.0
"""VRRP advertisements (RFC 3768 VRRPv2, RFC 5798 / RFC 9568 VRRPv3) with a C fast path.

:class:`VrrpPacket` is one advertisement as a value; :class:`VrrpParser` holds a receiver's
configuration and validates packets (one at a time or in batches) against it, raising
:class:`~pyipvs.errors.VrrpPacketError` with a ``reason`` for every packet a receiver must
drop. :func:`gratuitous_arp` and :func:`unsolicited_na` build the frames a new master sends.
:class:`VrrpInstance` is the sans-IO state machine (events in, actions out) and
:class:`VrrpSyncGroup` moves several instances together.
"""

from __future__ import annotations

from pyipvs.errors import VrrpPacketError
from pyipvs.vrrp.actions import (
    Action,
    AddRoutes,
    AddVips,
    CancelTimer,
    PacketRejected,
    RemoveRoutes,
    RemoveVips,
    SendAdvert,
    SendGratuitous,
    StartTimer,
    StateChanged,
)
from pyipvs.vrrp.codec import (
    DROP_REASONS,
    REASON_NAMES,
    VrrpBatchResult,
    VrrpParser,
)
from pyipvs.vrrp.events import (
    ADVER_TIMER,
    MASTER_DOWN_TIMER,
    PREEMPT_DELAY_TIMER,
    AdvertReceived,
    Event,
    InterfaceDown,
    InterfaceUp,
    Shutdown,
    Startup,
    SyncGroupMove,
    TimerExpired,
    TrackChanged,
)
from pyipvs.vrrp.garp import gratuitous_arp, unsolicited_na, vrrp_mac
from pyipvs.vrrp.instance import VrrpInstance
from pyipvs.vrrp.machine import REJECT_REASONS, STATES, TRANSITIONS, VrrpConfig, VrrpCounters
from pyipvs.vrrp.packet import VRRP_IPV4_GROUP, VRRP_IPV6_GROUP, VrrpPacket, VrrpReceived
from pyipvs.vrrp.routes import RouteSpec, RuleSpec
from pyipvs.vrrp.sync import VrrpSyncGroup

__all__ = [
    "ADVER_TIMER",
    "DROP_REASONS",
    "MASTER_DOWN_TIMER",
    "PREEMPT_DELAY_TIMER",
    "REASON_NAMES",
    "REJECT_REASONS",
    "STATES",
    "TRANSITIONS",
    "VRRP_IPV4_GROUP",
    "VRRP_IPV6_GROUP",
    "Action",
    "AddRoutes",
    "AddVips",
    "AdvertReceived",
    "CancelTimer",
    "Event",
    "InterfaceDown",
    "InterfaceUp",
    "PacketRejected",
    "RemoveRoutes",
    "RemoveVips",
    "RouteSpec",
    "RuleSpec",
    "SendAdvert",
    "SendGratuitous",
    "Shutdown",
    "StartTimer",
    "Startup",
    "StateChanged",
    "SyncGroupMove",
    "TimerExpired",
    "TrackChanged",
    "VrrpBatchResult",
    "VrrpConfig",
    "VrrpCounters",
    "VrrpInstance",
    "VrrpPacket",
    "VrrpPacketError",
    "VrrpParser",
    "VrrpReceived",
    "VrrpSyncGroup",
    "gratuitous_arp",
    "unsolicited_na",
    "vrrp_mac",
]
