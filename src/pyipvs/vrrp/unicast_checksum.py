# SPDX-License-Identifier: Apache-2.0
"""keepalived's two VRRPv3-over-IPv4 unicast checksums (``old_unicast_checksum``).

RFC 5798 section 5.2.8 puts the IP destination in the checksum's pseudo-header. keepalived up to
1.3.6 put the multicast group 224.0.0.18 there even when it sent to a unicast peer (keepalived
issue #642); later versions use the real destination and keep the old form for old peers:

* ``"auto"`` (keepalived's default): the new form; an advert whose checksum fails but passes in
  the old form switches the instance to the old form, to send as well ("Setting unicast VRRPv3
  checksum to old version").
* ``"always"`` (``old_unicast_checksum``): the old form only, both ways.
* ``"never"`` (``old_unicast_checksum never``): the new form only.

Multicast adverts go to 224.0.0.18, so both forms are one; VRRPv2 and IPv6 have neither
(keepalived 2.2.7 ``vrrp.c``: only ``AF_INET`` VRRPv3 unicast), and without a pseudo-header
(``v3_checksum_as_v2``) there is nothing to choose.
"""

from __future__ import annotations

import ipaddress

from pyipvs.errors import VrrpPacketError
from pyipvs.vrrp.codec import VrrpParser
from pyipvs.vrrp.packet import VRRP_IPV4_GROUP, VrrpPacket, VrrpReceived

MODES = ("auto", "always", "never")


class UnicastChecksum:
    """One instance's checksum form: parses what it receives, encodes what it sends.

    :param applies: whether the instance is VRRPv3 over IPv4 to unicast peers with the
        pseudo-header; otherwise every packet is parsed and built as usual.
    """

    def __init__(self, parser: VrrpParser, mode: str = "auto", *, applies: bool = True) -> None:
        if mode not in MODES:
            raise ValueError(f"old_unicast_checksum: {mode!r} is not one of {MODES}")
        self._parser = parser
        self.mode = mode if applies else "never"
        #: whether the old form (224.0.0.18 in the pseudo-header) is in use
        self.old = self.mode == "always"

    def receive(self, data: bytes) -> tuple[VrrpReceived, bool]:
        """The advert in *data* (a whole IPv4 packet) and whether it just switched the form
        to the old one.

        :raises VrrpPacketError: it must be dropped (the new form's reason when neither fits).
        """
        if self.old:
            return self._as_old(data), False
        try:
            return self._parser.receive_ip(data), False
        except VrrpPacketError as exc:
            if exc.reason != "checksum" or self.mode != "auto":
                raise
            try:
                received = self._as_old(data)
            except VrrpPacketError:
                raise exc from None
        self.old = True
        return received, True

    def encode(
        self,
        packet: VrrpPacket,
        src: ipaddress.IPv4Address | ipaddress.IPv6Address,
        dst: ipaddress.IPv4Address | ipaddress.IPv6Address,
        pseudo_header: bool,
    ) -> bytes:
        """The whole IPv4 packet to *dst*, its checksum in the form in use."""
        if not self.old:
            return packet.to_ip(src=src, dst=dst, v3_ipv4_pseudo_header=pseudo_header)
        data = packet.to_ip(src=src, dst=VRRP_IPV4_GROUP, v3_ipv4_pseudo_header=pseudo_header)
        # The real destination in the IP header; the kernel fills in the header checksum of an
        # IP_HDRINCL packet (raw(7)), so only the VRRP checksum keeps the group.
        return data[:16] + dst.packed + data[20:]

    def _as_old(self, data: bytes) -> VrrpReceived:
        header = (data[0] & 0x0F) * 4 if data else 0
        if len(data) < 20 or header < 20:
            return self._parser.receive_ip(data)  # too short: the parser says why
        return self._parser.receive_payload(
            data[header:],
            src=ipaddress.IPv4Address(data[12:16]),
            dst=VRRP_IPV4_GROUP,
            hop_limit=data[8],
        )
