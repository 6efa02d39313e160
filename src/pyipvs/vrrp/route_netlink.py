# SPDX-License-Identifier: Apache-2.0
"""Routes and rules (:mod:`pyipvs.vrrp.routes`) in and out of the kernel through rtnetlink
(pyroute2's ``RTM_NEWROUTE`` / ``RTM_DELROUTE``, ``RTM_NEWRULE`` / ``RTM_DELRULE``).

keepalived's order (``vrrp_state_become_master`` / ``vrrp_restore_interface``, seen in its log
as "setting VIPs", "setting Virtual Routes", "setting Virtual Rules" and the reverse on the way
out): routes after the addresses (a route's ``src`` may be a VIP), rules after the routes; on
removal rules first, then routes. One that is already there (adding) or already gone
(removing) is fine; any other refusal is logged and the rest go on, as keepalived does.
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pyipvs.vrrp.routes import RouteSpec, RuleSpec, Spec
from pyipvs.vrrp.vips import netlink_error

if TYPE_CHECKING:
    from pyroute2 import AsyncIPRoute

log = logging.getLogger("pyipvs.vrrp")
RTNH_F_ONLINK = 4  # <linux/rtnetlink.h>
FIB_RULE_INVERT = 2  # <linux/fib_rules.h>
_HARMLESS = {
    "add": (errno.EEXIST,),
    "del": (errno.ESRCH, errno.ENOENT, errno.EADDRNOTAVAIL),
}


def ordered(specs: Iterable[Spec], add: bool) -> list[Spec]:
    """Routes before rules when adding, rules before routes when removing."""
    routes = [s for s in specs if isinstance(s, RouteSpec)]
    rules = [s for s in specs if isinstance(s, RuleSpec)]
    return routes + rules if add else rules + routes


async def change_routes(ipr: AsyncIPRoute, specs: Iterable[Spec], add: bool) -> None:
    """Adds or removes *specs* (in keepalived's order), each on its own: one refused is
    logged, the others are still applied."""
    command = "add" if add else "del"
    failed = netlink_error()
    for spec in ordered(specs, add):
        try:
            if isinstance(spec, RouteSpec):
                await ipr.route(command, **await _route_attributes(ipr, spec))
            else:
                await ipr.rule(command, **_rule_attributes(spec))
        except failed as exc:
            if getattr(exc, "code", None) not in _HARMLESS[command]:
                log.error("%s %s %s: %s", command, _what(spec), spec, exc)
        except LookupError as exc:
            log.error("%s %s %s: %s", command, _what(spec), spec, exc)


def _what(spec: Spec) -> str:
    return "route" if isinstance(spec, RouteSpec) else "rule"


async def _route_attributes(ipr: AsyncIPRoute, spec: RouteSpec) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "dst": str(spec.dst),
        "family": socket.AF_INET if spec.dst.version == 4 else socket.AF_INET6,
        "type": spec.kind,
        "table": spec.table,
        "proto": spec.protocol,
    }
    if spec.dev is not None:
        found = await ipr.link_lookup(ifname=spec.dev)
        if not found:
            raise LookupError(f"no interface {spec.dev!r}")
        attributes["oif"] = int(found[0])
    optional = {
        "gateway": spec.gateway,
        "prefsrc": spec.src,
        "priority": spec.metric,
        "scope": spec.scope,
    }
    for key, value in optional.items():
        if value is not None:
            attributes[key] = value if isinstance(value, int) else str(value)
    if spec.onlink:
        attributes["flags"] = RTNH_F_ONLINK
    return attributes


def _rule_attributes(spec: RuleSpec) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "family": socket.AF_INET if spec.family == 4 else socket.AF_INET6,
        "table": spec.table,
        "priority": spec.priority,
    }
    for key, network in (("src", spec.src), ("dst", spec.dst)):
        if network is not None:
            attributes[key] = str(network.network_address)
            attributes[f"{key}_len"] = network.prefixlen
    optional = {
        "iifname": spec.iif,
        "oifname": spec.oif,
        "fwmark": spec.fwmark,
        "fwmask": spec.fwmask,
        "protocol": spec.protocol,
    }
    attributes.update({k: v for k, v in optional.items() if v is not None})
    if spec.invert:
        attributes["flags"] = FIB_RULE_INVERT
    return attributes
