# SPDX-License-Identifier: Apache-2.0
"""ipvsadm 1.31's listings, byte for byte: pure functions from model objects to text.

Covers ``-L``/``-l`` (default, ``--stats``, ``--rate``, ``--thresholds``, ``--persistent-conn``,
``--tun-info``, ``--exact``, ``--nosort``, ``-n``), ``-S``/``-S -n``, ``--timeout``,
``--daemon``, ``-c`` and the help and version texts. Nothing here talks to the kernel.

Deliberate differences from ipvsadm (see docs/reference/pyipvsadm.rst): real-server counters
are shown with all 64 bits (ipvsadm truncates them to 32), and ``-S`` writes ``-x``/``-y``
when a threshold is set (ipvsadm drops them, so its restore loses them).
"""

# printf-style on purpose: the formats are ipvsadm's C formats, kept recognisable.
# ruff: noqa: UP031

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Any, TypeVar

from pyipvs.cli.ipvsadm.names import address_port
from pyipvs.cli.ipvsadm.sort import AF_INET, AF_INET6, PROTOCOL_NUMBERS, sort_like_ipvsadm
from pyipvs.ipvs.model import SCHED_FLAG_BITS

if TYPE_CHECKING:
    from pyipvs.ipvs.model import RealServer, Stats, SyncDaemon, Timeouts, VirtualService


@dataclass(frozen=True)
class Format:
    """The listing flags (ipvsadm's FMT_* bits)."""

    numeric: bool = False
    rule: bool = False
    stats: bool = False
    rate: bool = False
    thresholds: bool = False
    persistent_conn: bool = False
    nosort: bool = False
    exact: bool = False
    tun_info: bool = False


