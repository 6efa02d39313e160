# SPDX-License-Identifier: Apache-2.0
"""From a keepalived.conf to what the VRRP process runs: one :class:`InstancePlan` per
``vrrp_instance``, and the refusals keepalived does not make.

keepalived 2.2.7 starts, silently and wrongly, with an empty ``unicast_peer { }`` block (it
falls back to multicast, its issue #1643), with an instance mixing address families (it drops
the odd addresses with an error and runs the rest), and with two instances of one VRID on one
interface (they take each other's adverts). ``pyipvs-keepalived -P`` refuses to start with
those, naming ``file:line`` (a documented difference).
"""

from __future__ import annotations

import dataclasses
import fcntl
import ipaddress
import socket
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pyipvs.config import Diagnostic, KeepalivedConfig, ParseResult, Severity
from pyipvs.config import VrrpInstanceConfig as InstanceConf
from pyipvs.config.diagnostics import Reporter
from pyipvs.config.lexer import Lexer
from pyipvs.config.parser import default_config_id
from pyipvs.config.tree import Node, TreeBuilder
from pyipvs.config.values import TRUE_WORDS
from pyipvs.daemon.vrrp.routes import (
    RulePreferences,
    route_blocks,
    route_refusals,
    specs,
    static_specs,
)
from pyipvs.daemon.vrrp.track import tracked_weights
from pyipvs.errors import PyipvsValueError
from pyipvs.vrrp import VrrpConfig
from pyipvs.vrrp.garp_schedule import GarpTiming
from pyipvs.vrrp.routes import RouteRefused, Spec
from pyipvs.vrrp.vips import VipSpec, vip_spec
from pyipvs.vrrp.vmac import Vmac, default_name

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Finds this router's own address on an interface: (interface, family) -> address.
PrimaryLookup = Callable[[str, int], IPAddress]
_MIXED_FAMILY = "address family must match VRRP instance"
_SIOCGIFADDR = 0x8915  # <linux/sockios.h>


@dataclass(frozen=True)
class InstancePlan:
    """Everything one instance's driver is built from; two equal plans run identically."""

    name: str
    interface: str
    config: VrrpConfig
    unicast_peers: tuple[IPAddress, ...] = ()
    garp_repeat: int = 5
    v3_ipv4_pseudo_header: bool = True
    #: ``old_unicast_checksum``: "auto" (keepalived's default), "always" or "never"
    old_unicast_checksum: str = "auto"
    unicast_ttl: int = 255
    #: drop adverts from anything but a unicast peer (and outside its TTL range)
    check_unicast_src: bool = False
    #: each unicast peer's (address, min_ttl, max_ttl)
    peer_ttls: tuple[tuple[IPAddress, int, int], ...] = ()
    track_interface: bool = True  # FAULT while its own interface is down (dont_track_primary)
    #: how each virtual address is installed (``dev``, prefix, ``brd``, ``label``, ``scope``)
    vips: tuple[VipSpec, ...] = ()
    #: ``virtual_ipaddress_excluded``: installed with the addresses, not advertised
    excluded: tuple[IPAddress, ...] = ()
    #: ``garp_master_delay`` / ``garp_master_refresh`` (``_repeat``), instance over global
    garp_timing: GarpTiming = dataclasses.field(default_factory=GarpTiming)
    #: ``use_vmac`` / ``vmac_xmit_base``: the VMAC the instance makes on its interface
    vmac: Vmac | None = None

    def same_but_addresses(self, other: InstancePlan) -> bool:
        """Whether *other* differs from this plan in its virtual addresses, routes and rules
        at most (an address kept with another ``dev`` or prefix is a change of more)."""
        mine = {v.address: v for v in self.vips}
        if any(mine.get(v.address, v) != v for v in other.vips):
            return False
        moved = dataclasses.replace(
            self.config, addresses=other.config.addresses, routes=other.config.routes
        )
        return dataclasses.replace(self, config=moved, vips=other.vips) == other


# ===== refusals =====


def vrrp_refusals(result: ParseResult, path: str, config_id: str | None) -> list[Diagnostic]:
    """The problems that stop ``-P`` from starting (each with ``file:line``)."""
    refused = [
        Diagnostic(d.file, d.line, Severity.FATAL, d.message)
        for d in result.diagnostics
        if _MIXED_FAMILY in d.message
    ]
    top = top_nodes(path, config_id)
    nodes = instance_nodes(path, config_id, top)
    config = result.config
    for inst in config.vrrp_instances:
        node = nodes.get(inst.name)
        where = (node.file, node.line) if node is not None else (path, 0)
        refused.extend(_instance_refusals(inst, node, where))
        if node is not None:
            refused.extend(route_refusals(route_blocks(node.children or ())))
    refused.extend(route_refusals(route_blocks(top)))
    refused.extend(_vrid_clashes(config, nodes, path))
    return refused


