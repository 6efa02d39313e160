"""Parsing /proc/net/ip_vs_conn (format of ip_vs_conn_seq_show: IPv4 as hex, IPv6 in full)."""

from __future__ import annotations

import ipaddress

from pyipvs.ipvs.conn import parse_connections

V6 = "2001:0db8:0000:0000:0000:0000:0000:00{}"
TEXT = (
    "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
    "UDP 0A000064 A3B2 0A000001 0035 0A000002 0035 UDP             297\n"
    f"TCP {V6.format(64)} C000 {V6.format('01')} 0050 "
    "2001:0db8:0001:0000:0000:0000:0000:0001 1F90 ESTABLISHED     899\n"
    "UDP 0A000064 13C4 0A000006 13C4 0A000007 13C4 UDP              55 sip 3a2b1c\n"
)


def test_ipv4_ipv6_and_pe_rows() -> None:
    udp, tcp6, sip = parse_connections(TEXT)
    assert (udp.protocol, udp.client_address, udp.client_port) == (
        "udp",
        ipaddress.IPv4Address("10.0.0.100"),
        0xA3B2,
    )
    assert (udp.virtual_address, udp.virtual_port, udp.expires) == (
        ipaddress.IPv4Address("10.0.0.1"),
        53,
        297,
    )
    assert udp.pe_name is None and udp.pe_data is None
    assert tcp6.destination_address == ipaddress.IPv6Address("2001:db8:1::1")
    assert (tcp6.destination_port, tcp6.state) == (8080, "ESTABLISHED")
    assert (sip.pe_name, sip.pe_data) == ("sip", "3a2b1c")


def test_header_only_is_empty() -> None:
    assert parse_connections(TEXT.splitlines()[0] + "\n") == []
