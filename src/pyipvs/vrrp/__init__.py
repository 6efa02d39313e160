# SPDX-License-Identifier: Apache-2.0
"""VRRP advertisements (RFC 3768 VRRPv2, RFC 5798 / RFC 9568 VRRPv3) with a C fast path.

:class:`VrrpPacket` is one advertisement as a value; :class:`VrrpParser` holds a receiver's
configuration and validates packets (one at a time or in batches) against it, raising
:class:`~pyipvs.errors.VrrpPacketError` with a ``reason`` for every packet a receiver must
drop. :func:`gratuitous_arp` and :func:`unsolicited_na` build the frames a new master sends.
"""

from __future__ import annotations

from pyipvs.errors import VrrpPacketError
from pyipvs.vrrp.codec import (
    DROP_REASONS,
    REASON_NAMES,
    VrrpBatchResult,
    VrrpParser,
)
from pyipvs.vrrp.garp import gratuitous_arp, unsolicited_na, vrrp_mac
from pyipvs.vrrp.packet import VRRP_IPV4_GROUP, VRRP_IPV6_GROUP, VrrpPacket, VrrpReceived

__all__ = [
    "DROP_REASONS",
    "REASON_NAMES",
    "VRRP_IPV4_GROUP",
    "VRRP_IPV6_GROUP",
    "VrrpBatchResult",
    "VrrpPacket",
    "VrrpPacketError",
    "VrrpParser",
    "VrrpReceived",
    "gratuitous_arp",
    "unsolicited_na",
    "vrrp_mac",
]