def _instance_refusals(
    inst: InstanceConf, node: Node | None, where: tuple[str, int]
) -> Iterator[Diagnostic]:
    peers_node = _child(node, "unicast_peer")
    if peers_node is not None and not inst.unicast_peer:
        yield _fatal(
            peers_node.file,
            peers_node.line,
            f"({inst.name}) unicast_peer block is empty: refusing to fall back to multicast",
        )
    family = _family(inst)
    for peer in inst.unicast_peer:
        if ipaddress.ip_address(peer.address).version != family:
            yield _fatal(
                *_at(peers_node, where),
                f"({inst.name}) unicast peer {peer.address} is not IPv{family} like the"
                " virtual addresses",
            )
    yield from _vmac_refusals(inst.name, node)
    for keyword in ("unicast_src_ip", "mcast_src_ip"):
        text = getattr(inst, keyword)
        if text is not None and ipaddress.ip_address(text).version != family:
            yield _fatal(
                *_at(_child(node, keyword), where),
                f"({inst.name}) {keyword} {text} is not IPv{family} like the virtual addresses",
            )


_NOT_BUILT = ("use_vmac_addr", "use_ipvlan", "vmac_xmit_base_ipvlan")


def _vmac_refusals(name: str, node: Node | None) -> Iterator[Diagnostic]:
    """What of keepalived's VMAC options ``-P`` does not build: a MAC of one's own, ipvlan,
    VMACs for addresses on other interfaces."""
    children = (node.children or ()) if node is not None else ()
    for child in children:
        what = None
        if child.keyword == "use_vmac" and len(child.args) > 1:
            what = "use_vmac for a MAC address of its own"
        elif child.keyword in _NOT_BUILT:
            what = child.keyword
        if what is not None:
            yield _fatal(child.file, child.line, f"({name}) {what} is not supported by pyipvs")
        if child.keyword in ("virtual_ipaddress", "virtual_ipaddress_excluded"):
            for entry in child.children or ():
                if "use_vmac" in entry.args:
                    text = f"({name}) use_vmac on a virtual address is not supported by pyipvs"
                    yield _fatal(entry.file, entry.line, text)


def _vrid_clashes(
    config: KeepalivedConfig, nodes: dict[str, Node], path: str
) -> Iterator[Diagnostic]:
    seen: dict[tuple[object, ...], str] = {}
    for inst in config.vrrp_instances:
        if inst.virtual_router_id is None:
            continue
        key = (inst.virtual_router_id, _family(inst), inst.interface)
        node = nodes.get(inst.name)
        if key in seen:
            yield _fatal(
                *_at(node, (path, 0)),
                f"({inst.name}) VRID {inst.virtual_router_id} on interface {inst.interface} is"
                f" already used by {seen[key]} (IPv{key[1]}): they would take each other's"
                " adverts",
            )
        else:
            seen[key] = inst.name


def top_nodes(path: str, config_id: str | None) -> list[Node]:
    """The file's top-level blocks and lines (includes, macros and ``@id`` lines applied)."""
    reporter = Reporter()
    tree = TreeBuilder(reporter)
    lexer = Lexer(reporter, config_id or default_config_id(), tree=tree)
    if not lexer.read_main(path):
        return []
    return list(tree.finish(path))


def instance_nodes(
    path: str, config_id: str | None, top: list[Node] | None = None
) -> dict[str, Node]:
    """The ``vrrp_instance`` blocks of the file (of *top*, read when not given), by name,
    the first of a name winning as in the reader."""
    nodes: dict[str, Node] = {}
    for node in top_nodes(path, config_id) if top is None else top:
        if node.keyword == "vrrp_instance" and node.args and node.children is not None:
            nodes.setdefault(node.args[0], node)
    return nodes


def _child(node: Node | None, keyword: str) -> Node | None:
    if node is None or node.children is None:
        return None
    return next((c for c in node.children if c.keyword == keyword), None)


def _at(node: Node | None, where: tuple[str, int]) -> tuple[str, int]:
    return (node.file, node.line) if node is not None else where