PROTOCOL_LABELS = {"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}
RULE_SELECTORS = {"tcp": "-t", "udp": "-u", "sctp": "--sctp-service"}
FORWARD_NAMES = {"masq": "Masq", "local": "Local", "tunnel": "Tunnel", "route": "Route"}
FORWARD_SWITCHES = {"masq": "-m", "local": "-g", "tunnel": "-i", "route": "-g"}
TUNNEL_FLAG_SHORT = {"nocsum": "-c", "csum": "+c", "remcsum": "r+c"}
SERVICE_NAME_WIDTH = 33  # ipvsadm cuts IPv4 service names here
SERVER_NAME_WIDTH = 28  # and IPv4 real-server names here
HOST_MASK = IPv4Address("255.255.255.255")

# ---- numbers ----


def signed_int(value: int) -> int:
    """A u32 printed with ``%d``: marks of 2**31 and above come out negative."""
    return (value + 2**31) % 2**32 - 2**31


def large_number(value: int, exact: bool) -> str:
    """ipvsadm's ``print_largenum``: a leading space and 8+ columns, K/M/G/T unless exact."""
    if exact:
        digits = str(value)
        width = 9 if len(digits) <= 8 else len(digits) + 1
        return digits.rjust(width)
    if value < 100_000_000:
        return f"{value:9d}"
    if value < 1_000_000_000:
        return f"{value // 1000:8d}K"
    if value < 100_000_000_000:
        return f"{value // 1_000_000:8d}M"
    if value < 100_000_000_000_000:
        return f"{value // 1_000_000_000:8d}G"
    return f"{value // 1_000_000_000_000:8d}T"


# ---- titles ----


def title(fmt: Format) -> str:
    """ipvsadm's ``print_title`` (nothing in rule mode)."""
    if fmt.rule:
        return ""
    if fmt.stats:
        cols = ("Conns", "InPkts", "OutPkts", "InBytes", "OutBytes")
        return "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n" % (
            "Prot LocalAddress:Port",
            *cols,
        )
    if fmt.rate:
        cols = ("CPS", "InPPS", "OutPPS", "InBPS", "OutBPS")
        return "%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n" % (
            "Prot LocalAddress:Port",
            *cols,
        )
    if fmt.thresholds:
        return "%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n" % (
            "Prot LocalAddress:Port",
            "Uthreshold",
            "Lthreshold",
            "ActiveConn",
            "InActConn",
        )
    if fmt.persistent_conn:
        return "%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n" % (
            "Prot LocalAddress:Port",
            "Weight",
            "PersistConn",
            "ActiveConn",
            "InActConn",
        )
    if fmt.tun_info:
        return (
            "Prot LocalAddress:Port Scheduler Flags\n"
            "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n"
        )
    return (
        "Prot LocalAddress:Port Scheduler Flags\n"
        "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
    )


def version_line(version: str, conn_table_size: int) -> str:
    return f"IP Virtual Server version {version} (size={conn_table_size})\n"


# ---- services ----


def _is_v6(vs: VirtualService) -> bool:
    return vs.family == "inet6"


def sched_flag_bits(vs: VirtualService) -> int:
    bits = 0
    for name in vs.sched_flags:
        bits |= SCHED_FLAG_BITS.get(name, 0)
    return bits


def sched_flags_text(vs: VirtualService) -> str:
    """ipvsadm's ``print_sched_flags``: named for sh and mh, flag-N otherwise."""
    bits = sched_flag_bits(vs)
    if vs.scheduler == "sh":
        names = [("sh-fallback", 1), ("sh-port", 2)]
    elif vs.scheduler == "mh":
        names = [("mh-fallback", 1), ("mh-port", 2)]
    else:
        names = [("flag-1", 1), ("flag-2", 2), ("flag-3", 4)]
    return ",".join(name for name, bit in names if bits & bit)


def service_name(vs: VirtualService, fmt: Format) -> str:
    """``FWM  42``, ``TCP  10.0.0.1:http`` (or ``-f 42``, ``-t 10.0.0.1:http`` in rule mode)."""
    if vs.fwmark:
        mark = signed_int(vs.fwmark)  # ipvsadm prints the u32 mark with %d
        if fmt.rule:
            # -S writes the mark unsigned, so -R can read it back (ipvsadm's -R refuses the
            # negative mark its -S writes): a documented difference.
            return f"-f {vs.fwmark} -6" if _is_v6(vs) else f"-f {vs.fwmark}"
        return f"FWM  {mark} IPv6" if _is_v6(vs) else f"FWM  {mark}"
    protocol = vs.protocol or "tcp"
    assert vs.address is not None and vs.port is not None
    where = address_port(vs.address, vs.port, protocol, fmt.numeric)
    if fmt.rule:
        return f"{RULE_SELECTORS[protocol]} {where}"
    name = "%-4s %s" % (PROTOCOL_LABELS[protocol], where)
    return name if _is_v6(vs) else name[:SERVICE_NAME_WIDTH]


def _netmask_differs(vs: VirtualService) -> str | None:
    mask = vs.netmask
    if mask is None:
        return None
    if _is_v6(vs):
        return None if int(mask) == 128 else str(int(mask))
    return None if mask == HOST_MASK else str(mask)


def service_line(vs: VirtualService, fmt: Format) -> str:
    """The service's line in every mode (stats/rate lines add five numbers)."""
    name = service_name(vs, fmt)
    if fmt.rule:
        return _service_rule(vs, name) + "\n"
    if fmt.stats or fmt.rate:
        return "%-33s" % name + _five_numbers(vs.stats, fmt) + "\n"
    parts = [f"{name} {vs.scheduler}"]
    flags = sched_flags_text(vs)
    if flags:
        parts.append(f" ({flags})")
    if vs.persistence_timeout is not None:
        parts.append(f" persistent {vs.persistence_timeout}")
        mask = _netmask_differs(vs)
        if mask is not None:
            parts.append(f" mask {mask}")
        if vs.pe_name:
            parts.append(f" pe {vs.pe_name}")
    if vs.one_packet:
        parts.append(" ops")
    return "".join(parts) + "\n"


def _service_rule(vs: VirtualService, name: str) -> str:
    parts = [f"-A {name} -s {vs.scheduler}"]
    if vs.persistence_timeout is not None:
        parts.append(f" -p {vs.persistence_timeout}")
        mask = _netmask_differs(vs)
        if mask is not None:
            parts.append(f" -M {mask}")
    # Unlike -L (where it follows "persistent"), -S writes the engine whether or not the
    # service is persistent (checked against ipvsadm 1.31 in the VM).
    if vs.pe_name:
        parts.append(f" --pe {vs.pe_name}")
    if vs.one_packet:
        parts.append(" -o")
    flags = sched_flags_text(vs)
    if flags:
        parts.append(f" -b {flags}")
    return "".join(parts)


def _stats_values(stats: Stats | None, rate: bool) -> tuple[int, int, int, int, int]:
    if stats is None:
        return (0, 0, 0, 0, 0)
    if rate:
        return (stats.cps, stats.pps_in, stats.pps_out, stats.bps_in, stats.bps_out)
    return (
        stats.connections,
        stats.packets_in,
        stats.packets_out,
        stats.bytes_in,
        stats.bytes_out,
    )


def _five_numbers(stats: Stats | None, fmt: Format) -> str:
    values = _stats_values(stats, fmt.rate and not fmt.stats)
    return "".join(large_number(v, fmt.exact) for v in values)


# ---- real servers ----


def server_name(rs: RealServer, protocol: str, fmt: Format) -> str:
    name = address_port(rs.address, rs.port, protocol, fmt.numeric)
    if fmt.rule or rs.address.version == 6:
        return name
    return name[:SERVER_NAME_WIDTH]


def tunnel_info(rs: RealServer) -> str:
    """``ipip``, ``gue:6080:r+c``, ``gre:+c``; ``n/a`` unless tunnelling."""
    if rs.forward != "tunnel":
        return "n/a"
    flag = TUNNEL_FLAG_SHORT.get(rs.tunnel_checksum, "-c")
    if rs.tunnel_type == "gue":
        return f"gue:{rs.tunnel_port}:{flag}"
    if rs.tunnel_type == "gre":
        return f"gre:{flag}"
    return rs.tunnel_type


def server_line(rs: RealServer, svc_rule_name: str, protocol: str, fmt: Format) -> str:
    name = server_name(rs, protocol, fmt)
    if fmt.rule:
        return _server_rule(rs, svc_rule_name, name) + "\n"
    if fmt.stats:
        return "  -> %-28s" % name + _five_numbers(rs.stats, fmt) + "\n"
    if fmt.rate:
        cps, pps_in, pps_out, bps_in, bps_out = _stats_values(rs.stats, True)
        return (
            "  -> %-28s %8d %8d %8d" % (name, cps, pps_in, pps_out)
            + large_number(bps_in, fmt.exact)
            + large_number(bps_out, fmt.exact)
            + "\n"
        )
    active, inactive = rs.active_connections, rs.inactive_connections
    if fmt.thresholds:
        return "  -> %-28s %-10d %-10d %-10d %-10d\n" % (
            name,
            rs.upper_threshold,
            rs.lower_threshold,
            active,
            inactive,
        )
    if fmt.persistent_conn:
        return "  -> %-28s %-9d %-11d %-10d %-10d\n" % (
            name,
            rs.weight,
            rs.persistent_connections,
            active,
            inactive,
        )
    forward = FORWARD_NAMES.get(rs.forward, "Route")
    if fmt.tun_info:
        return "  -> %-28s %-7s %-13s %-6d %-10d %-10d\n" % (
            name,
            forward,
            tunnel_info(rs),
            rs.weight,
            active,
            inactive,
        )
    return "  -> %-28s %-7s %-6d %-10d %-10d\n" % (name, forward, rs.weight, active, inactive)


def _server_rule(rs: RealServer, svc_name: str, name: str) -> str:
    switch = FORWARD_SWITCHES.get(rs.forward, "-g")
    line = f"-a {svc_name} -r {name} {switch} -w {rs.weight}"
    if rs.forward == "tunnel":
        line += f" --tun-type {rs.tunnel_type}"
        if rs.tunnel_type == "gue":
            line += f" --tun-port {rs.tunnel_port} --tun-{rs.tunnel_checksum}"
        elif rs.tunnel_type == "gre":
            line += f" --tun-{rs.tunnel_checksum}"
    # pyipvsadm keeps the thresholds that ipvsadm's -S drops (a documented difference).
    if rs.upper_threshold:
        line += f" -x {rs.upper_threshold}"
    if rs.lower_threshold:
        line += f" -y {rs.lower_threshold}"
    return line


# ---- whole listings ----


def _address_words(address: object | None, v6: bool) -> tuple[int, int, int, int]:
    if address is None:
        return (0, 0, 0, 0)
    if not v6:
        return (int(address), 0, 0, 0)  # type: ignore[call-overload]  # an IPv4Address
    packed: bytes = address.packed  # type: ignore[attr-defined]
    return tuple(int.from_bytes(packed[i : i + 4], "big") for i in range(0, 16, 4))  # type: ignore[return-value]


def _service_words(vs: VirtualService) -> tuple[int, ...]:
    v6 = _is_v6(vs)
    return (
        vs.fwmark or 0,
        AF_INET6 if v6 else AF_INET,
        PROTOCOL_NUMBERS.get(vs.protocol, 6),
        *_address_words(vs.address, v6),
        vs.port or 0,
    )


def _server_words(rs: RealServer) -> tuple[int, ...]:
    v6 = rs.address.version == 6
    return (AF_INET6 if v6 else AF_INET, *_address_words(rs.address, v6), rs.port)


def sort_services(services: list[VirtualService]) -> list[VirtualService]:
    return sort_like_ipvsadm(services, _service_words)


def sort_servers(servers: list[RealServer]) -> list[RealServer]:
    return sort_like_ipvsadm(servers, _server_words)


def service_block(vs: VirtualService, servers: Sequence[RealServer], fmt: Format) -> str:
    """One service and its real servers (ipvsadm's ``print_service_entry``)."""
    protocol = vs.protocol or "tcp"
    ordered = list(servers) if fmt.nosort else sort_servers(list(servers))
    out = [service_line(vs, fmt)]
    rule_name = service_name(vs, fmt) if fmt.rule else ""
    out.extend(server_line(rs, rule_name, protocol, fmt) for rs in ordered)
    return "".join(out)


def listing(
    table: Iterable[tuple[VirtualService, Sequence[RealServer]]],
    fmt: Format,
    header: str = "",
) -> str:
    """``-L`` (with ``header`` = the version line) or ``-S`` of the whole table."""
    out = [header, title(fmt)]
    out.extend(service_block(vs, servers, fmt) for vs, servers in in_listing_order(table, fmt))
    return "".join(out)


_Row = TypeVar("_Row", bound=tuple[Any, ...])


def in_listing_order(rows: Iterable[_Row], fmt: Format) -> list[_Row]:
    """(service, its real servers) rows in ipvsadm's order of services (kept with --nosort)."""
    rows = list(rows)
    if fmt.nosort:
        return rows
    order = {id(row[0]): i for i, row in enumerate(rows)}
    return [rows[order[id(vs)]] for vs in sort_services([row[0] for row in rows])]


def timeouts_line(t: Timeouts) -> str:
    return f"Timeout (tcp tcpfin udp): {t.tcp} {t.tcp_fin} {t.udp}\n"


def daemon_line(d: SyncDaemon) -> str:
    """``master sync daemon (mcast=eth0, syncid=5, maxlen=1472, group=..., port=..., ttl=...)``."""
    text = f"{d.state} sync daemon (mcast={d.interface}, syncid={d.syncid}"
    if d.maxlen:
        text += f", maxlen={d.maxlen}"
    if d.mcast_group is not None:
        text += f", group={d.mcast_group}"
    if d.mcast_port:
        text += f", port={d.mcast_port}"
    if d.mcast_ttl:
        text += f", ttl={d.mcast_ttl}"
    return text + ")\n"
