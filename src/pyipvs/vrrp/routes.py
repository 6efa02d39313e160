# SPDX-License-Identifier: Apache-2.0
"""``virtual_routes`` / ``virtual_rules`` (and the root ``static_*`` blocks) as values.

A line of keepalived's iproute2-like syntax becomes a :class:`RouteSpec` or a :class:`RuleSpec`;
the state machine carries them in :class:`~pyipvs.vrrp.AddRoutes` /
:class:`~pyipvs.vrrp.RemoveRoutes`, the driver installs them through rtnetlink
(:mod:`pyipvs.vrrp.route_netlink`). Only a common subset is read; any other word raises
:class:`RouteRefused` (the daemon reports it with ``file:line`` and does not start) rather than
being skipped.

Facts from keepalived 2.2.7, seen in a network namespace (``ip route``/``ip rule`` after it
installed a config): its routes and rules carry ``proto keepalived`` (18, ``RTPROT_KEEPALIVED``
in ``<linux/rtnetlink.h>``) unless a ``protocol`` is given, a rule marked ``no_track`` carries no
protocol; a rule without a preference gets one counted down from 16384 over the whole file; it
takes ``preference`` / ``priority`` for a rule's preference (``pref`` and ``prio``: "Unknown rule
option", the rule skipped), ``protocol`` and not ``proto`` for a route ("unknown route
keyword", the route skipped); ``src A [to] DEST``, ``gw`` for ``via`` (deprecated), and
``default`` as the destination.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from pyipvs.errors import PyipvsValueError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

RTPROT_KEEPALIVED = 18  # <linux/rtnetlink.h>
FIRST_RULE_PREFERENCE = 16384  # keepalived's first automatic rule preference, counted down
#: route types keepalived takes before the destination (``<linux/rtnetlink.h>`` RTN_*)
ROUTE_TYPES = {
    "unicast": 1,
    "local": 2,
    "blackhole": 6,
    "unreachable": 7,
    "prohibit": 8,
    "throw": 9,
}
_SCOPES = {"global": 0, "universe": 0, "site": 200, "link": 253, "host": 254, "nowhere": 255}
_TABLES = {"default": 253, "main": 254, "local": 255}
_PROTOCOLS = {"redirect": 1, "kernel": 2, "boot": 3, "static": 4, "keepalived": 18}
_NAME_FILES = ("/etc/iproute2/{}", "/usr/share/iproute2/{}", "/usr/lib/iproute2/{}")


class RouteRefused(PyipvsValueError):
    """A route or rule line pyipvs does not read (the message says which word)."""


@dataclass(frozen=True)
class RouteSpec:
    """One route: ``[TYPE] [src ADDR] [to] DEST [via GW] [dev IF] [onlink] [table T]
    [metric|priority N] [scope S] [protocol P] [no_track]``."""

    dst: Network
    kind: str = "unicast"
    src: IPAddress | None = None
    gateway: IPAddress | None = None
    dev: str | None = None
    table: int = 254
    metric: int | None = None
    scope: int | None = None
    protocol: int = RTPROT_KEEPALIVED
    onlink: bool = False

    def __str__(self) -> str:
        words = [] if self.kind == "unicast" else [self.kind]
        words.append(str(self.dst))
        for key, value in (("via", self.gateway), ("dev", self.dev), ("src", self.src)):
            if value is not None:
                words += [key, str(value)]
        if self.table != 254:
            words += ["table", str(self.table)]
        if self.metric is not None:
            words += ["metric", str(self.metric)]
        return " ".join(words)


@dataclass(frozen=True)
class RuleSpec:
    """One rule: ``[not] [from P|all] [to P|all] [iif IF] [oif IF] [fwmark M[/MASK]]
    table T [preference|priority N] [no_track]``."""

    family: int
    table: int
    priority: int
    src: Network | None = None
    dst: Network | None = None
    iif: str | None = None
    oif: str | None = None
    fwmark: int | None = None
    fwmask: int | None = None
    invert: bool = False
    protocol: int | None = RTPROT_KEEPALIVED

    def __str__(self) -> str:
        words = [str(self.priority) + ":"] + (["not"] if self.invert else [])
        words += ["from", str(self.src) if self.src else "all"]
        if self.dst is not None:
            words += ["to", str(self.dst)]
        return " ".join([*words, "lookup", str(self.table)])


Spec = RouteSpec | RuleSpec


def _named(value: str, known: dict[str, int], file: str, what: str, top: int) -> int:
    """A number, a built-in name, or a name from iproute2's *file* (``rt_tables`` ...)."""
    found: int | None
    try:
        found = int(value, 0)
    except ValueError:
        found = known.get(value)
        if found is None and file:
            found = _from_name_file(file, value)
    if found is None:
        raise RouteRefused(f"unknown {what} '{value}'")
    number = found
    if not 0 <= number <= top:
        raise RouteRefused(f"{what} '{value}' out of range")
    return number


def _from_name_file(file: str, name: str) -> int | None:
    for pattern in _NAME_FILES:
        path = Path(pattern.format(file))
        if not path.is_file():
            continue
        for line in path.read_text(errors="replace").splitlines():
            words = line.split("#")[0].split()
            if len(words) == 2 and words[1] == name and words[0].isdigit():
                return int(words[0])
    return None


def _network(text: str, family: int | None = None) -> Network:
    if text == "default":
        return ipaddress.ip_network("::/0" if family == 6 else "0.0.0.0/0")
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise RouteRefused(f"invalid address or prefix '{text}'") from None


def _address(text: str) -> IPAddress:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise RouteRefused(f"invalid address '{text}'") from None


