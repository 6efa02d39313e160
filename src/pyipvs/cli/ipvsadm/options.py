# SPDX-License-Identifier: Apache-2.0
"""ipvsadm 1.31's command line: argv -> :class:`Invocation`, with ipvsadm's rules and messages.

Everything here is client-side and needs no kernel: the popt-like scan, the per-option parsing
(addresses, ports, numbers), the command/option compatibility table, the tunnel-option table and
the checks ipvsadm makes before talking to the kernel. Failures raise one of the exceptions
below, each of which says how ipvsadm reports it (message, stream, exit status) and whether a
``-R`` restore goes on after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address

from pyipvs.cli.ipvsadm import cstrings
from pyipvs.cli.ipvsadm.popt import Arg, Option, OptionTable, PoptError, Scanner

# ---- facts from ipvsadm 1.31 (names used in its messages, limits, defaults) ----

COMMANDS = (
    "add-service",
    "edit-service",
    "delete-service",
    "flush",
    "list",
    "add-server",
    "delete-server",
    "edit-server",
    "set",
    "start-daemon",
    "stop-daemon",
    "restore",
    "save",
    "zero",
)

OPTIONS = (
    "numeric",
    "connection",
    "service-address",
    "scheduler",
    "persistent",
    "netmask",
    "real-server",
    "forwarding-method",
    "weight",
    "u-threshold",
    "l-threshold",
    "mcast-interface",
    "timeout",
    "daemon",
    "stats",
    "rate",
    "thresholds",
    "persistent-conn",
    "nosort",
    "syncid",
    "exact",
    "ops",
    "pe",
    "sched-flags",
    "mcast-group",
    "mcast-port",
    "mcast-ttl",
    "sync-maxlen",
    "tun-info",
    "tun-type",
    "tun-port",
    "tun-nocsum",
    "tun-csum",
    "tun-remcsum",
)

# Rows follow COMMANDS, columns follow OPTIONS. '+' required, 'x' illegal, '1' at most one of
# the '1' columns, ' ' optional. (ipvsadm's commands_v_options table, read from its binary.)
COMPATIBILITY = {
    "add-service": "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
    "edit-service": "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
    "delete-service": "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "flush": "x" * 34,
    "list": " 11xxxxxxxxx11       xxxxxxx xxxxx",
    "add-server": "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
    "delete-server": "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "edit-server": "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
    "set": "x" * 34,
    "start-daemon": "xxxxxxxxxxx xxxxxxx xxxx    xxxxxx",
    "stop-daemon": "xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx",
    "restore": "x" * 34,
    "save": " " + "x" * 33,
    "zero": "xx" + " " + "x" * 31,
}

TUNNEL_OPTIONS = ("tun-port", "tun-nocsum", "tun-csum", "tun-remcsum")
# Per tunnel type, columns follow TUNNEL_OPTIONS (ipvsadm's tunnel_types_v_options).
TUNNEL_COMPATIBILITY = {"ipip": "xxxx", "gue": "+111", "gre": "x11x"}
TUNNEL_CHECKSUMS = {"tun-nocsum": "nocsum", "tun-csum": "csum", "tun-remcsum": "remcsum"}

DEFAULT_SCHEDULER = "wlc"
DEFAULT_PERSISTENCE = 360  # IPVS_SVC_PERSISTENT_TIMEOUT; the man page says 300, the code 360
MAX_TIMEOUT = 86400 * 31
DEFAULT_MCAST_INTERFACE = "eth0"
SCHEDNAME_MAX = 15  # IP_VS_SCHEDNAME_MAXLEN - 1
IFNAME_MAX = 15
PENAME_MAX = 15
SCHED_FLAGS = ("flag-1", "flag-2", "flag-3")
SCHED_FLAG_ALIASES = {
    "sh-fallback": ("sh", "flag-1"),
    "sh-port": ("sh", "flag-2"),
    "mh-fallback": ("mh", "flag-1"),
    "mh-port": ("mh", "flag-2"),
}

VERSION_LINE = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)"


# ---- how failures are reported ----


class CliExit(Exception):
    """Stop with ``status`` after writing ``text`` to stderr (or stdout when ``to_stdout``)."""

    def __init__(self, status: int, text: str, *, to_stdout: bool = False) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.to_stdout = to_stdout


class Fail(CliExit):
    """ipvsadm's ``fail()``: message + newline on stderr, exit 2; aborts a restore too."""

    def __init__(self, message: str) -> None:
        super().__init__(2, message + "\n")


class TryHelp(CliExit):
    """ipvsadm's ``tryhelp_exit``: exit 255; aborts a restore too."""

    def __init__(self, program: str) -> None:
        super().__init__(255, f"Try `{program} -h' or '{program} --help' for more information.\n")


class LineError(Exception):
    """A popt scan error: printed, the command returns -1, a restore goes on."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


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


class HelpRequested(Exception):
    """``-h``: the usage text goes to stdout, exit 0."""


class VersionRequested(Exception):
    """``-v``: the version line goes to stdout, exit 0."""


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

# Options that only set a flag (the tag is the option's name in OPTIONS).
_FLAG_OPTIONS = frozenset(
    (
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
)
_FORWARD = {"m": "masq", "i": "tunnel", "g": "route"}


def parse(argv: Sequence[str], program: str) -> Invocation:
    """Parse one ipvsadm command line (without the program name) the way ipvsadm 1.31 does.

    :raises HelpRequested, VersionRequested: ``-h`` / ``-v`` as the command.
    :raises Fail, TryHelp: ipvsadm exits (status 2 / 255), even inside ``-R``.
    :raises LineError: a popt error after the command; ipvsadm returns -1 and ``-R`` goes on.
    """
    scanner = Scanner(argv, TABLE)
    inv = _parse_command(scanner, program)
    _parse_options(scanner, inv)
    if inv.command == "set":
        inv.timeouts = _parse_set_values(scanner)
    extra = scanner.next_leftover()
    if extra is not None:
        raise Fail(f"unexpected argument {extra}")
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


def _parse_options(scanner: Scanner, inv: Invocation) -> None:
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
    if sched_flags_arg is not None:
        inv.service.sched_flags = parse_sched_flags(inv.service.scheduler, sched_flags_arg)


def _set_option(inv: Invocation, name: str) -> None:
    if name in inv.options:
        raise Fail(f"multiple '{name}' options specified")
    inv.options.add(name)


def _apply_option(inv: Invocation, tag: str, value: str | None, scanner: Scanner) -> None:
    svc, dest, daemon = inv.service, inv.server, inv.daemon
    arg = value or ""
    if tag in ("t", "u", "sctp"):
        _set_option(inv, "service-address")
        svc.protocol = {"t": "tcp", "u": "udp", "sctp": "sctp"}[tag]
        parsed = parse_address_port(arg, svc.protocol)
        if parsed is None:
            raise Fail("illegal virtual server address[:port] specified")
        svc.family, svc.address, port = parsed
        svc.port = port if port is not None else 0
    elif tag == "f":
        _set_option(inv, "service-address")
        svc.family, svc.protocol = "inet", "tcp"
        svc.fwmark = parse_fwmark(arg)
    elif tag == "s":
        _set_option(inv, "scheduler")
        svc.scheduler = arg[:SCHEDNAME_MAX]
    elif tag == "p":
        _set_option(inv, "persistent")
        svc.persistence = parse_timeout(value, 1, MAX_TIMEOUT)
    elif tag == "M":
        _set_option(inv, "netmask")
        svc.netmask = _parse_netmask(arg, svc.family)
    elif tag == "r":
        _set_option(inv, "real-server")
        parsed = parse_address_port(arg, svc.protocol)
        if parsed is None:
            raise Fail("illegal real server address[:port] specified")
        dest.family, dest.address, port = parsed
        dest.port = port if port is not None else svc.port
    elif tag in _FORWARD:
        _set_option(inv, "forwarding-method")
        dest.forward = _FORWARD[tag]
    elif tag == "w":
        _set_option(inv, "weight")
        dest.weight = _number_or_fail(arg, 0, 2**31 - 1, "illegal weight specified")
    elif tag == "x":
        _set_option(inv, "u-threshold")
        dest.upper_threshold = _number_or_fail(arg, 0, 2**31 - 1, "illegal u_threshold specified")
    elif tag == "y":
        _set_option(inv, "l-threshold")
        dest.lower_threshold = _number_or_fail(arg, 0, 2**31 - 1, "illegal l_threshold specified")
    elif tag == "n":
        _set_option(inv, "numeric")
    elif tag == "c":
        _set_option(inv, "connection")
    elif tag == "exact":
        _set_option(inv, "exact")
    elif tag == "ops":
        _set_option(inv, "ops")
        svc.one_packet = True
    elif tag == "6":
        if not svc.fwmark:
            raise Fail("-6 used before -f\n")
        svc.family, svc.netmask = "inet6", 128
    elif tag == "sort":
        pass  # a no-op kept for compatibility
    elif tag == "json":
        inv.json = True
    elif tag in _FLAG_OPTIONS:
        _set_option(inv, tag)
    else:
        _apply_daemon_or_tunnel_option(inv, tag, arg, scanner)
    del daemon


def _apply_daemon_or_tunnel_option(inv: Invocation, tag: str, arg: str, scanner: Scanner) -> None:
    daemon, dest = inv.daemon, inv.server
    if tag == "mcast-interface":
        _set_option(inv, "mcast-interface")
        daemon.interface = arg[:IFNAME_MAX]
    elif tag == "syncid":
        _set_option(inv, "syncid")
        daemon.syncid = _number_or_fail(arg, 0, 255, "illegal syncid specified")
    elif tag == "pe":
        _set_option(inv, "pe")
        inv.service.pe_name = arg[:PENAME_MAX]
    elif tag == "mcast-group":
        _set_option(inv, "mcast-group")
        daemon.mcast_group = parse_mcast_group(arg)
    elif tag == "mcast-port":
        _set_option(inv, "mcast-port")
        daemon.mcast_port = _number_or_fail(arg, 1, 65535, "illegal mcast-port specified")
    elif tag == "mcast-ttl":
        _set_option(inv, "mcast-ttl")
        daemon.mcast_ttl = _number_or_fail(arg, 1, 255, "illegal mcast-ttl specified")
    elif tag == "sync-maxlen":
        _set_option(inv, "sync-maxlen")
        daemon.maxlen = _number_or_fail(arg, 1, 65535 - 20 - 8, "illegal sync-maxlen specified")
    elif tag == "tun-type":
        _set_option(inv, "tun-type")
        if arg not in TUNNEL_COMPATIBILITY:
            raise Fail("illegal tunnel type specified")
        dest.tunnel_type = arg
    elif tag == "tun-port":
        _set_option(inv, "tun-port")
        dest.tunnel_port = _number_or_fail(arg, 1, 65535, "illegal tunnel port specified")
    else:
        # A command letter after the command: ipvsadm says "invalid option".
        raise Fail(f"invalid option `{scanner.last_word}'")


def _number_or_fail(text: str, low: int, high: int, message: str) -> int:
    value = cstrings.string_to_number(text, low, high)
    if value is None:
        raise Fail(message)
    return value


def parse_timeout(text: str | None, low: int, high: int) -> int:
    """ipvsadm's ``parse_timeout``: no value means the default persistence (360 s)."""
    if text is None:
        return DEFAULT_PERSISTENCE
    value = cstrings.string_to_number(text, low, high)
    if value is None:
        raise Fail(f"invalid timeout value `{text}' specified")
    return value


