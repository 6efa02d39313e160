"""scapy as the oracle, both ways: its packets parse to the same fields in ours, ours dissect to
the same fields and checksum in scapy (scapy.layers.vrrp: VRRP, VRRPv3 over IP and IPv6).

scapy computes VRRPv3-over-IPv4 checksums with the IPv4 pseudo-header (keepalived's default)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.vrrp import VRRP, VRRPv3
from scapy.packet import raw

from pyipvs.vrrp import VrrpPacket

ipv4 = st.builds(ipaddress.IPv4Address, st.integers(0, 2**32 - 1))
ipv6 = st.builds(ipaddress.IPv6Address, st.integers(0, 2**128 - 1))


@st.composite
def v2_fields(draw: st.DrawFn) -> dict[str, object]:
    auth_type = draw(st.sampled_from([0, 1]))
    return {
        "vrid": draw(st.integers(1, 255)),
        "priority": draw(st.integers(0, 255)),
        "addresses": draw(st.lists(ipv4, min_size=0, max_size=20)),
        "adv": draw(st.integers(0, 255)),
        "auth_type": auth_type,
        "auth_data": draw(st.binary(min_size=8, max_size=8)) if auth_type else bytes(8),
        "src": draw(ipv4),
    }


@st.composite
def v3_fields(draw: st.DrawFn, family: int) -> dict[str, object]:
    return {
        "vrid": draw(st.integers(1, 255)),
        "priority": draw(st.integers(0, 255)),
        "addresses": draw(st.lists(ipv4 if family == 4 else ipv6, min_size=1, max_size=20)),
        "adv": draw(st.integers(0, 4095)),
        "src": draw(ipv4 if family == 4 else ipv6),
    }


def _scapy_v2(f: dict[str, object]) -> bytes:
    auth = f["auth_data"]
    assert isinstance(auth, bytes)
    return raw(
        IP(src=f["src"].exploded, dst="224.0.0.18", ttl=255)
        / VRRP(
            vrid=f["vrid"],
            priority=f["priority"],
            addrlist=[a.exploded for a in f["addresses"]],  # type: ignore[attr-defined]
            adv=f["adv"],
            authtype=f["auth_type"],
            auth1=int.from_bytes(auth[:4], "big"),
            auth2=int.from_bytes(auth[4:], "big"),
        )
    )


def _scapy_v3(f: dict[str, object], family: int) -> bytes:
    if family == 6:
        ip = IPv6(src=f["src"].exploded, dst="ff02::12", hlim=255)
    else:
        ip = IP(src=f["src"].exploded, dst="224.0.0.18", ttl=255)
    return raw(
        ip
        / VRRPv3(
            vrid=f["vrid"],
            priority=f["priority"],
            addrlist=[a.exploded for a in f["addresses"]],  # type: ignore[attr-defined]
            adv=f["adv"],
        )
    )


@settings(max_examples=200, deadline=None)
@given(v2_fields())
def test_scapy_v2_packets_parse_to_the_same_fields(f: dict[str, object]) -> None:
    wire = _scapy_v2(f)
    p = VrrpPacket.from_ip(wire)
    scapy = IP(wire)[VRRP]
    assert (p.version, p.vrid, p.priority) == (2, f["vrid"], f["priority"])
    assert list(p.addresses) == f["addresses"]
    assert p.advert_interval == f["adv"]
    assert (p.auth_type, p.auth_data) == (f["auth_type"], f["auth_data"])
    assert p.checksum == scapy.chksum


@pytest.mark.parametrize("family", [4, 6])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_scapy_v3_packets_parse_to_the_same_fields(family: int, data: st.DataObject) -> None:
    f = data.draw(v3_fields(family))
    wire = _scapy_v3(f, family)
    p = VrrpPacket.from_ip(wire)
    layer = (IP(wire) if family == 4 else IPv6(wire))[VRRPv3]
    assert (p.version, p.vrid, p.priority) == (3, f["vrid"], f["priority"])
    assert list(p.addresses) == f["addresses"]
    assert round(p.advert_interval * 100) == f["adv"]
    assert p.checksum == layer.chksum


@settings(max_examples=200, deadline=None)
@given(v2_fields())
def test_our_v2_packets_dissect_to_the_same_fields_in_scapy(f: dict[str, object]) -> None:
    ours = VrrpPacket(
        2, f["vrid"], f["priority"], f["addresses"], f["adv"], f["auth_type"], f["auth_data"]
    )  # type: ignore[arg-type]
    wire = ours.to_ip(src=f["src"])  # type: ignore[arg-type]
    dissected = IP(wire)
    layer = dissected[VRRP]
    assert (layer.version, layer.type, layer.vrid, layer.priority) == (
        2,
        1,
        f["vrid"],
        f["priority"],
    )
    assert [ipaddress.ip_address(a) for a in layer.addrlist] == f["addresses"]
    assert (layer.adv, layer.authtype) == (f["adv"], f["auth_type"])
    assert layer.auth1.to_bytes(4, "big") + layer.auth2.to_bytes(4, "big") == f["auth_data"]
    assert dissected.ttl == 255
    # scapy recomputes the checksum of the dissected fields: both must agree with ours.
    assert layer.chksum == _scapy_checksum(dissected, VRRP)


@pytest.mark.parametrize("family", [4, 6])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_our_v3_packets_dissect_to_the_same_fields_in_scapy(
    family: int, data: st.DataObject
) -> None:
    f = data.draw(v3_fields(family))
    ours = VrrpPacket(3, f["vrid"], f["priority"], f["addresses"], f["adv"] / 100)  # type: ignore[arg-type,operator]
    wire = ours.to_ip(src=f["src"])  # type: ignore[arg-type]
    dissected = IP(wire) if family == 4 else IPv6(wire)
    layer = dissected[VRRPv3]
    assert (layer.version, layer.type, layer.vrid, layer.priority) == (
        3,
        1,
        f["vrid"],
        f["priority"],
    )
    assert [ipaddress.ip_address(a) for a in layer.addrlist] == f["addresses"]
    assert layer.adv == f["adv"]
    assert layer.chksum == _scapy_checksum(dissected, VRRPv3)


def _scapy_checksum(dissected: IP | IPv6, layer: type[VRRP] | type[VRRPv3]) -> int:
    # Let scapy compute the checksum from scratch over the same fields.
    copy = dissected.copy()
    del copy[layer].chksum
    return int((IP if isinstance(dissected, IP) else IPv6)(raw(copy))[layer].chksum)


def test_v3_ipv4_message_matches_scapy_byte_for_byte() -> None:
    # The IP headers differ on purpose (ours: TOS 0xc0, id 0, as keepalived); the VRRP
    # message must be identical.
    f = {"vrid": 7, "priority": 150, "addresses": [ipaddress.IPv4Address("10.1.2.3")],
         "adv": 100, "src": ipaddress.IPv4Address("192.0.2.1")}  # fmt: skip
    ours = VrrpPacket(3, 7, 150, f["addresses"], 1.0).to_ip(src="192.0.2.1")  # type: ignore[arg-type]
    assert ours[20:] == _scapy_v3(f, 4)[20:]