def _takes_value(words: tuple[str, ...], i: int) -> str:
    if i + 1 >= len(words):
        raise RouteRefused(f"'{words[i]}' needs a value")
    return words[i + 1]


def parse_route(words: tuple[str, ...]) -> RouteSpec:
    """The route a ``virtual_routes`` / ``static_routes`` line describes.

    :raises RouteRefused: a word outside the subset read here, or a bad value.
    """
    fields: dict[str, object] = {}
    dst_text: str | None = None
    i = 0
    while i < len(words):
        word = words[i]
        if word in ROUTE_TYPES and dst_text is None and "kind" not in fields:
            fields["kind"] = word
            i += 1
            continue
        if word in ("onlink", "no_track"):
            fields["onlink"] = fields.get("onlink", False) or word == "onlink"
            i += 1
            continue
        if word == "to" and dst_text is None:
            i += 1
            continue
        if word not in _ROUTE_OPTIONS:
            if dst_text is not None or word in _ROUTE_REFUSED_VALUED:
                raise RouteRefused(f"route option '{word}' is not supported by pyipvs")
            dst_text = word
            i += 1
            continue
        fields[_ROUTE_OPTIONS[word]] = _takes_value(words, i)
        i += 2
    if dst_text is None:
        raise RouteRefused("route without a destination")
    return _route(dst_text, fields)


_ROUTE_OPTIONS = {
    "src": "src",
    "via": "gateway",
    "gw": "gateway",
    "dev": "dev",
    "table": "table",
    "metric": "metric",
    "priority": "metric",
    "scope": "scope",
    "protocol": "protocol",
}
# words of ip-route(8) / keepalived with a value that pyipvs does not install
_ROUTE_REFUSED_VALUED = frozenset(
    " ".join(
        (
            "or nexthop tos dsfield mtu advmss rtt rttvar reordering",
            "window cwnd ssthresh realms rto_min initcwnd initrwnd features quickack",
            "congctl pref expires hoplimit vrf encap track_group proto preference",
            "fastopen_no_cookie ttl-propagate lock weight append",
        )
    ).split()
)


def _route(dst_text: str, fields: dict[str, object]) -> RouteSpec:
    gateway = _address(str(fields["gateway"])) if "gateway" in fields else None
    src = _address(str(fields["src"])) if "src" in fields else None
    known = gateway or src
    dst = _network(dst_text, known.version if known is not None else None)
    for other in (gateway, src):
        if other is not None and other.version != dst.version:
            raise RouteRefused(f"route {dst}: {other} is not of its address family")
    kind = str(fields.get("kind", "unicast"))
    return RouteSpec(
        dst=dst,
        kind=kind,
        src=src,
        gateway=gateway,
        dev=str(fields["dev"]) if "dev" in fields else None,
        table=_named(str(fields.get("table", "main")), _TABLES, "rt_tables", "table", 2**32 - 1),
        metric=_named(str(fields["metric"]), {}, "", "metric", 2**32 - 1)
        if "metric" in fields
        else None,
        scope=_named(str(fields["scope"]), _SCOPES, "rt_scopes", "scope", 255)
        if "scope" in fields
        else None,
        protocol=_named(str(fields["protocol"]), _PROTOCOLS, "rt_protos", "protocol", 255)
        if "protocol" in fields
        else RTPROT_KEEPALIVED,
        onlink=bool(fields.get("onlink", False)),
    )


_RULE_OPTIONS = {
    "from": "src",
    "to": "dst",
    "iif": "iif",
    "oif": "oif",
    "fwmark": "fwmark",
    "table": "table",
    "preference": "priority",
    "priority": "priority",
}


def parse_rule(words: tuple[str, ...], next_preference: int) -> RuleSpec:
    """The rule a ``virtual_rules`` / ``static_rules`` line describes; *next_preference* is
    the preference it gets when it names none (keepalived's count-down).

    :raises RouteRefused: a word outside the subset read here, a bad value, no table.
    """
    fields: dict[str, str] = {}
    invert = no_track = False
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("not", "no_track"):
            invert, no_track = invert or word == "not", no_track or word == "no_track"
            i += 1
        elif word in _RULE_OPTIONS:
            fields[_RULE_OPTIONS[word]] = _takes_value(words, i)
            i += 2
        else:
            raise RouteRefused(f"rule option '{word}' is not supported by pyipvs")
    if "table" not in fields:
        raise RouteRefused("rule without a table (only 'table' rules are supported)")
    src = None if fields.get("src", "all") == "all" else _network(fields["src"])
    dst = None if fields.get("dst", "all") == "all" else _network(fields["dst"])
    if src is not None and dst is not None and src.version != dst.version:
        raise RouteRefused("rule mixes address families")
    mark, mask = _fwmark(fields.get("fwmark"))
    either = src or dst
    return RuleSpec(
        family=either.version if either is not None else 4,
        table=_named(fields["table"], _TABLES, "rt_tables", "table", 2**32 - 1),
        priority=_named(fields["priority"], {}, "", "preference", 2**32 - 1)
        if "priority" in fields
        else next_preference,
        src=src,
        dst=dst,
        iif=fields.get("iif"),
        oif=fields.get("oif"),
        fwmark=mark,
        fwmask=mask,
        invert=invert,
        protocol=None if no_track else RTPROT_KEEPALIVED,
    )


def _fwmark(text: str | None) -> tuple[int | None, int | None]:
    if text is None:
        return None, None
    mark, _, mask = text.partition("/")
    try:
        return int(mark, 0), int(mask, 0) if mask else None
    except ValueError:
        raise RouteRefused(f"invalid fwmark '{text}'") from None


def rule_has_preference(words: tuple[str, ...]) -> bool:
    return "preference" in words or "priority" in words