def parse_fwmark(text: str) -> int:
    value = cstrings.strtol_whole(text)
    if value is None or value <= 0 or value > 2**32 - 1:
        raise Fail(f"invalid fwmark value `{text}' specified")
    return value


def _parse_netmask(text: str, family: str) -> IPv4Address | int:
    if family == "inet6":
        prefix = cstrings.atoi(text)
        if not 1 <= prefix <= 128:
            raise Fail("illegal ipv6 netmask specified")
        return prefix
    packed = cstrings.inet_aton(text) or cstrings.gethostbyname4(text)
    if packed is None:
        raise Fail("illegal virtual server persistent mask specified")
    return IPv4Address(packed)


def parse_mcast_group(text: str) -> IPv4Address | IPv6Address:
    if ":" in text:
        packed6 = cstrings.inet_pton6(text)
        if packed6 is None or not IPv6Address(packed6).is_multicast:
            raise Fail(f"invalid IPv6 mcast-group `{text}'")
        return IPv6Address(packed6)
    packed4 = cstrings.inet_pton4(text)
    if packed4 is None or not IPv4Address(packed4).is_multicast:
        raise Fail(f"invalid IPv4 mcast-group `{text}'")
    return IPv4Address(packed4)


@lru_cache(maxsize=8192)
def parse_address_port(
    text: str, protocol: str
) -> tuple[str, IPv4Address | IPv6Address, int | None] | None:
    """ipvsadm's ``parse_service``: ``(family, address, port or None)``, or None if invalid.

    ``[v6]:port`` needs its port; a bare IPv6 address has none; IPv4 accepts what inet_aton
    accepts, then a host name; the port is a number 0..65535 or a service name.
    """
    if not text or (text.isdigit() and text.isascii()):
        return None
    host, port_text = text, None
    if text.startswith("["):
        inner, bracket, after = text[1:].partition("]")
        if not bracket or not after.startswith(":"):
            return None
        host, port_text = inner, after[1:]
    packed6 = cstrings.inet_pton6(host)
    if packed6 is not None:
        family: str = "inet6"
        address: IPv4Address | IPv6Address = IPv6Address(packed6)
    else:
        if port_text is None and ":" in host:
            host, _, port_text = host.rpartition(":")
        packed4 = cstrings.inet_aton(host) or cstrings.gethostbyname4(host)
        if packed4 is None:
            return None
        family, address = "inet", IPv4Address(packed4)
    if port_text is None:
        return family, address, None
    port = cstrings.string_to_number(port_text, 0, 65535)
    if port is None:
        port = cstrings.getservbyname(port_text, protocol)
    if port is None:
        return None
    return family, address, port


