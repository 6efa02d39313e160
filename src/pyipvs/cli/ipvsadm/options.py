# SPDX-License-Identifier: Apache-2.0
"""ipvsadm 1.31's command line: argv -> :class:`Invocation`, with ipvsadm's rules and messages.

Everything here is client-side and needs no kernel: the popt-like scan over ipvsadm's option
table, what each option sets (driven by the tables below), and the checks ipvsadm makes before
talking to the kernel. The option values are parsed by :mod:`~pyipvs.cli.ipvsadm.arguments`,
the command/option tables are in :mod:`~pyipvs.cli.ipvsadm.compat`, and the failures
(re-exported here) in :mod:`~pyipvs.cli.ipvsadm.messages`, each saying how ipvsadm reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv6Address

from pyipvs.cli.ipvsadm.arguments import (
    MAX_TIMEOUT,
    number_or_fail,
    parse_address_port,
    parse_fwmark,
    parse_mcast_group,
    parse_netmask,
    parse_sched_flags,
    parse_timeout,
)
from pyipvs.cli.ipvsadm.compat import (
    COMMANDS,
    COMPATIBILITY,
    OPTIONS,
    TUNNEL_CHECKSUMS,
    TUNNEL_COMPATIBILITY,
    check_compatibility,
    check_tunnel_options,
)
from pyipvs.cli.ipvsadm.messages import (
    CliExit,
    Fail,
    HelpRequested,
    LineError,
    TryHelp,
    VersionRequested,
)
from pyipvs.cli.ipvsadm.popt import Arg, Option, OptionTable, PoptError, Scanner

# ---- facts from ipvsadm 1.31 (names used in its messages, limits, defaults) ----

DEFAULT_SCHEDULER = "wlc"
DEFAULT_MCAST_INTERFACE = "eth0"
SCHEDNAME_MAX = 15  # IP_VS_SCHEDNAME_MAXLEN - 1
IFNAME_MAX = 15
PENAME_MAX = 15
VERSION_LINE = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)"


# ---- the parsed command ----


@dataclass
class ServiceSpec:
    """The virtual service named on the command line (``-t/-u/--sctp-service/-f``)."""

    protocol: str = "tcp"  # ipvsadm's default protocol, even before -t/-u
    address: IPv4Address | IPv6Address | None = None
    port: int = 0
    fwmark: int = 0
    family: str = "inet"
    scheduler: str = ""
    persistence: int | None = None
    netmask: IPv4Address | int | None = None
    one_packet: bool = False
    sched_flags: tuple[str, ...] = ()
    pe_name: str | None = None


@dataclass
class ServerSpec:
    """The real server (``-r`` and its options)."""

    address: IPv4Address | IPv6Address | None = None
    port: int = 0
    family: str = "inet"
    forward: str = "route"
    weight: int = 1
    upper_threshold: int = 0
    lower_threshold: int = 0
    tunnel_type: str = "ipip"
    tunnel_port: int = 0
    tunnel_checksum: str = "nocsum"


@dataclass
class DaemonSpec:
    """``--start-daemon`` / ``--stop-daemon`` and their options."""

    state: str = ""
    interface: str = ""
    syncid: int = 0
    maxlen: int | None = None
    mcast_group: IPv4Address | IPv6Address | None = None
    mcast_port: int | None = None
    mcast_ttl: int | None = None


@dataclass
class Invocation:
    """One ipvsadm command line, parsed and checked."""

    command: str
    options: set[str] = field(default_factory=set)
    service: ServiceSpec = field(default_factory=ServiceSpec)
    server: ServerSpec = field(default_factory=ServerSpec)
    daemon: DaemonSpec = field(default_factory=DaemonSpec)
    timeouts: tuple[int, int, int] = (0, 0, 0)
    json: bool = False

    def has(self, option: str) -> bool:
        return option in self.options


# ---- the option table ----

_COMMAND_TAGS = {
    "A": "add-service",
    "E": "edit-service",
    "D": "delete-service",
    "C": "flush",
    "L": "list",
    "l": "list",
    "Z": "zero",
    "a": "add-server",
    "e": "edit-server",
    "d": "delete-server",
    "set": "set",
    "R": "restore",
    "S": "save",
    "start-daemon": "start-daemon",
    "stop-daemon": "stop-daemon",
}

_N, _R, _O = Arg.NONE, Arg.REQUIRED, Arg.OPTIONAL
TABLE = OptionTable(
    (
        Option("add-service", "A", _N, "A"),
        Option("edit-service", "E", _N, "E"),
        Option("delete-service", "D", _N, "D"),
        Option("clear", "C", _N, "C"),
        Option("list", "L", _N, "L"),
        Option(None, "l", _N, "l"),
        Option("zero", "Z", _N, "Z"),
        Option("add-server", "a", _N, "a"),
        Option("edit-server", "e", _N, "e"),
        Option("delete-server", "d", _N, "d"),
        Option("set", None, _N, "set"),
        Option("help", "h", _N, "h"),
        Option("version", "v", _N, "v"),
        Option("restore", "R", _N, "R"),
        Option("save", "S", _N, "S"),
        Option("start-daemon", None, _R, "start-daemon"),
        Option("stop-daemon", None, _R, "stop-daemon"),
        Option("tcp-service", "t", _R, "t"),
        Option("udp-service", "u", _R, "u"),
        Option("sctp-service", None, _R, "sctp"),
        Option("fwmark-service", "f", _R, "f"),
        Option("scheduler", "s", _R, "s"),
        Option("persistent", "p", _O, "p"),
        Option("netmask", "M", _R, "M"),
        Option("real-server", "r", _R, "r"),
        Option("masquerading", "m", _N, "m"),
        Option("ipip", "i", _N, "i"),
        Option("gatewaying", "g", _N, "g"),
        Option("weight", "w", _R, "w"),
        Option("u-threshold", "x", _R, "x"),
        Option("l-threshold", "y", _R, "y"),
        Option("numeric", "n", _N, "n"),
        Option("connection", "c", _N, "c"),
        Option("mcast-interface", None, _R, "mcast-interface"),
        Option("syncid", None, _R, "syncid"),
        Option("timeout", None, _N, "timeout"),
        Option("daemon", None, _N, "daemon"),
        Option("stats", None, _N, "stats"),
        Option("rate", None, _N, "rate"),
        Option("thresholds", None, _N, "thresholds"),
        Option("persistent-conn", None, _N, "persistent-conn"),
        Option("nosort", None, _N, "nosort"),
        Option("sort", None, _N, "sort"),
        Option("exact", "X", _N, "exact"),
        Option("ipv6", "6", _N, "6"),
        Option("ops", "o", _N, "ops"),
        Option("pe", None, _R, "pe"),
        Option("sched-flags", "b", _R, "b"),
        Option("mcast-group", None, _R, "mcast-group"),
        Option("mcast-port", None, _R, "mcast-port"),
        Option("mcast-ttl", None, _R, "mcast-ttl"),
        Option("sync-maxlen", None, _R, "sync-maxlen"),
        Option("tun-info", None, _N, "tun-info"),
        Option("tun-type", None, _R, "tun-type"),
        Option("tun-port", None, _R, "tun-port"),
        Option("tun-nocsum", None, _N, "tun-nocsum"),
        Option("tun-csum", None, _N, "tun-csum"),
        Option("tun-remcsum", None, _N, "tun-remcsum"),
        # pyipvsadm's own: machine-readable listings (not an ipvsadm option).
        Option("json", None, _N, "json"),
    )
)

# ---- what each option sets ----

# Options that only set a flag: tag -> the option's name in OPTIONS.
_FLAG_TAGS = {
    "n": "numeric",
    "c": "connection",
    "exact": "exact",
    **{
        name: name
        for name in (
            "timeout",
            "daemon",
            "stats",
            "rate",
            "thresholds",
            "persistent-conn",
            "nosort",
            "tun-info",
            "tun-nocsum",
            "tun-csum",
            "tun-remcsum",
        )
    },
}
# Numbers: tag -> (option name, spec, field, low, high, message).
_INT_MAX = 2**31 - 1
_SYNC = 65535 - 20 - 8
_NUMBERS = {
    "w": ("weight", "server", "weight", 0, _INT_MAX, "illegal weight specified"),
    "x": ("u-threshold", "server", "upper_threshold", 0, _INT_MAX, "illegal u_threshold specified"),
    "y": ("l-threshold", "server", "lower_threshold", 0, _INT_MAX, "illegal l_threshold specified"),
    "tun-port": ("tun-port", "server", "tunnel_port", 1, 65535, "illegal tunnel port specified"),
    "syncid": ("syncid", "daemon", "syncid", 0, 255, "illegal syncid specified"),
    "mcast-port": ("mcast-port", "daemon", "mcast_port", 1, 65535, "illegal mcast-port specified"),
    "mcast-ttl": ("mcast-ttl", "daemon", "mcast_ttl", 1, 255, "illegal mcast-ttl specified"),
    # The sync message must fit a UDP datagram in one 64 KiB IP packet.
    "sync-maxlen": ("sync-maxlen", "daemon", "maxlen", 1, _SYNC, "illegal sync-maxlen specified"),
}  # fmt: skip
# Names, cut to the kernel's buffer: tag -> (option name, spec, field, longest).
_NAMES = {
    "s": ("scheduler", "service", "scheduler", SCHEDNAME_MAX),
    "pe": ("pe", "service", "pe_name", PENAME_MAX),
    "mcast-interface": ("mcast-interface", "daemon", "interface", IFNAME_MAX),
}
_FORWARD = {"m": "masq", "i": "tunnel", "g": "route"}
_PROTOCOLS = {"t": "tcp", "u": "udp", "sctp": "sctp"}


def _service_address(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    svc = inv.service
    svc.protocol = _PROTOCOLS[tag]
    parsed = parse_address_port(arg, svc.protocol)
    if parsed is None:
        raise Fail("illegal virtual server address[:port] specified")
    svc.family, svc.address, port = parsed
    svc.port = port if port is not None else 0


def _fwmark(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    inv.service.family, inv.service.protocol = "inet", "tcp"
    inv.service.fwmark = parse_fwmark(arg)


def _persistent(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    inv.service.persistence = parse_timeout(value, 1, MAX_TIMEOUT)


def _netmask(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    inv.service.netmask = parse_netmask(arg, inv.service.family)


def _real_server(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    dest = inv.server
    parsed = parse_address_port(arg, inv.service.protocol)
    if parsed is None:
        raise Fail("illegal real server address[:port] specified")
    dest.family, dest.address, port = parsed
    dest.port = port if port is not None else inv.service.port


def _forward(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    inv.server.forward = _FORWARD[tag]


def _one_packet(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    inv.service.one_packet = True


def _ipv6(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    if not inv.service.fwmark:
        raise Fail("-6 used before -f\n")
    inv.service.family, inv.service.netmask = "inet6", 128


def _json(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    inv.json = True


def _mcast_group(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    inv.daemon.mcast_group = parse_mcast_group(arg)


def _tunnel_type(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    if arg not in TUNNEL_COMPATIBILITY:
        raise Fail("illegal tunnel type specified")
    inv.server.tunnel_type = arg


def _nothing(inv: Invocation, tag: str, arg: str, value: str | None) -> None:
    """``--sort``: a no-op kept for compatibility."""


_Apply = Callable[[Invocation, str, str, "str | None"], None]
# The rest: tag -> (option name to record, or None; what it sets).
_SPECIAL: dict[str, tuple[str | None, _Apply]] = {
    "t": ("service-address", _service_address),
    "u": ("service-address", _service_address),
    "sctp": ("service-address", _service_address),
    "f": ("service-address", _fwmark),
    "p": ("persistent", _persistent),
    "M": ("netmask", _netmask),
    "r": ("real-server", _real_server),
    **{tag: ("forwarding-method", _forward) for tag in _FORWARD},
    "ops": ("ops", _one_packet),
    "6": (None, _ipv6),
    "sort": (None, _nothing),
    "json": (None, _json),
    "mcast-group": ("mcast-group", _mcast_group),
    "tun-type": ("tun-type", _tunnel_type),
}


def parse(argv: Sequence[str], program: str) -> Invocation:
    """Parse one ipvsadm command line (without the program name) the way ipvsadm 1.31 does.

    :raises HelpRequested, VersionRequested: ``-h`` / ``-v`` as the command.
    :raises Fail, TryHelp: ipvsadm exits (status 2 / 255), even inside ``-R``.
    :raises LineError: a popt error after the command; ipvsadm returns -1 and ``-R`` goes on.
    """
    scanner = Scanner(argv, TABLE)
    inv = _parse_command(scanner, program)
    sched_flags_arg = _parse_options(scanner, inv)
    if inv.command == "set":
        inv.timeouts = _parse_set_values(scanner)
    extra = scanner.next_leftover()
    if extra is not None:
        raise Fail(f"unexpected argument {extra}")
    # ipvsadm reads -b's words only now, once the scheduler is known and the leftovers and
    # --set's values were checked (tests/kernel: the bad-argv differential against ipvsadm)
    if sched_flags_arg is not None:
        inv.service.sched_flags = parse_sched_flags(inv.service.scheduler, sched_flags_arg)
    check_compatibility(inv.command, inv.options)
    _finish(inv)
    return inv


def _parse_command(scanner: Scanner, program: str) -> Invocation:
    try:
        first = scanner.next()
    except PoptError:
        raise TryHelp(program) from None
    if first is None:
        raise TryHelp(program)
    opt, value = first
    if opt.tag == "h":
        raise HelpRequested
    if opt.tag == "v":
        raise VersionRequested
    command = _COMMAND_TAGS.get(opt.tag)
    if command is None:
        raise TryHelp(program)
    inv = Invocation(command)
    if command in ("start-daemon", "stop-daemon"):
        if value not in ("master", "backup"):
            raise Fail(
                "illegal start-daemon parameter specified"
                if command == "start-daemon"
                else "illegal start_daemon specified"
            )
        inv.daemon.state = value
    return inv


def _parse_options(scanner: Scanner, inv: Invocation) -> str | None:
    """The option loop; returns -b's text (None without -b), which is read later."""
    sched_flags_arg: str | None = None
    while True:
        try:
            item = scanner.next()
        except PoptError as exc:
            raise LineError(f"{exc.bad_word}: {exc.message}\n") from None
        if item is None:
            break
        opt, value = item
        if opt.tag == "b":
            _set_option(inv, "sched-flags")
            sched_flags_arg = value or ""
            continue
        _apply_option(inv, opt.tag, value, scanner)
    return sched_flags_arg


