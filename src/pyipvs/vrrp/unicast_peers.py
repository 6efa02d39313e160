# SPDX-License-Identifier: Apache-2.0
"""Which unicast adverts to take: keepalived's ``check_unicast_src`` and a peer's ``min_ttl`` /
``max_ttl`` (keepalived 2.2.7 ``vrrp_check_packet``).

A unicast instance takes adverts from anywhere on its interface, as keepalived does, unless the
check is on (``check_unicast_src``, the global ``vrrp_check_unicast_src``, or a TTL range given
on any peer): then an advert must come from one of the ``unicast_peer`` addresses, with a TTL /
hop limit in that peer's range (by default 0 to 255).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PeerCheck:
    """:param peers: each peer's (min_ttl, max_ttl).

    :param check: whether to check at all."""

    def __init__(self, peers: Mapping[IPAddress, tuple[int, int]], check: bool) -> None:
        self._peers = dict(peers)
        self.check = check and bool(self._peers)

    def reject(self, source: IPAddress, ttl: int) -> tuple[str, str] | None:
        """``None`` to take an advert from *source* that arrived with *ttl* (-1: unknown), or
        (drop reason, keepalived's log text) to drop it."""
        if not self.check:
            return None
        span = self._peers.get(source)
        if span is None:
            return "unicast_src", f"unicast source address {source} not a unicast peer"
        low, high = span
        if ttl != -1 and not low <= ttl <= high:
            return "unicast_ttl", f"TTL/HL {ttl} not in range {low} - {high}"
        return None