def parse_sched_flags(scheduler: str, text: str) -> tuple[str, ...]:
    """ipvsadm's ``parse_sched_flags``: ``-b`` words -> kernel flag names (flag-1..3)."""
    flags: list[str] = []
    for word in (w for w in text.split(",") if w):
        if word in SCHED_FLAGS:
            flags.append(word)
        elif word in SCHED_FLAG_ALIASES:
            needed, flag = SCHED_FLAG_ALIASES[word]
            if scheduler != needed:
                raise Fail(f"incompatible scheduler flag `{word}'")
            flags.append(flag)
        else:
            raise Fail(f"invalid scheduler flag `{word}'")
    return tuple(sorted(set(flags)))


def _parse_set_values(scanner: Scanner) -> tuple[int, int, int]:
    values = [scanner.next_leftover() for _ in range(3)]
    if None in values:
        raise Fail("--set option requires 3 timeout values")
    tcp, tcpfin, udp = (parse_timeout(v, 0, MAX_TIMEOUT) for v in values)
    return tcp, tcpfin, udp


def _rules_by_kind(rule: str) -> dict[str, frozenset[str]]:
    return {
        command: frozenset(name for name, r in zip(OPTIONS, row, strict=True) if r in rule)
        for command, row in COMPATIBILITY.items()
    }


_REQUIRED, _ALLOWED, _EXCLUSIVE = _rules_by_kind("+"), _rules_by_kind("+ 1"), _rules_by_kind("1")


def check_compatibility(command: str, options: set[str]) -> None:
    """ipvsadm's ``generic_opt_check``: the first offending column (in table order) wins."""
    if (
        options <= _ALLOWED[command]
        and _REQUIRED[command] <= options
        and len(options & _EXCLUSIVE[command]) <= 1
    ):
        return  # the common case, without walking the table
    row = COMPATIBILITY[command]
    first_exclusive: str | None = None
    for name, rule in zip(OPTIONS, row, strict=True):
        if name not in options:
            if rule == "+":
                raise Fail(f"You need to supply the '{name}' option for the '{command}' command")
            continue
        if rule == "x":
            raise Fail(f"Illegal '{name}' option with the '{command}' command")
        if rule == "1":
            if first_exclusive is None:
                first_exclusive = name
                continue
            raise Fail(
                f"The option '{name}' conflicts with the '{first_exclusive}' option "
                f"in the '{command}' command"
            )


def _check_tunnel_options(tunnel_type: str, options: set[str]) -> None:
    row = TUNNEL_COMPATIBILITY[tunnel_type]
    first_exclusive: str | None = None
    for name, rule in zip(TUNNEL_OPTIONS, row, strict=True):
        if name not in options:
            if rule == "+":
                raise Fail(
                    f"You need to supply the '{name}' option for the '{tunnel_type}' tunnel type"
                )
            continue
        if rule == "x":
            raise Fail(f"Illegal '{name}' option with the '{tunnel_type}' tunnel type")
        if rule == "1":
            if first_exclusive is None:
                first_exclusive = name
                continue
            raise Fail(
                f"The option '{name}' conflicts with the '{first_exclusive}' option "
                f"in the '{tunnel_type}' tunnel type"
            )


_TUNNEL_OPTION_NAMES = frozenset(("tun-type", *TUNNEL_OPTIONS))
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
            _check_tunnel_options(dest.tunnel_type, used)
            for name, checksum in TUNNEL_CHECKSUMS.items():
                if name in used:
                    dest.tunnel_checksum = checksum
    if inv.command == "list":
        sources = any(inv.has(o) for o in _LIST_SOURCES)
        if sources and any(inv.has(o) for o in _LIST_FORMATS):
            raise Fail("options conflicts in the list command")
