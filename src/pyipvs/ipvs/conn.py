# SPDX-License-Identifier: Apache-2.0
"""Parsing ``/proc/net/ip_vs_conn`` (net/netfilter/ipvs/ip_vs_conn.c, ip_vs_conn_seq_show).

Rows are ``Pro FromIP FPrt ToIP TPrt DestIP DPrt State Expires [PEName PEData]``: IPv4
addresses as 8 hex digits, IPv6 ones in full colon form, ports as 4 hex digits, expiry in
seconds.
"""

from __future__ import annotations

import ipaddress

from pyipvs.ipvs.model import Connection, IPAddress


def _address(text: str) -> IPAddress:
    if ":" in text:
        return ipaddress.IPv6Address(text)
    return ipaddress.IPv4Address(int(text, 16))


def parse_connections(text: str) -> list[Connection]:
    connections = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 9:
            continue
        connections.append(
            Connection(
                protocol=fields[0].lower(),
                client_address=_address(fields[1]),
                client_port=int(fields[2], 16),
                virtual_address=_address(fields[3]),
                virtual_port=int(fields[4], 16),
                destination_address=_address(fields[5]),
                destination_port=int(fields[6], 16),
                state=fields[7],
                expires=int(fields[8]),
                pe_name=fields[9] if len(fields) > 9 else None,
                pe_data=fields[10] if len(fields) > 10 else None,
            )
        )
    return connections
