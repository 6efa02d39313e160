# SPDX-License-Identifier: Apache-2.0
"""``ipvsadm -c``: the handle's connection table (:meth:`pyipvs.Ipvs.connections`, which
reads ``/proc/net/ip_vs_conn`` of the handle's namespace), as ipvsadm prints it."""

# printf-style on purpose: the formats are ipvsadm's C formats, kept recognisable.
# ruff: noqa: UP031

from __future__ import annotations

from collections.abc import Sequence

from pyipvs.cli.ipvsadm.names import address_port
from pyipvs.ipvs.model import Connection


def rows(connections: Sequence[Connection]) -> list[dict[str, str | int]]:
    """The connections as plain dicts (for JSON): the protocol as the proc file spells it
    (upper case), addresses spelled normally."""
    return [
        {
            "protocol": c.protocol.upper(),
            "client": str(c.client_address),
            "client_port": c.client_port,
            "virtual": str(c.virtual_address),
            "virtual_port": c.virtual_port,
            "destination": str(c.destination_address),
            "destination_port": c.destination_port,
            "state": c.state,
            "expires": c.expires,
            "pe_name": c.pe_name or "",
            "pe_data": c.pe_data or "",
        }
        for c in connections
    ]


def format_connections(
    connections: Sequence[Connection], numeric: bool, persistent_conn: bool
) -> str:
    out = ["IPVS connection entries\n"]
    if persistent_conn:
        out.append(
            "pro expire %-11s %-18s %-18s %-18s %-16s %s\n"
            % ("state", "source", "virtual", "destination", "pe name", "pe_data")
        )
    else:
        out.append(
            "pro expire %-11s %-18s %-18s %s\n" % ("state", "source", "virtual", "destination")
        )
    for c in connections:
        expire = "%02d:%02d" % (c.expires // 60, c.expires % 60)
        names = [
            address_port(c.client_address, c.client_port, c.protocol, numeric),
            address_port(c.virtual_address, c.virtual_port, c.protocol, numeric),
            address_port(c.destination_address, c.destination_port, c.protocol, numeric),
        ]
        protocol = c.protocol.upper()
        if persistent_conn:
            out.append(
                "%-3s %-6s %-11s %-18s %-18s %-16s %-18s %s\n"
                % (protocol, expire, c.state, *names, c.pe_name or "", c.pe_data or "")
            )
        else:
            out.append("%-3s %-6s %-11s %-18s %-18s %s\n" % (protocol, expire, c.state, *names))
    return "".join(out)
