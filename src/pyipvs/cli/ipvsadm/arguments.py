# SPDX-License-Identifier: Apache-2.0
"""The values of ipvsadm's options, parsed as ipvsadm 1.31 parses them (numbers, timeouts,
fwmarks, netmasks, addresses with ports, multicast groups, scheduler flags), with its messages.
"""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address

from pyipvs.cli.ipvsadm import cstrings
from pyipvs.cli.ipvsadm.messages import Fail

DEFAULT_PERSISTENCE = 360  # IPVS_SVC_PERSISTENT_TIMEOUT; the man page says 300, the code 360
MAX_TIMEOUT = 86400 * 31
SCHED_FLAGS = ("flag-1", "flag-2", "flag-3")
SCHED_FLAG_ALIASES = {
    "sh-fallback": ("sh", "flag-1"),
    "sh-port": ("sh", "flag-2"),
    "mh-fallback": ("mh", "flag-1"),
    "mh-port": ("mh", "flag-2"),
}


def number_or_fail(text: str, low: int, high: int, message: str) -> int:
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


def parse_netmask(text: str, family: str) -> IPv4Address | int:
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