def _set_option(inv: Invocation, name: str) -> None:
    if name in inv.options:
        raise Fail(f"multiple '{name}' options specified")
    inv.options.add(name)


def _apply_option(inv: Invocation, tag: str, value: str | None, scanner: Scanner) -> None:
    """Records the option (a repeated one fails) and sets what it sets, from the tables."""
    arg = value or ""
    if tag in _FLAG_TAGS:
        _set_option(inv, _FLAG_TAGS[tag])
    elif tag in _NUMBERS:
        name, spec, attr, low, high, message = _NUMBERS[tag]
        _set_option(inv, name)
        setattr(getattr(inv, spec), attr, number_or_fail(arg, low, high, message))
    elif tag in _NAMES:
        name, spec, attr, longest = _NAMES[tag]
        _set_option(inv, name)
        setattr(getattr(inv, spec), attr, arg[:longest])
    elif tag in _SPECIAL:
        recorded, apply = _SPECIAL[tag]
        if recorded is not None:
            _set_option(inv, recorded)
        apply(inv, tag, arg, value)
    else:
        # A command letter after the command: ipvsadm says "invalid option".
        raise Fail(f"invalid option `{scanner.last_word}'")


def _parse_set_values(scanner: Scanner) -> tuple[int, int, int]:
    values = [scanner.next_leftover() for _ in range(3)]
    if None in values:
        raise Fail("--set option requires 3 timeout values")
    tcp, tcpfin, udp = (parse_timeout(v, 0, MAX_TIMEOUT) for v in values)
    return tcp, tcpfin, udp


_TUNNEL_OPTION_NAMES = frozenset(("tun-type", *TUNNEL_CHECKSUMS, "tun-port"))
_LIST_SOURCES = ("connection", "timeout", "daemon")
_LIST_FORMATS = ("stats", "rate", "thresholds")  # -c --persistent-conn is allowed


def _finish(inv: Invocation) -> None:
    """ipvsadm's ``process_options`` checks and defaults, after the table check."""
    svc, dest = inv.service, inv.server
    if inv.command in ("add-service", "edit-service"):
        if not svc.fwmark and not svc.port and svc.persistence is None:
            raise Fail("Zero port specified for non-persistent service")
        if svc.one_packet and not svc.fwmark and svc.protocol != "udp":
            raise Fail("One-Packet Scheduling is only for UDP virtual services")
        if not svc.scheduler:
            svc.scheduler = DEFAULT_SCHEDULER
    if inv.command == "start-daemon" and not inv.daemon.interface:
        inv.daemon.interface = DEFAULT_MCAST_INTERFACE
    if inv.command in ("add-server", "edit-server"):
        if not svc.fwmark and dest.forward in ("tunnel", "route"):
            dest.port = svc.port
        if dest.family != svc.family and dest.forward != "tunnel":
            raise Fail("Different address family is allowed only for tunneling servers")
        used = inv.options & _TUNNEL_OPTION_NAMES
        if used:
            if dest.forward != "tunnel":
                raise Fail("Tunnel options conflict with forward method")
            check_tunnel_options(dest.tunnel_type, used)
            for name, checksum in TUNNEL_CHECKSUMS.items():
                if name in used:
                    dest.tunnel_checksum = checksum
    if inv.command == "list":
        sources = any(inv.has(o) for o in _LIST_SOURCES)
        if sources and any(inv.has(o) for o in _LIST_FORMATS):
            raise Fail("options conflicts in the list command")


__all__ = [
    "COMMANDS",
    "COMPATIBILITY",
    "DEFAULT_SCHEDULER",
    "OPTIONS",
    "VERSION_LINE",
    "CliExit",
    "DaemonSpec",
    "Fail",
    "HelpRequested",
    "Invocation",
    "LineError",
    "ServerSpec",
    "ServiceSpec",
    "TryHelp",
    "VersionRequested",
    "parse",
]
