# SPDX-License-Identifier: Apache-2.0
"""The IPVS value objects: virtual services, real servers, statistics, timeouts, sync daemons and
connections.

All are frozen dataclasses validated on construction: a bad value raises
:class:`~pyipvs.errors.PyipvsValueError` naming the argument. Addresses are :mod:`ipaddress`
objects; strings are accepted and normalised. Counters and statistics are attached by listings
and ignored by equality, so a listed service compares equal to the one that was added.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyipvs._cache import remember
from pyipvs.errors import PyipvsValueError

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import Literal, TypeVar

    _T = TypeVar("_T")
    # Annotation-only aliases (every module here has postponed annotations).
    Protocol = Literal["tcp", "udp", "sctp"]
    Family = Literal["inet", "inet6"]
    Forward = Literal["masq", "local", "tunnel", "route", "bypass"]
    TunnelType = Literal["ipip", "gue", "gre"]
    TunnelChecksum = Literal["nocsum", "csum", "remcsum"]
    DaemonState = Literal["master", "backup"]


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

PROTOCOLS: tuple[str, ...] = ("tcp", "udp", "sctp")
FAMILIES: tuple[str, ...] = ("inet", "inet6")
FORWARDS: tuple[str, ...] = ("masq", "local", "tunnel", "route", "bypass")
TUNNEL_TYPES: tuple[str, ...] = ("ipip", "gue", "gre")
TUNNEL_CHECKSUMS: tuple[str, ...] = ("nocsum", "csum", "remcsum")
DAEMON_STATES: tuple[str, ...] = ("master", "backup")
SCHED_FLAGS: tuple[str, ...] = (
    "flag-1",
    "flag-2",
    "flag-3",
    "sh-fallback",
    "sh-port",
    "mh-fallback",
    "mh-port",
)
# The kernel has three scheduler flag bits; sh and mh give the first two their own names
# (ip_vs.h: IP_VS_SVC_F_SCHED_SH_FALLBACK == IP_VS_SVC_F_SCHED_MH_FALLBACK == FLAG1, and so on).
# A service names each bit the way its scheduler does, so one the kernel lists back is equal
# to the one added, whichever alias the caller used.
#: Each scheduler flag name -> its bit among the three (1, 2, 4; the kernel's are these << 3).
SCHED_FLAG_BITS = {
    "flag-1": 1,
    "sh-fallback": 1,
    "mh-fallback": 1,
    "flag-2": 2,
    "sh-port": 2,
    "mh-port": 2,
    "flag-3": 4,
}
_BIT_NAMES = {
    "sh": {1: "sh-fallback", 2: "sh-port", 4: "flag-3"},
    "mh": {1: "mh-fallback", 2: "mh-port", 4: "flag-3"},
}
_PLAIN_NAMES = {1: "flag-1", 2: "flag-2", 4: "flag-3"}


def _flag_name(name: str, scheduler: str) -> str:
    return _BIT_NAMES.get(scheduler, _PLAIN_NAMES)[SCHED_FLAG_BITS[name]]


#: The schedulers of a 6.x kernel (twos needs CONFIG_IP_VS_TWOS; Debian 6.1 lacks it).
SCHEDULERS: tuple[str, ...] = (
    "rr",
    "wrr",
    "lc",
    "wlc",
    "lblc",
    "lblcr",
    "dh",
    "sh",
    "sed",
    "nq",
    "fo",
    "ovf",
    "mh",
    "twos",
    "none",
)

INT_MAX = 2**31 - 1
U32_MAX = 2**32 - 1
NAME_MAX = 15  # IP_VS_SCHEDNAME_MAXLEN / PENAME / IFNAME are 16 including the NUL
_NAME = re.compile(r"^[A-Za-z0-9_.:-]+$")
_DEFAULT_MASK4 = ipaddress.IPv4Address("255.255.255.255")


def _fail(argument: str, problem: str) -> PyipvsValueError:
    return PyipvsValueError(f"{argument}: {problem}")


def _choice(argument: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _fail(argument, f"{value!r} is not one of {', '.join(choices)}")
    return value


def _int(argument: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(argument, f"{value!r} is not an integer")
    if not low <= value <= high:
        raise _fail(argument, f"{value} is out of range {low}..{high}")
    return value


# Parsed address strings (immutable results; a table names the same real servers many times).
_PARSED: dict[str, IPAddress] = {}


def _address(argument: str, value: object) -> IPAddress:
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return value
    if isinstance(value, str):
        address = _PARSED.get(value)
        if address is not None:
            return address
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            pass
        else:
            return remember(_PARSED, value, address, 1 << 16)
    raise _fail(argument, f"{value!r} is not an IPv4 or IPv6 address")


def _family_of(address: IPAddress) -> Family:
    return "inet" if address.version == 4 else "inet6"


def _name(argument: str, value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > NAME_MAX or not _NAME.match(value):
        raise _fail(argument, f"{value!r} is not a name of 1..{NAME_MAX} characters")
    return value


class _CachesC:
    """Value objects keep their C forms in __dict__ (outside the fields); pickling and
    copying leave them out, since another version of pyipvs may lay them out differently."""

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


def _set(obj: object, name: str, value: object) -> None:
    # The frozen dataclasses refuse setattr; their fields live in __dict__ (no slots).
    obj.__dict__[name] = value


@dataclass(frozen=True)
class Stats:
    """Counters and rate estimates of a service or real server (64-bit, from STATS64)."""

    connections: int = 0
    packets_in: int = 0
    packets_out: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    cps: int = 0
    pps_in: int = 0
    pps_out: int = 0
    bps_in: int = 0
    bps_out: int = 0


@dataclass(frozen=True)
class VirtualService(_CachesC):
    """A virtual service: protocol + address + port, or a firewall mark.

    ``netmask`` is an IPv4 mask for ``inet`` (default 255.255.255.255) and a prefix length
    1..128 for ``inet6`` (default 128); it groups clients for persistence.
    """

    protocol: Protocol | None = None
    address: IPAddress | None = None
    port: int | None = None
    fwmark: int | None = None
    family: Family | None = None
    scheduler: str = "wlc"
    persistence_timeout: int | None = None
    netmask: ipaddress.IPv4Address | int | None = None
    one_packet: bool = False
    sched_flags: frozenset[str] = frozenset()
    pe_name: str | None = None
    stats: Stats | None = field(default=None, compare=False, repr=False)

    def __init__(
        self,
        protocol: str | None = None,
        address: IPAddress | str | None = None,
        port: int | None = None,
        *,
        fwmark: int | None = None,
        family: str | None = None,
        scheduler: str = "wlc",
        persistence_timeout: int | None = None,
        netmask: ipaddress.IPv4Address | str | int | None = None,
        one_packet: bool = False,
        sched_flags: Iterable[str] = frozenset(),
        pe_name: str | None = None,
        stats: Stats | None = None,
    ) -> None:
        self.__dict__.update(
            protocol=protocol,
            address=address,
            port=port,
            fwmark=fwmark,
            family=family,
            scheduler=scheduler,
            persistence_timeout=persistence_timeout,
            netmask=netmask,
            one_packet=one_packet,
            sched_flags=sched_flags,
            pe_name=pe_name,
            stats=stats,
        )
        self.__post_init__()

    def __post_init__(self) -> None:
        if self.fwmark is not None:
            self._check_fwmark_identity()
        else:
            self._check_address_identity()
        _name("scheduler", self.scheduler)
        if self.persistence_timeout is not None:
            _int("persistence_timeout", self.persistence_timeout, 1, U32_MAX)
        _set(self, "netmask", self._normalised_netmask())
        if not isinstance(self.one_packet, bool):
            raise _fail("one_packet", f"{self.one_packet!r} is not a bool")
        _set(self, "sched_flags", self._normalised_flags())
        if self.pe_name is not None:
            _name("pe_name", self.pe_name)
        if self.stats is not None and not isinstance(self.stats, Stats):
            raise _fail("stats", f"{self.stats!r} is not a Stats")

    def _check_fwmark_identity(self) -> None:
        _int("fwmark", self.fwmark, 1, U32_MAX)
        for name in ("protocol", "address", "port"):
            if getattr(self, name) is not None:
                raise _fail(name, "must be None for a fwmark service")
        family = "inet" if self.family is None else self.family
        _set(self, "family", _choice("family", family, FAMILIES))

    def _check_address_identity(self) -> None:
        if self.protocol is None or self.address is None or self.port is None:
            missing = [n for n in ("protocol", "address", "port") if getattr(self, n) is None]
            raise _fail(missing[0], "required unless fwmark is given")
        _choice("protocol", self.protocol, PROTOCOLS)
        address = _address("address", self.address)
        _set(self, "address", address)
        _int("port", self.port, 0, 65535)
        derived = _family_of(address)
        if self.family is not None and self.family != derived:
            raise _fail("family", f"{self.family!r} does not match address {address}")
        _set(self, "family", derived)

    def _normalised_netmask(self) -> ipaddress.IPv4Address | int:
        mask = self.netmask
        if self.family == "inet6":
            if mask is None:
                return 128
            return _int("netmask", mask, 1, 128)
        if mask is None:
            return _DEFAULT_MASK4
        if isinstance(mask, (str, ipaddress.IPv4Address)):
            try:
                network = ipaddress.IPv4Network(f"0.0.0.0/{mask}")
            except ValueError:
                raise _fail("netmask", f"{mask!r} is not an IPv4 netmask") from None
            return network.netmask
        if isinstance(mask, int) and not isinstance(mask, bool) and 0 <= mask <= 32:
            return ipaddress.IPv4Network(f"0.0.0.0/{mask}").netmask
        raise _fail("netmask", f"{mask!r} is not an IPv4 netmask")

    def _normalised_flags(self) -> frozenset[str]:
        flags = self.sched_flags
        if isinstance(flags, str):
            raise _fail("sched_flags", "must be a collection of flag names, not a string")
        try:
            names = frozenset(flags)
        except TypeError:
            raise _fail("sched_flags", f"{flags!r} is not a collection") from None
        for name in names:
            _choice("sched_flags", name, SCHED_FLAGS)
        return frozenset(_flag_name(name, self.scheduler) for name in names)

    @property
    def key(self) -> tuple[str | None, str | None, IPAddress | None, int | None, int | None]:
        """The identity of the service: (family, protocol, address, port, fwmark)."""
        return (self.family, self.protocol, self.address, self.port, self.fwmark)

    @property
    def persistent(self) -> bool:
        return self.persistence_timeout is not None

    def __str__(self) -> str:
        if self.fwmark is not None:
            suffix = " IPv6" if self.family == "inet6" else ""
            return f"FWM {self.fwmark}{suffix}"
        host = f"[{self.address}]" if self.family == "inet6" else str(self.address)
        return f"{str(self.protocol).upper()} {host}:{self.port}"


@dataclass(frozen=True)
class RealServer(_CachesC):
    """A real server (destination) of a virtual service."""

    address: IPAddress
    port: int = 0
    weight: int = 1
    forward: Forward = "route"
    upper_threshold: int = 0
    lower_threshold: int = 0
    tunnel_type: TunnelType = "ipip"
    tunnel_port: int = 0
    tunnel_checksum: TunnelChecksum = "nocsum"
    family: Family | None = None
    active_connections: int = field(default=0, compare=False)
    inactive_connections: int = field(default=0, compare=False)
    persistent_connections: int = field(default=0, compare=False)
    stats: Stats | None = field(default=None, compare=False, repr=False)

    def __init__(
        self,
        address: IPAddress | str,
        port: int = 0,
        *,
        weight: int = 1,
        forward: str = "route",
        upper_threshold: int = 0,
        lower_threshold: int = 0,
        tunnel_type: str = "ipip",
        tunnel_port: int = 0,
        tunnel_checksum: str = "nocsum",
        family: str | None = None,
        active_connections: int = 0,
        inactive_connections: int = 0,
        persistent_connections: int = 0,
        stats: Stats | None = None,
    ) -> None:
        self.__dict__.update(
            address=address,
            port=port,
            weight=weight,
            forward=forward,
            upper_threshold=upper_threshold,
            lower_threshold=lower_threshold,
            tunnel_type=tunnel_type,
            tunnel_port=tunnel_port,
            tunnel_checksum=tunnel_checksum,
            family=family,
            active_connections=active_connections,
            inactive_connections=inactive_connections,
            persistent_connections=persistent_connections,
            stats=stats,
        )
        self.__post_init__()

    def __post_init__(self) -> None:
        address = _address("address", self.address)
        _set(self, "address", address)
        derived = _family_of(address)
        if self.family is not None and self.family != derived:
            raise _fail("family", f"{self.family!r} does not match address {address}")
        _set(self, "family", derived)
        _int("port", self.port, 0, 65535)
        _int("weight", self.weight, 0, INT_MAX)  # the kernel reads an int, refuses < 0
        _choice("forward", self.forward, FORWARDS)
        _int("upper_threshold", self.upper_threshold, 0, INT_MAX)
        _int("lower_threshold", self.lower_threshold, 0, INT_MAX)
        _choice("tunnel_type", self.tunnel_type, TUNNEL_TYPES)
        _int("tunnel_port", self.tunnel_port, 0, 65535)
        _choice("tunnel_checksum", self.tunnel_checksum, TUNNEL_CHECKSUMS)
        for name in ("active_connections", "inactive_connections", "persistent_connections"):
            _int(name, getattr(self, name), 0, U32_MAX)
        if self.stats is not None and not isinstance(self.stats, Stats):
            raise _fail("stats", f"{self.stats!r} is not a Stats")

    @property
    def key(self) -> tuple[str | None, IPAddress, int]:
        """The identity of the real server within its service: (family, address, port)."""
        return (self.family, self.address, self.port)


@dataclass(frozen=True)
class Timeouts:
    """Connection timeouts in seconds; 0 in :meth:`Ipvs.set_timeouts` leaves a value alone."""

    tcp: int = 0
    tcp_fin: int = 0
    udp: int = 0

    def __post_init__(self) -> None:
        for name in ("tcp", "tcp_fin", "udp"):
            _int(name, getattr(self, name), 0, INT_MAX)


@dataclass(frozen=True)
class SyncDaemon:
    """A connection-synchronisation daemon (master sends, backup receives)."""

    state: DaemonState
    interface: str
    syncid: int = 0
    maxlen: int | None = None
    mcast_group: IPAddress | None = None
    mcast_port: int | None = None
    mcast_ttl: int | None = None

    def __init__(
        self,
        state: str,
        interface: str,
        syncid: int = 0,
        *,
        maxlen: int | None = None,
        mcast_group: IPAddress | str | None = None,
        mcast_port: int | None = None,
        mcast_ttl: int | None = None,
    ) -> None:
        values = locals()
        for name in self.__dataclass_fields__:
            _set(self, name, values[name])
        self.__post_init__()

    def __post_init__(self) -> None:
        _choice("state", self.state, DAEMON_STATES)
        _name("interface", self.interface)
        _int("syncid", self.syncid, 0, 255)
        if self.maxlen is not None:
            _int("maxlen", self.maxlen, 1, 65507)
        if self.mcast_group is not None:
            group = _address("mcast_group", self.mcast_group)
            if not group.is_multicast:
                raise _fail("mcast_group", f"{group} is not a multicast address")
            _set(self, "mcast_group", group)
        if self.mcast_port is not None:
            _int("mcast_port", self.mcast_port, 1, 65535)
        if self.mcast_ttl is not None:
            _int("mcast_ttl", self.mcast_ttl, 1, 255)


@dataclass(frozen=True)
class Connection:
    """One entry of ``/proc/net/ip_vs_conn``."""

    protocol: str
    client_address: IPAddress
    client_port: int
    virtual_address: IPAddress
    virtual_port: int
    destination_address: IPAddress
    destination_port: int
    state: str
    expires: int
    pe_name: str | None = None
    pe_data: str | None = None


__all__ = [
    "DAEMON_STATES",
    "FAMILIES",
    "FORWARDS",
    "PROTOCOLS",
    "SCHEDULERS",
    "SCHED_FLAGS",
    "TUNNEL_CHECKSUMS",
    "TUNNEL_TYPES",
    "Connection",
    "IPAddress",
    "RealServer",
    "Stats",
    "SyncDaemon",
    "Timeouts",
    "VirtualService",
]


def require(argument: str, value: object, cls: type[_T]) -> _T:
    """value, if it is a cls; else the error naming the argument (for the handle and ops)."""
    if not isinstance(value, cls):
        raise PyipvsValueError(f"{argument}: {value!r} is not a {cls.__name__}")
    return value


def build(cls: type[_T], values: dict[str, object]) -> _T:
    """An instance from values the kernel reported, skipping validation (the listing hot path
    of :mod:`pyipvs.ipvs.convert`; not for values from anywhere else)."""
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj
