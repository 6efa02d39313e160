"""RFC 1071 checksums against scapy's independent implementation (scapy.utils.checksum and
scapy.layers.inet6.in6_chksum), plus properties that hold for any correct one's-complement sum."""

from __future__ import annotations

import ipaddress
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scapy.layers.inet import IP, UDP
from scapy.layers.inet6 import IPv6, in6_chksum
from scapy.utils import checksum as scapy_checksum

from pyipvs import PyipvsValueError
from pyipvs.checksum import inet_checksum, ipv4_pseudo_checksum, ipv6_pseudo_checksum

ipv4 = st.builds(ipaddress.IPv4Address, st.integers(0, 2**32 - 1))
ipv6 = st.builds(ipaddress.IPv6Address, st.integers(0, 2**128 - 1))


def test_rfc1071_worked_example() -> None:
    # The IPv4 header from the checksum article most people check against: 0xb861.
    header = bytes.fromhex("450000730000400040110000c0a80001c0a800c7")
    assert inet_checksum(header) == 0xB861


@given(st.binary(max_size=2048))
def test_inet_checksum_matches_scapy(data: bytes) -> None:
    assert inet_checksum(data) == scapy_checksum(data)


@given(st.binary(max_size=512))
def test_message_with_its_checksum_sums_to_zero(data: bytes) -> None:
    if len(data) % 2:
        data += b"\0"
    with_field = data + struct.pack("!H", inet_checksum(data))
    assert inet_checksum(with_field) in (0, 0xFFFF)


@given(ipv4, ipv4, st.integers(0, 255), st.binary(max_size=1024))
def test_ipv4_pseudo_header_matches_scapy(
    src: ipaddress.IPv4Address, dst: ipaddress.IPv4Address, proto: int, data: bytes
) -> None:
    # scapy has no IPv4 pseudo-header helper; build the pseudo-header RFC 768 describes and let
    # scapy's checksum sum it.
    pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, proto, len(data))
    assert ipv4_pseudo_checksum(src, dst, proto, data) == scapy_checksum(pseudo + data)


def test_ipv4_pseudo_header_matches_a_scapy_udp_packet() -> None:
    packet = IP(bytes(IP(src="10.0.0.3", dst="224.0.0.18") / UDP(sport=1, dport=2) / b"hello"))
    udp = bytes(packet[UDP])
    zeroed = udp[:6] + b"\0\0" + udp[8:]
    assert ipv4_pseudo_checksum("10.0.0.3", "224.0.0.18", 17, zeroed) == packet[UDP].chksum


@given(ipv6, ipv6, st.integers(0, 255), st.binary(max_size=1024))
def test_ipv6_pseudo_header_matches_scapy(
    src: ipaddress.IPv6Address, dst: ipaddress.IPv6Address, nh: int, data: bytes
) -> None:
    expected = in6_chksum(nh, IPv6(src=str(src), dst=str(dst)), data)
    ours = ipv6_pseudo_checksum(src, dst, nh, data)
    # scapy maps a computed 0 to 0xffff (the UDP rule); the one's-complement value is the same.
    assert ours == expected or (ours, expected) == (0, 0xFFFF)


def test_address_arguments_are_checked() -> None:
    with pytest.raises(PyipvsValueError, match="src"):
        ipv4_pseudo_checksum("2001:db8::1", "10.0.0.1", 112, b"")
    with pytest.raises(PyipvsValueError, match="dst"):
        ipv6_pseudo_checksum("fe80::1", "not-an-address", 112, b"")
    with pytest.raises(PyipvsValueError, match="protocol"):
        ipv4_pseudo_checksum("10.0.0.1", "10.0.0.2", 300, b"")


def test_bytes_addresses_are_accepted() -> None:
    assert ipv4_pseudo_checksum(bytes(4), bytes(4), 0, b"") == 0xFFFF