def _fatal(file: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(file, line, Severity.FATAL, message)


def _family(inst: InstanceConf) -> int:
    if not inst.virtual_ipaddress:
        return 4
    return ipaddress.ip_interface(inst.virtual_ipaddress[0].address).version


# ===== plans =====


def plan_instances(config: KeepalivedConfig, primary: PrimaryLookup) -> dict[str, InstancePlan]:
    """One plan per instance, by name.

    :raises PyipvsValueError: an instance that cannot run (no interface, no VRID, no address
        of its family on the interface), named.
    """
    preferences = RulePreferences()
    static_specs(config, preferences)  # static_rules come first in the count (file order)
    return {inst.name: _plan(inst, config, primary, preferences) for inst in config.vrrp_instances}


def plan_statics(config: KeepalivedConfig) -> tuple[Spec, ...]:
    """``static_routes`` and ``static_rules``.

    :raises PyipvsValueError: a line pyipvs cannot install.
    """
    try:
        return static_specs(config, RulePreferences())
    except RouteRefused as exc:
        raise PyipvsValueError(f"static routes / rules: {exc}") from None


def plan_static_addresses(config: KeepalivedConfig) -> tuple[VipSpec, ...]:
    """``static_ipaddress``: installed while the VRRP process runs, each on its ``dev``, else
    on ``global_defs``' ``default_interface`` (keepalived's default: ``eth0``; seen with
    keepalived 2.2.7, an entry without ``dev`` lands on eth0).

    :raises PyipvsValueError: an entry that cannot be installed.
    """
    default = "eth0"
    for keyword, args in config.global_defs.options:
        if keyword == "default_interface" and args:
            default = args[0]
    specs = []
    for vip in config.static_ipaddress:
        try:
            spec = vip_spec(
                vip.address,
                brd=vip.brd,
                dev=vip.dev or default,
                scope=vip.scope,
                label=vip.label,
                nodad="-nodad" not in vip.flags,
            )
        except (ValueError, KeyError) as exc:
            raise PyipvsValueError(f"static_ipaddress {vip.address}: {exc}") from None
        specs.append(spec)
    return tuple(specs)


def _routes(inst: InstanceConf, preferences: RulePreferences) -> tuple[Spec, ...]:
    try:
        return specs(inst.virtual_routes, inst.virtual_rules, preferences)
    except RouteRefused as exc:
        raise PyipvsValueError(f"({inst.name}) virtual_routes / virtual_rules: {exc}") from None


def _plan(
    inst: InstanceConf,
    config: KeepalivedConfig,
    primary: PrimaryLookup,
    preferences: RulePreferences,
) -> InstancePlan:
    gdefs = config.global_defs
    if inst.interface is None or inst.virtual_router_id is None:
        raise PyipvsValueError(f"({inst.name}) needs an interface and a virtual_router_id")
    family = _family(inst)
    source = inst.unicast_src_ip or inst.mcast_src_ip
    try:
        own = ipaddress.ip_address(source) if source else primary(inst.interface, family)
    except LookupError as exc:
        raise PyipvsValueError(f"({inst.name}) {exc}") from None
    strict = bool(inst.strict_mode) or gdefs.vrrp_strict
    vrrp = VrrpConfig(
        vrid=inst.virtual_router_id,
        priority=inst.priority,
        addresses=tuple(ipaddress.ip_interface(v.address).ip for v in inst.virtual_ipaddress),
        primary_address=own,
        version=inst.version,
        advert_interval=inst.advert_int,
        preempt=not inst.nopreempt,
        preempt_delay=inst.preempt_delay,
        lower_prio_no_advert=gdefs.vrrp_lower_prio_no_advert or strict,
        garp_lower_prio=not strict,
        higher_prio_send_advert=gdefs.vrrp_higher_prio_send_advert,
        down_timer_adverts=gdefs.vrrp_down_timer_adverts,
        tracked=tracked_weights(inst, config),
        routes=_routes(inst, preferences),
    )
    return InstancePlan(
        name=inst.name,
        interface=inst.interface,
        config=vrrp,
        unicast_peers=tuple(ipaddress.ip_address(p.address) for p in inst.unicast_peer),
        garp_repeat=inst.garp_master_repeat or gdefs.vrrp_garp_master_repeat,
        v3_ipv4_pseudo_header=not _v3_checksum_as_v2(inst),
        old_unicast_checksum=inst.old_unicast_checksum or "auto",
        unicast_ttl=255 if inst.unicast_ttl is None else inst.unicast_ttl,
        check_unicast_src=_check_unicast_src(inst, config),
        peer_ttls=tuple(
            (
                ipaddress.ip_address(p.address),
                p.min_ttl or 0,
                255 if p.max_ttl is None else p.max_ttl,
            )
            for p in inst.unicast_peer
        ),
        track_interface=not inst.dont_track_primary,
        vips=_vip_specs(inst),
        garp_timing=_garp_timing(inst, config),
        excluded=tuple(
            ipaddress.ip_interface(v.address).ip for v in inst.virtual_ipaddress_excluded
        ),
        vmac=_vmac(inst, own, _vmac_prefix(config)),
    )


def _vmac_prefix(config: KeepalivedConfig) -> str:
    """``global_defs``' ``vmac_prefix`` (the last one given), default ``vrrp``."""
    prefix = "vrrp"
    for keyword, args in config.global_defs.options:
        if keyword == "vmac_prefix" and args:
            prefix = args[0]
    return prefix


def _vmac(inst: InstanceConf, own: IPAddress, prefix: str) -> Vmac | None:
    """The instance's VMAC; an IPv6 one carries *own* (the base's link-local address, the
    advert source) onto it."""
    if inst.use_vmac is None or inst.interface is None or inst.virtual_router_id is None:
        return None
    vrid = inst.virtual_router_id
    name = inst.use_vmac or default_name(vrid, prefix)
    link_local = own if isinstance(own, ipaddress.IPv6Address) and own.is_link_local else None
    return Vmac(name, inst.interface, vrid, own.version, inst.vmac_xmit_base, link_local)


def _check_unicast_src(inst: InstanceConf, config: KeepalivedConfig) -> bool:
    """keepalived: the instance's ``check_unicast_src``, the global ``vrrp_check_unicast_src``,
    or a ``min_ttl`` / ``max_ttl`` on any peer."""
    ranged = any(p.min_ttl is not None or p.max_ttl is not None for p in inst.unicast_peer)
    return inst.check_unicast_src or config.global_defs.vrrp_check_unicast_src or ranged


def _v3_checksum_as_v2(inst: InstanceConf) -> bool:
    """keepalived 2.2.8's ``v3_checksum_as_v2 [<BOOL>]`` (2.2.7 does not know it; it is kept
    among the options): the last one given wins."""
    value = False
    for keyword, args in inst.options:
        if keyword == "v3_checksum_as_v2":
            value = not args or args[0].lower() in TRUE_WORDS
    return value


def _garp_timing(inst: InstanceConf, config: KeepalivedConfig) -> GarpTiming:
    gdefs = config.global_defs

    def pick(own: int | None, default: int) -> int:
        return default if own is None else own

    return GarpTiming(
        delay=pick(inst.garp_master_delay, gdefs.vrrp_garp_master_delay),
        refresh=pick(inst.garp_master_refresh, gdefs.vrrp_garp_master_refresh),
        refresh_repeat=pick(inst.garp_master_refresh_repeat, gdefs.vrrp_garp_master_refresh_repeat),
        # keepalived: the instance's, else the global one, else vrrp_garp_master_delay/_repeat
        lower_prio_delay=pick(
            inst.garp_lower_prio_delay,
            pick(gdefs.vrrp_garp_lower_prio_delay, gdefs.vrrp_garp_master_delay),
        ),
        lower_prio_repeat=pick(
            inst.garp_lower_prio_repeat,
            pick(gdefs.vrrp_garp_lower_prio_repeat, gdefs.vrrp_garp_master_repeat),
        ),
    )


def _vip_specs(inst: InstanceConf) -> tuple[VipSpec, ...]:
    specs = []
    for vip in inst.virtual_ipaddress + inst.virtual_ipaddress_excluded:
        try:
            specs.append(
                vip_spec(
                    vip.address,
                    brd=vip.brd,
                    dev=vip.dev,
                    scope=vip.scope,
                    label=vip.label,
                    nodad="-nodad" not in vip.flags,
                )
            )
        except (ValueError, KeyError) as exc:
            raise PyipvsValueError(
                f"({inst.name}) virtual_ipaddress {vip.address}: {exc}"
            ) from None
    return tuple(specs)


def interface_primary(interface: str, family: int) -> IPAddress:
    """keepalived's default source: the interface's primary IPv4 address, or its IPv6
    link-local address (RFC 5798 section 5.1.2.2: the source of a v3 IPv6 advert). Read
    without netlink (``SIOCGIFADDR``, ``/proc/net/if_inet6``): this runs inside the loop.

    :raises LookupError: no such interface, or no such address on it.
    """
    if family == 6:
        for line in Path("/proc/net/if_inet6").read_text().splitlines():
            words = line.split()
            # address, index, prefix length, scope (0x20: link), flags, name
            if len(words) == 6 and words[5] == interface and int(words[3], 16) == 0x20:
                return ipaddress.IPv6Address(bytes.fromhex(words[0]))
        raise LookupError(f"no IPv6 link-local address on interface {interface}")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("256s", interface.encode()[:15])
        try:
            answer = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, request)
        except OSError:
            raise LookupError(f"no IPv4 address on interface {interface}") from None
    return ipaddress.IPv4Address(answer[20:24])
