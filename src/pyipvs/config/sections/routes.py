# SPDX-License-Identifier: Apache-2.0
"""``virtual_routes`` / ``virtual_rules`` and the root ``static_*`` blocks.

Routes and rules are kept as their words (iproute2-like syntax, applied later through rtnetlink);
here they get the checks keepalived 2.2.7 makes at ``-t``: deprecated ``or``/``gw``, routes a
VRRP instance cannot track, rules without a preference, unparsable rule addresses, interfaces
that do not exist.
"""

from __future__ import annotations

import ipaddress

from pyipvs.config.model import VirtualIp
from pyipvs.config.tree import Node
from pyipvs.config.values import Context, Fields, Keyword, interface_exists

ROUTE_TYPES = frozenset({"blackhole", "unreachable", "prohibit", "throw", "local", "unicast"})
RULE_PREFERENCE = frozenset({"preference", "priority"})
# ip-rule(8) spellings keepalived 2.2.7 does not take: "Unknown rule option", the rule skipped
# (seen with keepalived -t; its preference count-down goes on without it)
RULE_UNKNOWN = ("pref", "prio")
DEPRECATED_ROUTE_WORDS = {"or": "nexthop", "gw": "via"}


def route_destination(words: tuple[str, ...]) -> str:
    """The destination of a route line: the first word that is neither an option nor its value."""
    i = 0
    while i < len(words):
        if words[i] == "src":
            i += 2
        elif words[i] in ROUTE_TYPES:
            i += 1
        else:
            break
    if i >= len(words):
        return ""
    try:
        return str(ipaddress.ip_network(words[i], strict=False))
    except ValueError:
        return words[i]


def check_route(ctx: Context, node: Node, words: tuple[str, ...], tracked: bool) -> None:
    for old, new in DEPRECATED_ROUTE_WORDS.items():
        if old in words:
            ctx.warn(node, f'"{old}" for routes is deprecated. Please use "{new}"')
    devices = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "dev"]
    if ctx.check_interfaces:
        for device in devices:
            if not interface_exists(device):
                ctx.warn(node, f"WARNING - interface {device} for VROUTE nexthop doesn't exist")
    if tracked and not devices and "no_track" not in words:
        destination = route_destination(words)
        ctx.warn(
            node,
            f"Warning - cannot track route {destination} with no interface specified, not tracking",
        )


def check_rule(ctx: Context, node: Node, words: tuple[str, ...], counter: list[int]) -> bool:
    """False when keepalived would skip the rule (an address it cannot parse, an option it
    does not know)."""
    for word in RULE_UNKNOWN:
        if word in words:
            ctx.error(node, f"Unknown rule option {word}")
            return False
    for i, word in enumerate(words[:-1]):
        if word in ("from", "to") and words[i + 1] != "all":
            try:
                ipaddress.ip_network(words[i + 1], strict=False)
            except ValueError:
                ctx.error(node, f"Invalid rule {word} address {words[i + 1]}")
                return False
    if not RULE_PREFERENCE.intersection(words):
        counter[0] -= 1
        ctx.warn(
            node,
            f"Rule has no preference specified - setting to {counter[0]}."
            " This is probably not what you want.",
        )
    return True


def routes_keyword(field: str, tracked: bool) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        rows: list[tuple[str, ...]] = fields.setdefault(field, [])
        for child in node.children or ():
            words = (child.keyword, *child.args)
            check_route(ctx, child, words, tracked)
            rows.append(words)

    return Keyword(handler, block=True)


def rules_keyword(field: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        rows: list[tuple[str, ...]] = fields.setdefault(field, [])
        counter = fields.setdefault("_rule_preference", [16385])
        for child in node.children or ():
            words = (child.keyword, *child.args)
            if check_rule(ctx, child, words, counter):
                rows.append(words)

    return Keyword(handler, block=True)


def check_vip_device(ctx: Context, node: Node, vip: VirtualIp) -> None:
    if ctx.check_interfaces and vip.dev is not None and not interface_exists(vip.dev):
        address = vip.address.split("/")[0]
        ctx.warn(node, f"WARNING - interface {vip.dev} for ip address {address} doesn't exist")
