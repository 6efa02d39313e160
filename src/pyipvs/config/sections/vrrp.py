# SPDX-License-Identifier: Apache-2.0
"""``vrrp_instance`` blocks and their virtual addresses (``vrrp_script``, ``track_file`` and
``vrrp_sync_group`` are in :mod:`~pyipvs.config.sections.vrrp_track`).

The completion rules (implicit priority, advert interval rounding, auth on v3, nopreempt at
priority 255, ...) follow keepalived 2.2.7's ``vrrp_complete_instance`` as observed with
``keepalived -t``; the messages are keepalived's wording.
"""

from __future__ import annotations

import ipaddress
import math

from pyipvs.config.model import (
    Authentication,
    UnicastPeer,
    VirtualIp,
    VrrpInstanceConfig,
)
from pyipvs.config.sections.routes import check_vip_device, routes_keyword, rules_keyword
from pyipvs.config.sections.vrrp_track import NOTIFY_TABLE, track_list
from pyipvs.config.tree import Node
from pyipvs.config.values import (
    Context,
    Fields,
    Keyword,
    Table,
    extra_args,
    first_arg,
    freeze,
    interface_exists,
    options_table,
    parse_float,
    parse_int,
    parse_ip,
    run_block,
    set_bool,
    set_flag,
    set_int,
    set_ip,
    set_str,
)

VIP_SCOPES = frozenset({"site", "link", "host", "nowhere", "global"})
VIP_FLAGS = frozenset(
    {"home", "-nodad", "mngtmpaddr", "noprefixroute", "autojoin", "no_track", "use_vmac"}
)
VIP_VALUED = frozenset({"preferred_lft", "track_group"})


def _state(ctx: Context, node: Node, fields: Fields) -> None:
    text = first_arg(ctx, node)
    if text is None:
        return
    extra_args(ctx, node, 1)
    if text in ("MASTER", "BACKUP"):
        fields["state"] = text
        return
    # keepalived accepts exactly MASTER/BACKUP; the seed's 1.x "SLAVE" included (§1.10).
    ctx.error(node, f"({fields['name']}) unknown state '{text}', defaulting to BACKUP")
    fields["state"] = "BACKUP"


