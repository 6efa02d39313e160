"""``ipvsadm -c``: the connection table from ``/proc/net/ip_vs_conn``, as ipvsadm prints it."""

# printf-style on purpose: the formats are ipvsadm's C formats, kept recognisable.
# ruff: noqa: UP031

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from typing import TextIO

from pyipvs.cli.ipvsadm import cstrings
from pyipvs.cli.ipvsadm.names import address_port

CONN_PROC_FILE = "/proc/net/ip_vs_conn"


def _address(text: str) -> IPv4Address | IPv6Address:
    packed6 = cstrings.inet_pton6(text)
    if packed6 is not None:
        return IPv6Address(packed6)
    try:
        return IPv4Address(int(text, 16) & 0xFFFFFFFF)
    except ValueError:
        return IPv4Address(0)


def connection_rows(proc: TextIO) -> list[dict[str, str | int]]:
    """The entries of the proc file (after its header line) as plain dicts."""
    rows: list[dict[str, str | int]] = []
    for line in proc:
        f = line.split()
        if len(f) < 9:
            continue
        rows.append(
            {
                "protocol": f[0],
                "client": f[1],
                "client_port": int(f[2], 16),
                "virtual": f[3],
                "virtual_port": int(f[4], 16),
                "destination": f[5],
                "destination_port": int(f[6], 16),
                "state": f[7],
                "expires": int(f[8]),
                "pe_name": f[9] if len(f) > 9 else "",
                "pe_data": f[10] if len(f) > 10 else "",
            }
        )
    return rows


def readable_rows(rows: list[dict[str, str | int]]) -> list[dict[str, str | int]]:
    """The rows with addresses spelled normally (the proc file has IPv4 in hex)."""
    keys = ("client", "virtual", "destination")
    return [{k: (str(_address(str(v))) if k in keys else v) for k, v in r.items()} for r in rows]


def _where(row: dict[str, str | int], key: str, numeric: bool) -> str:
    protocol = str(row["protocol"]).lower()
    return address_port(_address(str(row[key])), int(row[f"{key}_port"]), protocol, numeric)


def format_connections(
    rows: list[dict[str, str | int]], numeric: bool, persistent_conn: bool
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
    for row in rows:
        expires = int(row["expires"])
        expire = "%02d:%02d" % (expires // 60, expires % 60)
        names = [_where(row, k, numeric) for k in ("client", "virtual", "destination")]
        if persistent_conn:
            out.append(
                "%-3s %-6s %-11s %-18s %-18s %-16s %-18s %s\n"
                % (row["protocol"], expire, row["state"], *names, row["pe_name"], row["pe_data"])
            )
        else:
            out.append(
                "%-3s %-6s %-11s %-18s %-18s %s\n" % (row["protocol"], expire, row["state"], *names)
            )
    return "".join(out)
