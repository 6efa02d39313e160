"""Known-answer vectors written by others, each with its provenance.

The field values and checksums below are facts read from other projects' test suites (no code
copied). /work/shared/reference/vrrp.md section 6 also cites MikroTik and SnapRoute v3 checksums
(0xb3c6 / 0x9eb4, 0x31e2 / 0xbe85) but not the frames' bytes, so they cannot be replayed here.
"""

from __future__ import annotations

import ipaddress

import pytest
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.vrrp import VRRP, VRRPv3
from scapy.packet import raw
from scapy.utils import checksum as scapy_checksum

from pyipvs.vrrp import VrrpPacket, VrrpPacketError, VrrpParser

# google/gopacket layers/vrrp_test.go, `vrrpPacketPriority100` (BSD-3-Clause): a real frame
# printed by tcpdump as "IP 192.168.0.30 > 224.0.0.18: VRRPv2, Advertisement, vrid 1, prio 100,
# authtype none, intvl 1s, length 20". 60 bytes on the wire: 6 of them are Ethernet padding.
GOPACKET_FRAME = bytes.fromhex(
    "01005e000012 00005e000101 0800"
    "45c000280000 0000ff7019cd c0a8001e e0000012"
    "21016401 0001ba52 c0a80001 00000000 00000000"
    "000000000000"
)

# FlexSNR/l3 (SnapRoute) vrrp/test/packet/encode_test.go (Apache-2.0), TestVRRPDEncode: the
# VRRPv2 message its encoder must produce for vrid 1, priority 100, 192.168.0.1, 1 s.
SNAPROUTE_V2_MESSAGE = bytes.fromhex("21016401 0001ba52 c0a80001 00000000 00000000")


def test_gopacket_capture_with_ethernet_padding() -> None:
    ip_packet = GOPACKET_FRAME[14:]
    assert len(ip_packet) == 46  # 40 bytes of IP + 6 of padding: parsing trusts tot_len
    got = VrrpParser().receive_ip(ip_packet)
    assert got.packet == VrrpPacket(2, 1, 100, [ipaddress.IPv4Address("192.168.0.1")], 1.0)
    assert got.packet.checksum == 0xBA52
    assert str(got.source) == "192.168.0.30"
    assert str(got.destination) == "224.0.0.18"


def test_gopacket_capture_rebuilds_byte_for_byte() -> None:
    ip_packet = GOPACKET_FRAME[14:54]
    assert VrrpPacket.from_ip(ip_packet).to_ip(src="192.168.0.30") == ip_packet


def test_snaproute_v2_message() -> None:
    p = VrrpPacket(2, 1, 100, ["192.168.0.1"], 1)
    assert p.to_bytes() == SNAPROUTE_V2_MESSAGE
    parsed = VrrpPacket.from_payload(
        SNAPROUTE_V2_MESSAGE, src="192.168.0.2", dst="224.0.0.18", hop_limit=255
    )
    assert parsed == p


# secdev/scapy test/scapy/layers/vrrp.uts @ a7fbb7cc ("VRRP - chksums", "VRRP IPv6 - chksums",
# "VRRP - dissection"): packets described by their fields and the checksum scapy's suite
# expects. scapy puts the IPv4 pseudo-header into VRRPv3 checksums.
SCAPY_V3_IPV4 = {"src": "20.0.0.3", "vrid": 2, "priority": 254, "adv": 1,
                 "addresses": ["20.0.1.2", "20.0.1.3"], "checksum": 0xB25E}  # fmt: skip
SCAPY_V3_IPV6 = {"src": "2001:db8::1", "vrid": 2, "priority": 254, "adv": 1,
                 "addresses": ["2001:db8::2", "2001:db8::3"], "checksum": 0x481B}  # fmt: skip


@pytest.mark.parametrize("vector", [SCAPY_V3_IPV4, SCAPY_V3_IPV6], ids=["ipv4", "ipv6"])
def test_scapy_suite_v3_checksums(vector: dict[str, object]) -> None:
    p = VrrpPacket(3, vector["vrid"], vector["priority"], vector["addresses"], 0.01)  # type: ignore[arg-type]
    wire = p.to_ip(src=vector["src"])  # type: ignore[arg-type]
    parsed = VrrpPacket.from_ip(wire)
    assert parsed == p
    assert parsed.checksum == vector["checksum"]


def test_scapy_suite_v3_ipv4_in_both_checksum_conventions() -> None:
    p = VrrpPacket(3, 2, 254, ["20.0.1.2", "20.0.1.3"], 0.01)
    with_pseudo = p.to_ip(src="20.0.0.3")
    rfc9568 = p.to_ip(src="20.0.0.3", v3_ipv4_pseudo_header=False)
    assert with_pseudo[26:28] == b"\xb2\x5e"
    message = bytearray(rfc9568[20:])
    message[6:8] = b"\0\0"
    # Without the pseudo-header the checksum is the plain Internet checksum of the message.
    assert int.from_bytes(rfc9568[26:28], "big") == scapy_checksum(bytes(message))
    assert VrrpPacket.from_ip(rfc9568, v3_ipv4_pseudo_header=False) == p
    for wire, mode in ((with_pseudo, False), (rfc9568, True)):
        with pytest.raises(VrrpPacketError) as info:
            VrrpPacket.from_ip(wire, v3_ipv4_pseudo_header=mode)
        assert info.value.reason == "checksum"


def test_scapy_suite_default_v2_packet() -> None:
    # IP()/VRRP(): 127.0.0.1 to itself, TTL 64, vrid 1, priority 100, no addresses, 0x7afd.
    wire = raw(IP() / VRRP())
    with pytest.raises(VrrpPacketError) as info:
        VrrpPacket.from_ip(wire)
    assert info.value.reason == "ttl"
    parsed = VrrpPacket.from_payload(wire[20:], src="127.0.0.1", dst="127.0.0.1", hop_limit=255)
    assert (parsed.vrid, parsed.priority, parsed.addresses, parsed.checksum) == (1, 100, (), 0x7AFD)
    assert VrrpPacket.from_ip(wire, check_ttl=False) == parsed


def test_scapy_suite_default_v3_ipv6_packet() -> None:
    # IPv6()/VRRPv3(): ::1 to itself, hop limit 64, 0x6a1f. Its count says 1 address but it
    # carries none, so ours drops it even with the hop limit check off (RFC 5798 7.1 item 3).
    wire = raw(IPv6() / VRRPv3())
    assert IPv6(wire)[VRRPv3].chksum == 0x6A1F
    with pytest.raises(VrrpPacketError) as info:
        VrrpPacket.from_ip(wire, check_ttl=False)
    assert info.value.reason == "length"