def _ranged(field: str, low: int, high: int, message: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        text = first_arg(ctx, node)
        if text is None:
            return
        value = parse_int(ctx, node, text, low, high)
        if value is None:
            ctx.error(node, message.format(name=fields["name"], value=text))
        else:
            fields[field] = value
        extra_args(ctx, node, 1)

    return Keyword(handler)


def _advert_int(ctx: Context, node: Node, fields: Fields) -> None:
    text = first_arg(ctx, node)
    if text is None:
        return
    value = parse_float(ctx, node, text, 0.01, 255)
    if value is None:
        ctx.error(
            node, f"({fields['name']}) Advert interval ({text}) not valid! Must be > 0 - ignoring"
        )
    else:
        fields["advert_int"] = value
    extra_args(ctx, node, 1)


def _authentication(ctx: Context, node: Node, fields: Fields) -> None:
    values: Fields = {}
    for child in node.children or ():
        if child.keyword == "auth_type":
            text = first_arg(ctx, child)
            if text in ("PASS", "AH"):
                values["auth_type"] = text
            elif text is not None:
                ctx.error(child, f"unknown authentication type '{text}'")
        elif child.keyword == "auth_pass":
            text = first_arg(ctx, child)
            if text is not None:
                if len(text) > 8:
                    ctx.error(child, "Truncating auth_pass to 8 characters")
                values["auth_pass"] = text[:8]
        else:
            ctx.warn(child, f"Unknown keyword '{child.keyword}'")
    fields["authentication"] = Authentication(**values)


def _host_for_bad_prefix(ctx: Context, node: Node, word: str) -> str | None:
    """keepalived 2.2.7 keeps ``ADDR/LEN`` with a numeric LEN too long for the family as a
    host address (/32 or /128), with its warning; None when ADDR itself is not an address."""
    host, slash, length = word.partition("/")
    if not slash or not length.isdigit():
        return None
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    ctx.error(node, f"number '{length}' outside range [0, {ip.max_prefixlen}]")
    ctx.error(
        node,
        f"Invalid address prefix len {length} for address {word} - using {ip.max_prefixlen}",
    )
    return f"{ip}/{ip.max_prefixlen}"


def parse_vip(ctx: Context, node: Node, words: tuple[str, ...]) -> VirtualIp | None:
    """One ``virtual_ipaddress`` line (reference notes §1.8)."""
    try:
        address = str(ipaddress.ip_interface(words[0]))
    except ValueError:
        host = _host_for_bad_prefix(ctx, node, words[0])
        if host is None:
            ctx.error(node, f"VRRP parsed invalid IP {words[0]}. skipping IP...")
            return None
        address = host
    values: Fields = {}
    flags: list[str] = []
    rest = list(words[1:])
    while rest:
        word = rest.pop(0)
        if word in ("brd", "dev", "scope", "label", "peer") and rest:
            value = rest.pop(0)
            if word == "scope" and value not in VIP_SCOPES:
                ctx.error(node, f"Invalid scope '{value}' specified for {words[0]} - ignoring")
                continue
            values[word] = value
        elif word in VIP_FLAGS:
            flags.append(word)
        elif word in VIP_VALUED and rest:
            flags.extend((word, rest.pop(0)))
        else:
            ctx.warn(node, f"Unknown configuration entry '{word}' for ip address - ignoring")
    return VirtualIp(address, flags=tuple(flags), **values)


def _vip_list(field: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        vips: list[tuple[Node, VirtualIp]] = fields.setdefault("_" + field, [])
        for child in node.children or ():
            vip = parse_vip(ctx, child, (child.keyword, *child.args))
            if vip is not None:
                check_vip_device(ctx, child, vip)
                vips.append((child, vip))

    return Keyword(handler, block=True)


STATIC_ADDRESSES = _vip_list("static_ipaddress")


def _unicast_peer(ctx: Context, node: Node, fields: Fields) -> None:
    peers: list[UnicastPeer] = fields.setdefault("unicast_peer", [])
    for child in node.children or ():
        address = parse_ip(ctx, child, child.keyword, "unicast peer")
        if address is None:
            continue
        ttl: dict[str, int | None] = {}
        args = list(child.args)
        while args:
            word = args.pop(0)
            if word in ("min_ttl", "max_ttl") and args:
                ttl[word] = parse_int(ctx, child, args.pop(0), 0, 255)
            else:
                ctx.warn(child, f"unknown unicast_peer option '{word}'")
        peers.append(UnicastPeer(address, **ttl))


def _use_vmac(ctx: Context, node: Node, fields: Fields) -> None:
    fields["use_vmac"] = node.args[0] if node.args else ""
    extra_args(ctx, node, 1)


def _interface(ctx: Context, node: Node, fields: Fields) -> None:
    # keepalived reports a problem with the interface at its own line: remember where it is.
    set_str("interface").handler(ctx, node, fields)
    ctx.where[("vrrp_instance", "interface", fields["name"])] = node


def _lvs_sync_daemon_interface(ctx: Context, node: Node, fields: Fields) -> None:
    ctx.warn(
        node,
        f"({fields['name']}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated."
        " Please use global lvs_sync_daemon",
    )
    set_str("lvs_sync_daemon_interface").handler(ctx, node, fields)


def _preempt(ctx: Context, node: Node, fields: Fields) -> None:
    extra_args(ctx, node, 0)  # accepted by keepalived as a no-op, for old configurations


def _preempt_delay(ctx: Context, node: Node, fields: Fields) -> None:
    text = first_arg(ctx, node)
    if text is None:
        return
    value = parse_float(ctx, node, text, 0, 1000)
    if value is None:
        ctx.error(node, f"({fields['name']}) Preempt_delay not valid! must be between 0-1000")
    else:
        fields["preempt_delay"] = value
    extra_args(ctx, node, 1)


# keepalived 2.2.7 keeps GARP delays in microseconds in 32 bits: at most 4294 s.
GARP_DELAY_MAX = 4294
UINT_MAX = 2**32 - 1


def _garp_repeat(field: str, high: int) -> Keyword:
    """A GARP repeat count: 0 is raised to 1 with an error, as keepalived does."""

    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        set_int(field, 0, high).handler(ctx, node, fields)
        if fields.get(field) == 0:
            ctx.error(node, f"({fields['name']}): {field} must be greater than 0, setting to 1")
            fields[field] = 1

    return Keyword(handler)


def _old_unicast_checksum(ctx: Context, node: Node, fields: Fields) -> None:
    """``old_unicast_checksum [never]`` (keepalived 2.2.7 vrrp_parser.c): an unknown mode is an
    error and the keyword is ignored."""
    if not node.args:
        fields["old_unicast_checksum"] = "always"
        return
    extra_args(ctx, node, 1)
    if node.args[0] == "never":
        fields["old_unicast_checksum"] = "never"
    else:
        ctx.error(
            node, f"({fields['name']}) Unknown old_unicast_chksum mode {node.args[0]} - ignoring"
        )


_TTL = _ranged("unicast_ttl", 0, 255, "({name}): TTL '{value}' not valid - must be between 0 & 255")


def _unicast_ttl(ctx: Context, node: Node, fields: Fields) -> None:
    _TTL.handler(ctx, node, fields)
    ctx.where[("vrrp_instance", "unicast_ttl", fields["name"])] = node  # for the check below


INSTANCE_TABLE: Table = {
    **NOTIFY_TABLE,
    **options_table(
        "notify_deleted notify_master_rx_lower_pri notify_priority_changes use_vmac_addr "
        "vmac_xmit_base_ipvlan use_ipvlan down_timer_adverts lower_prio_no_advert "
        "higher_prio_send_advert timer_expired_backup owner_ignore_adverts unicast_fault_no_peer "
        "mcast_dst_ip v3_checksum_as_v2 "
        "track_src_ip no_virtual_ipaddress kernel_rx_buf_size garp_extra_if vmac_garp_intvl "
        "promote_secondaries debug linkbeat_use_polling",
        "track_process track_bfd",
    ),
    "state": Keyword(_state),
    "interface": Keyword(_interface),
    "virtual_router_id": _ranged(
        "virtual_router_id", 1, 255, "({name}): VRID '{value}' not valid - must be between 1 & 255"
    ),
    "priority": _ranged(
        "priority",
        1,
        255,
        "({name}) Priority not valid! must be between 1 & 255. Using default 100",
    ),
    "advert_int": Keyword(_advert_int),
    "version": _ranged("version", 2, 3, "({name}): Version must be either 2 or 3"),
    "authentication": Keyword(_authentication, block=True),
    "virtual_ipaddress": _vip_list("virtual_ipaddress"),
    "virtual_ipaddress_excluded": _vip_list("virtual_ipaddress_excluded"),
    "virtual_routes": routes_keyword("virtual_routes", tracked=True),
    "virtual_rules": rules_keyword("virtual_rules"),
    "mcast_src_ip": set_ip("mcast_src_ip"),
    "unicast_src_ip": set_ip("unicast_src_ip"),
    "unicast_peer": Keyword(_unicast_peer, block=True),
    "nopreempt": set_flag("nopreempt"),
    "preempt": Keyword(_preempt),
    "preempt_delay": Keyword(_preempt_delay),
    "garp_master_delay": set_int("garp_master_delay", 0, GARP_DELAY_MAX),
    "garp_master_repeat": _garp_repeat("garp_master_repeat", UINT_MAX),
    "garp_master_refresh": set_int("garp_master_refresh", 0, UINT_MAX),
    "garp_master_refresh_repeat": _garp_repeat("garp_master_refresh_repeat", UINT_MAX),
    "garp_lower_prio_delay": set_int("garp_lower_prio_delay", 0, GARP_DELAY_MAX),
    "garp_lower_prio_repeat": set_int("garp_lower_prio_repeat", 0, 2**31 - 1),
    "track_interface": track_list("track_interface", "vrrp_instance"),
    "track_script": track_list("track_script", "vrrp_instance"),
    "track_file": track_list("track_file", "vrrp_instance"),
    "dont_track_primary": set_flag("dont_track_primary"),
    "use_vmac": Keyword(_use_vmac),
    "vmac_xmit_base": set_flag("vmac_xmit_base"),
    "accept": set_flag("accept", True),
    "no_accept": set_flag("accept", False),
    "strict_mode": set_bool("strict_mode"),
    "lvs_sync_daemon_interface": Keyword(_lvs_sync_daemon_interface),
    "native_ipv6": set_flag("_native_ipv6"),
    "old_unicast_checksum": Keyword(_old_unicast_checksum),
    "unicast_ttl": Keyword(_unicast_ttl),
    "check_unicast_src": set_flag("check_unicast_src"),
}


def parse_instance(ctx: Context, node: Node, global_version: int) -> VrrpInstanceConfig | None:
    name = first_arg(ctx, node)
    if name is None:
        return None
    fields: Fields = {"name": name}
    run_block(ctx, node.children, INSTANCE_TABLE, fields)
    native_ipv6 = fields.pop("_native_ipv6", False)
    instance = complete_instance(ctx, node, fields, global_version)
    if native_ipv6 and instance.virtual_ipaddress and not _is_ipv6(instance):
        ctx.error(node, f"({name}) Cannot specify native_ipv6 with IPv4 addresses")
    return instance


def _is_ipv6(instance: VrrpInstanceConfig) -> bool:
    return _family(instance.virtual_ipaddress[0].address) == 6


def _family(address: str) -> int:
    return ipaddress.ip_interface(address).version


def complete_instance(
    ctx: Context, node: Node, fields: Fields, global_version: int
) -> VrrpInstanceConfig:
    """keepalived's vrrp_complete_instance, for what ``-t`` reports."""
    fields.pop("_rule_preference", None)
    if "virtual_router_id" not in fields:
        ctx.error(node, f"({fields['name']}) the virtual router id must be set")
    _check_interface(ctx, node, fields)
    vips = _resolve_addresses(ctx, node, fields)
    ipv6 = bool(vips) and _family(vips[0].address) == 6
    version = fields.setdefault("version", 3 if ipv6 else global_version)
    _priority_and_state(fields)
    _advert_interval(ctx, node, fields, version)
    _check_authentication(ctx, node, fields, version)
    _check_preemption(ctx, node, fields)
    if fields.get("unicast_peer") and "use_vmac" in fields and not fields.get("vmac_xmit_base"):
        ctx.warn(
            node, f"({fields['name']}) unicast with use_vmac requires vmac_xmit_base - setting"
        )
        fields["vmac_xmit_base"] = True
    if "unicast_ttl" in fields and not fields.get("unicast_peer"):
        # keepalived 2.2.7 then sends TTL 0, which every receiver drops; pyipvs keeps 255.
        at = ctx.where.get(("vrrp_instance", "unicast_ttl", fields["name"]), node)
        ctx.error(
            at, f"({fields['name']}): Cannot use unicast_ttl without unicast peers - resetting"
        )
        del fields["unicast_ttl"]
    return VrrpInstanceConfig(**freeze(fields))


def _resolve_addresses(ctx: Context, node: Node, fields: Fields) -> list[VirtualIp]:
    name = fields["name"]
    vips = _same_family(ctx, name, fields.pop("_virtual_ipaddress", []))
    fields["virtual_ipaddress"] = vips
    evips = [vip for _, vip in fields.pop("_virtual_ipaddress_excluded", [])]
    fields["virtual_ipaddress_excluded"] = evips
    if not vips and not any(opt[0] == "no_virtual_ipaddress" for opt in fields.get("options", ())):
        ctx.error(node, f"({name}) No VIP specified; at least one is sensible")
    return vips


def _check_authentication(ctx: Context, node: Node, fields: Fields, version: int) -> None:
    """RFC 3768 §5.3.6 auth exists only in v2; keepalived also refuses AH for an initial master."""
    name, auth = fields["name"], fields.get("authentication")
    if auth is None:
        return
    if version == 3:
        ctx.error(node, f"({name}) VRRP version 3 does not support authentication. Ignoring.")
        del fields["authentication"]
    elif auth.auth_type == "AH" and fields["state"] == "MASTER" and fields["priority"] != 255:
        ctx.warn(
            node, f"({name}) Initial state master is incompatible with AH authentication - clearing"
        )
        fields["state"] = "BACKUP"


def _check_preemption(ctx: Context, node: Node, fields: Fields) -> None:
    name = fields["name"]
    if fields.get("preempt_delay") and fields["state"] == "MASTER":
        ctx.warn(
            node,
            f"({name}) Warning - preempt delay will not work with initial state MASTER - clearing",
        )
        fields["preempt_delay"] = 0.0
    if fields.get("nopreempt") and fields["priority"] == 255:
        ctx.error(
            node, f"({name}) nopreempt is incompatible with priority 255. resetting nopreempt"
        )
        fields["nopreempt"] = False
    elif fields.get("nopreempt") and fields["state"] == "MASTER":
        ctx.warn(
            node, f"({name}) Warning - nopreempt will not work with initial state MASTER - clearing"
        )
        fields["nopreempt"] = False


def _check_interface(ctx: Context, node: Node, fields: Fields) -> None:
    name, interface = fields["name"], fields.get("interface")
    at = ctx.where.get(("vrrp_instance", "interface", name), node)
    if interface == "lo":
        ctx.error(at, f"({name}) cannot use a loopback interface (lo) for vrrp - ignoring")
        del fields["interface"]
        interface = None
    if interface is None:
        if not fields.get("unicast_peer"):
            ctx.error(node, f"({name}) Unknown interface!")
        return
    _drop_own_interface(ctx, node, fields, interface)
    if ctx.check_interfaces and not interface_exists(interface):
        ctx.error(at, f"WARNING - interface {interface} for vrrp_instance {name} doesn't exist")
    for tracked in fields.get("track_interface", ()) if ctx.check_interfaces else ():
        if not interface_exists(tracked.name):
            where = ctx.where.get(("vrrp_instance", "track_interface", name, tracked.name), node)
            ctx.warn(where, f"({name}) tracked interface {tracked.name} doesn't exist")


def _drop_own_interface(ctx: Context, node: Node, fields: Fields, interface: str) -> None:
    """keepalived ignores (with a warning) tracking the instance's own interface."""
    name, tracked = fields["name"], fields.get("track_interface", [])
    for entry in [t for t in tracked if t.name == interface]:
        where = ctx.where.get(("vrrp_instance", "track_interface", name, interface), node)
        ctx.warn(where, f"({name}) Ignoring track_interface {interface} since own interface")
        tracked.remove(entry)


def _same_family(ctx: Context, name: str, vips: list[tuple[Node, VirtualIp]]) -> list[VirtualIp]:
    if not vips:
        return []
    family = _family(vips[0][1].address)
    kept = []
    for node, vip in vips:
        if _family(vip.address) != family:
            bare = vip.address.split("/")[0]
            ctx.error(
                node, f"({name}): address family must match VRRP instance [{bare}] - ignoring"
            )
        else:
            kept.append(vip)
    return kept


def _priority_and_state(fields: Fields) -> None:
    """state MASTER without priority is the address owner (255); no state: 255 means MASTER."""
    if "state" not in fields:
        fields["state"] = "MASTER" if fields.get("priority") == 255 else "BACKUP"
    if "priority" not in fields:
        fields["priority"] = 255 if fields["state"] == "MASTER" else 100


def _advert_interval(ctx: Context, node: Node, fields: Fields, version: int) -> None:
    """v2 adverts carry whole seconds, v3 centiseconds (RFC 3768 §5.3.7, RFC 5798 §5.2.7)."""
    value = fields.get("advert_int", 1.0)
    name = fields["name"]
    if version == 2 and value != int(value):
        ctx.error(
            node, f"({name}) VRRPv2 advertisement interval {value:f}s must be an integer. rounding"
        )
        value = float(max(1, _round_half_up(value)))
    elif version == 3:
        centis = _round_half_up(value * 100)
        if abs(centis - value * 100) > 1e-6:
            ctx.error(
                node,
                f"({name}) VRRPv3 advertisement interval {value:f}s must be in units of 10ms"
                " - rounding",
            )
        if centis > 4095:
            ctx.error(
                node,
                f"({name}) VRRPv3 advertisement interval {value:.2f}s is out of range."
                " Must be less than 40.96s. Setting to 40.95s",
            )
        value = max(1, min(centis, 4095)) / 100
    fields["advert_int"] = float(value)


__all__ = ["STATIC_ADDRESSES", "complete_instance", "parse_instance", "parse_vip"]


def _round_half_up(value: float) -> int:
    """C-style rounding (2.5 -> 3), not Python's round-half-to-even."""
    return math.floor(value + 0.5)
