# SPDX-License-Identifier: Apache-2.0
"""``virtual_server_group``, ``virtual_server``, ``real_server`` and the checker blocks.

Completion follows keepalived 2.2.7 as observed with ``keepalived -t``: a virtual server without
``protocol``, ``lvs_sched`` or ``lvs_method`` gets UDP / wlc / NAT with a warning each, one without
real servers is ignored, a quorum above the total weight is reduced.
"""

from __future__ import annotations

import ipaddress
import re

from pyipvs.config.model import (
    CHECKER_TYPES,
    CheckerConfig,
    RealServerConfig,
    SorryServerConfig,
    VirtualServerConfig,
    VirtualServerGroupConfig,
    VsgEntry,
    construct,
)
from pyipvs.config.sections.http_url import http_bool, url_block
from pyipvs.config.tree import Node
from pyipvs.config.values import (
    Context,
    Fields,
    Keyword,
    Signature,
    Table,
    block_signature,
    deprecated,
    extra_args,
    first_arg,
    freeze,
    keep_option,
    memoized,
    options_table,
    parse_int,
    parse_ip,
    parse_port,
    run_block,
    set_bool,
    set_flag,
    set_int,
    set_ip,
    set_script,
    set_str,
)

SCHEDULERS = frozenset(
    ["rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos"]
)
METHODS = frozenset({"NAT", "DR", "TUN"})
PROTOCOLS = frozenset({"TCP", "UDP", "SCTP"})
DNS_TYPES = frozenset({"A", "NS", "CNAME", "SOA", "MX", "TXT", "AAAA"})
MAX_TIMER = 4294.967295


def _timer(name: str, high: float, message: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        args = node.args  # first_arg and extra_args, inlined (a few per virtual server)
        if not args:
            first_arg(ctx, node)
            return
        text = args[0]
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0.000001 <= value <= high:
            ctx.error(node, message.format(value=text))
        else:
            fields[name] = value
        if len(args) > 1:
            extra_args(ctx, node, 1)

    return Keyword(handler)


def _choice(name: str, choices: frozenset[str], message: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        args = node.args  # first_arg and extra_args, inlined (a few per virtual server)
        if not args:
            first_arg(ctx, node)
            return
        text = args[0]
        if text in choices:
            fields[name] = text
        else:
            ctx.error(node, message.format(value=text))
        if len(args) > 1:
            extra_args(ctx, node, 1)

    return Keyword(handler)


def _lvs_method(ctx: Context, node: Node, fields: Fields) -> None:
    text = first_arg(ctx, node)
    if text is None:
        return
    if text in METHODS:
        fields["lvs_method"] = text
        if text != "TUN":
            extra_args(ctx, node, 1)
    else:
        ctx.error(node, f"PARSER : unknown [{text}] routing method for virtual server.")


# ------------------------------------------------------------------ checkers
CHECKER_COMMON: Table = {
    "connect_ip": set_ip("connect_ip"),
    "connect_port": Keyword(lambda c, n, f: _port_field(c, n, f, "connect_port")),
    "bindto": set_ip("bindto"),
    "bind_port": Keyword(lambda c, n, f: _port_field(c, n, f, "bind_port")),
    "bind_if": set_str("bind_if"),
    "connect_timeout": _timer(
        "connect_timeout", MAX_TIMER, "connect_timeout {value} invalid - ignoring"
    ),
    "fwmark": set_int("fwmark", 1, 2**32 - 1),
    "retry": set_int("retry", 0, 2**31 - 1),
    "delay_before_retry": _timer(
        "delay_before_retry", MAX_TIMER, "delay_before_retry {value} invalid - ignoring"
    ),
    "warmup": _timer("warmup", MAX_TIMER, "warmup {value} invalid - ignoring"),
    "delay_loop": _timer("delay_loop", MAX_TIMER, "delay_loop {value} invalid - ignoring"),
    "alpha": set_bool("alpha"),
    "log_all_failures": set_bool("log_all_failures"),
}


def _port_field(ctx: Context, node: Node, fields: Fields, name: str) -> None:
    text = first_arg(ctx, node)
    if text is not None:
        port = parse_port(ctx, node, text)
        if port is not None:
            fields[name] = port
        extra_args(ctx, node, 1)


HTTP_TABLE: Table = {
    **CHECKER_COMMON,
    "url": Keyword(url_block, block=True),
    "nb_get_retry": deprecated(
        set_int("retry", 0, 2**31 - 1), "nb_get_retry is deprecated - please use 'retry'"
    ),
    "http_protocol": _choice(
        "http_protocol", frozenset({"1.0", "1.0C", "1.1"}), "invalid http_protocol '{value}'"
    ),
    "virtualhost": set_str("virtualhost"),
    "fast_recovery": http_bool("fast_recovery"),
    "enable_sni": http_bool("enable_sni"),
}


def _misc_user(ctx: Context, node: Node, fields: Fields) -> None:
    user = first_arg(ctx, node)
    if user is not None:
        fields["user"] = user
        if len(node.args) > 1:
            fields["group"] = node.args[1]


def _hex(name: str, what: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        if name == "reply":
            fields["require_reply"] = True
            if not node.args:
                return
        text = first_arg(ctx, node)
        if text is None:
            return
        # keepalived 2.2.7 also rejects a 0xff byte (a bug); pyipvs accepts it.
        if not re.fullmatch(r"[0-9a-fA-F]+", text):
            ctx.error(node, f"Invalid hex string for UDP_CHECK {what}")
            return
        fields[name] = text.lower()

    return Keyword(handler)


def _dns_name(ctx: Context, node: Node, fields: Fields) -> None:
    text = first_arg(ctx, node)
    if text is not None:
        fields["name"] = text


CHECKER_TABLES: dict[str, Table] = {
    "TCP_CHECK": CHECKER_COMMON,
    "HTTP_GET": HTTP_TABLE,
    "SSL_GET": HTTP_TABLE,
    "MISC_CHECK": {
        **CHECKER_COMMON,
        "misc_path": set_script("misc_path"),
        "misc_timeout": _timer(
            "misc_timeout", MAX_TIMER, "misc_timeout {value} invalid - ignoring"
        ),
        "misc_dynamic": set_flag("misc_dynamic"),
        "user": Keyword(_misc_user),
    },
    "SMTP_CHECK": {
        **CHECKER_COMMON,
        **options_table("", "host"),
        "helo_name": set_str("helo_name"),
    },
    "DNS_CHECK": {
        **CHECKER_COMMON,
        "type": _choice("type", DNS_TYPES, "Unknown DNS check type {value} - ignoring"),
        "name": Keyword(_dns_name),
    },
    "UDP_CHECK": {
        **CHECKER_COMMON,
        "payload": _hex("payload", "payload"),
        "require_reply": _hex("reply", "require_reply"),
        "min_reply_length": set_int("min_reply_length", 0, 65535),
        "max_reply_length": set_int("max_reply_length", 0, 65535),
    },
    "PING_CHECK": CHECKER_COMMON,
    "FILE_CHECK": {
        "track_file": set_str("track_file"),
        "weight": Keyword(lambda c, n, f: _file_weight(c, n, f)),
    },
    "BFD_CHECK": {"name": set_str("name")},
}


def _file_weight(ctx: Context, node: Node, fields: Fields) -> None:
    text = first_arg(ctx, node)
    if text is not None:
        value = parse_int(ctx, node, text, -254, 254)
        if value is not None:
            fields["weight"] = value
            fields["weight_reverse"] = len(node.args) > 1 and node.args[1] == "reverse"


def parse_checker(ctx: Context, node: Node, server: str) -> CheckerConfig | None:
    if not node.children:
        return _parse_checker(ctx, node, server)
    key = (node.keyword, (node.args, block_signature(node.children)))
    return memoized(ctx, key, lambda: _parse_checker(ctx, node, server))


def _parse_checker(ctx: Context, node: Node, server: str) -> CheckerConfig | None:
    kind = node.keyword
    fields: Fields = {}
    run_block(ctx, node.children, CHECKER_TABLES[kind], fields)
    if kind in ("HTTP_GET", "SSL_GET") and not fields.get("urls"):
        # keepalived 2.2.7 -t crashes (SIGSEGV) on this; pyipvs reports it.
        ctx.error(node, "HTTP/SSL_GET checker has no urls specified - ignoring")
        return None
    if kind == "MISC_CHECK" and "misc_path" not in fields:
        ctx.error(node, "No script path has been specified for MISC_CHECKER - skipping")
        return None
    if kind == "BFD_CHECK":
        ctx.warn(node, f"({server}) BFD_CHECK is parsed but not supported by pyipvs - ignoring")
    checker: CheckerConfig = construct(CHECKER_TYPES[kind], freeze(fields))
    return checker


# ------------------------------------------------------------------ real_server
def _checker_keyword() -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        checker = parse_checker(ctx, node, fields["_label"])
        if checker is not None:
            fields.setdefault("checkers", []).append(checker)

    return Keyword(handler, block=True)


def _rs_weight(ctx: Context, node: Node, fields: Fields) -> None:
    text = first_arg(ctx, node)
    if text is None:
        return
    value = parse_int(ctx, node, text, 0, 2**31 - 1)
    if value is None:
        ctx.error(node, f"Real server weight {text} is outside range 0-2147483647")
    else:
        fields["weight"] = value
    extra_args(ctx, node, 1)


REAL_SERVER_TABLE: Table = {
    **{kind: _checker_keyword() for kind in CHECKER_TABLES},
    "weight": Keyword(_rs_weight),
    "lvs_method": Keyword(_lvs_method),
    "lb_kind": Keyword(_lvs_method),
    "inhibit_on_failure": set_bool("inhibit_on_failure"),
    "uthreshold": set_int("uthreshold", 0, 2**31 - 1),
    "lthreshold": set_int("lthreshold", 0, 2**31 - 1),
    "notify_up": set_script("notify_up"),
    "notify_down": set_script("notify_down"),
    "alpha": set_bool("alpha"),
    "retry": set_int("retry", 0, 2**31 - 1),
    "delay_before_retry": _timer(
        "delay_before_retry", MAX_TIMER, "delay_before_retry {value} invalid - ignoring"
    ),
    "warmup": _timer("warmup", MAX_TIMER, "warmup {value} invalid - ignoring"),
    "connect_timeout": _timer(
        "connect_timeout", MAX_TIMER, "connect_timeout {value} invalid - ignoring"
    ),
    "delay_loop": _timer("delay_loop", MAX_TIMER, "delay_loop {value} invalid - ignoring"),
    "smtp_alert": set_bool("smtp_alert"),
    "virtualhost": set_str("virtualhost"),
    **options_table("snmp_name"),
}


def _address_port(ctx: Context, node: Node, what: str) -> tuple[str, int | None] | None:
    if not node.args:
        ctx.error(node, f"{what} needs an address")
        return None
    address = parse_ip(ctx, node, node.args[0], f"{what} address")
    if address is None:
        return None
    port = parse_port(ctx, node, node.args[1]) if len(node.args) > 1 else None
    extra_args(ctx, node, 2)
    return address, port


def _real_server_body(ctx: Context, node: Node, target: tuple[str, int | None]) -> Fields:
    """The fields a real server's block sets (shared between identical blocks: never mutate)."""
    values: Fields = {"_label": f"[{target[0]}]:{target[1] or 0}"}
    run_block(ctx, node.children, REAL_SERVER_TABLE, values)
    del values["_label"]
    return freeze(values)


def _real_server(ctx: Context, node: Node, body: Signature | None) -> RealServerConfig | None:
    target = _address_port(ctx, node, "real_server")
    if target is None:
        return None
    if body is None:
        values = _real_server_body(ctx, node, target)
    else:
        values = memoized(
            ctx, ("real_server body", body), lambda: _real_server_body(ctx, node, target)
        )
    return construct(RealServerConfig, {**values, "address": target[0], "port": target[1]})


def parse_real_server(ctx: Context, node: Node, fields: Fields) -> None:
    if node.children:
        # Virtual servers often share a pool of real servers: identical ones are parsed once.
        body = block_signature(node.children)
        key = ("real_server", (node.args, body))
        rs = ctx.memo.get(key)  # the common case first, without building the closure
        if rs is None:
            rs = memoized(ctx, key, lambda: _real_server(ctx, node, body))
    else:
        rs = _real_server(ctx, node, None)
    if rs is not None:
        fields.setdefault("real_servers", []).append((node, rs))


# ------------------------------------------------------------------ virtual_server
def _persistence_timeout(ctx: Context, node: Node, fields: Fields) -> None:
    if not node.args:
        fields["persistence_timeout"] = 360  # IPVS_SVC_PERSISTENT_TIMEOUT
        return
    value = parse_int(ctx, node, node.args[0], 1, 2678400)
    if value is None:
        ctx.error(node, "persistence_timeout invalid")
    else:
        fields["persistence_timeout"] = value
    extra_args(ctx, node, 1)


def _sorry_server(ctx: Context, node: Node, fields: Fields) -> None:
    target = _address_port(ctx, node, "sorry_server")
    if target is not None:
        fields["sorry_server"] = SorryServerConfig(*target)


def _sched_flag(ctx: Context, node: Node, fields: Fields) -> None:
    """``flag-1`` .. ``flag-3`` always; ``sh-*`` / ``mh-*`` only after ``lb_algo sh`` / ``mh``:
    keepalived 2.2.7 looks at the scheduler set so far (``mh-port`` before ``lb_algo mh`` is
    ignored with this warning, checked with its ``-t``)."""
    family = node.keyword.split("-")[0]
    if family in ("sh", "mh") and fields.get("lvs_sched", "wlc") != family:
        ctx.warn(node, f"{node.keyword} only applies to sh scheduler - ignoring")
        return
    keep_option(ctx, node, fields)


VIRTUAL_SERVER_TABLE: Table = {
    **options_table("hashed snmp_name sorry_server_lvs_method nb_sockets"),
    **{
        name: Keyword(_sched_flag)
        for name in (
            "flag-1",
            "flag-2",
            "flag-3",
            "sh-port",
            "sh-fallback",
            "mh-port",
            "mh-fallback",
        )
    },
    "real_server": Keyword(parse_real_server, block=True),
    "lvs_sched": _choice("lvs_sched", SCHEDULERS, "Invalid lvs_scheduler '{value}' - ignoring"),
    "lb_algo": _choice("lvs_sched", SCHEDULERS, "Invalid lvs_scheduler '{value}' - ignoring"),
    "lvs_method": Keyword(_lvs_method),
    "lb_kind": Keyword(_lvs_method),
    "protocol": _choice("protocol", PROTOCOLS, "unknown protocol '{value}'"),
    "delay_loop": _timer(
        "delay_loop", 18446744073709.0, "virtual server delay loop '{value}' invalid - ignoring"
    ),
    "persistence_timeout": Keyword(_persistence_timeout),
    "persistence_granularity": set_str("persistence_granularity"),
    "persistence_engine": set_str("persistence_engine"),
    "ip_family": _choice("ip_family", frozenset({"inet", "inet6"}), "unknown ip_family '{value}'"),
    "virtualhost": set_str("virtualhost"),
    "alpha": set_flag("alpha"),
    "omega": set_flag("omega"),
    "quorum": set_int("quorum", 1, 2**31 - 1),
    "hysteresis": set_int("hysteresis", 0, 2**31 - 1),
    "quorum_up": set_script("quorum_up"),
    "quorum_down": set_script("quorum_down"),
    "sorry_server": Keyword(_sorry_server),
    "sorry_server_inhibit": set_flag("sorry_server_inhibit"),
    "inhibit_on_failure": set_flag("inhibit_on_failure"),
    "ha_suspend": set_flag("ha_suspend"),
    "ops": set_flag("ops"),
    "connect_timeout": _timer(
        "connect_timeout", MAX_TIMER, "connect_timeout {value} invalid - ignoring"
    ),
    "retry": set_int("retry", 0, 2**31 - 1),
    "delay_before_retry": _timer(
        "delay_before_retry", MAX_TIMER, "delay_before_retry {value} invalid - ignoring"
    ),
    "warmup": _timer("warmup", MAX_TIMER, "warmup {value} invalid - ignoring"),
    "smtp_alert": set_bool("smtp_alert"),
}


def _vs_target(ctx: Context, node: Node) -> Fields | None:
    args = node.args
    if len(args) >= 2 and args[0] == "fwmark":
        mark = parse_int(ctx, node, args[1], 1, 2**32 - 1)
        extra_args(ctx, node, 2)
        return None if mark is None else {"fwmark": mark}
    if len(args) >= 2 and args[0] == "group":
        extra_args(ctx, node, 2)
        return {"group": args[1]}
    target = _address_port(ctx, node, "virtual_server")
    if target is not None and target[1] is None and len(args) > 1:
        # keepalived 2.2.7 drops a virtual server whose port does not parse (it does not
        # fall back to port 0).
        ctx.error(node, f"Invalid virtual server IP address/port {args[0]}/{args[1]} - skipping")
        return None
    return None if target is None else {"address": target[0], "port": target[1]}


def vs_label(fields: Fields, protocol: str) -> str:
    if "fwmark" in fields:
        return f"FWM {fields['fwmark']}"
    if "group" in fields:
        return f"[{fields['group']}]:0"
    return f"[{fields['address']}]:{protocol}:{fields.get('port') or 0}"


def parse_virtual_server(ctx: Context, node: Node) -> VirtualServerConfig | None:
    fields = _vs_target(ctx, node)
    if fields is None:
        return None
    run_block(ctx, node.children, VIRTUAL_SERVER_TABLE, fields)
    return complete_virtual_server(ctx, node, fields)


def _check_scheduler_flags(ctx: Context, node: Node, fields: Fields, label: str) -> None:
    """keepalived 2.2.7: ``ops`` needs UDP, ``hashed`` needs the sh scheduler."""
    if fields.get("ops") and fields.get("protocol") != "UDP":
        ctx.warn(node, f"Virtual server {label}: one packet scheduling requires UDP - resetting")
        fields["ops"] = False
    options = fields.get("options", [])
    if any(k == "hashed" for k, _ in options) and fields.get("lvs_sched") != "sh":
        ctx.warn(node, "hashed only applies to sh scheduler - ignoring")
        fields["options"] = [(k, a) for k, a in options if k != "hashed"]


def complete_virtual_server(ctx: Context, node: Node, fields: Fields) -> VirtualServerConfig:
    """keepalived 2.2.7's checks and fallbacks for one virtual server."""
    _default_protocol(ctx, node, fields)
    label = vs_label(fields, fields.get("protocol", "TCP").lower())
    _check_scheduler_flags(ctx, node, fields, label)
    if "lvs_sched" not in fields:
        ctx.warn(node, f"Virtual server {label}: no scheduler set, setting default 'wlc'")
    if "lvs_method" not in fields:
        ctx.warn(node, f"Virtual server {label}: no forwarding method set, setting default NAT")
    servers: list[tuple[Node, RealServerConfig]] = fields.pop("real_servers", [])
    if not servers:
        ctx.warn(node, f"Virtual server {label} has no real servers - ignoring")
    if "fwmark" in fields and fields.get("lvs_method", "NAT") != "NAT":
        for rs_node, rs in servers:
            if rs.port:
                ctx.warn(
                    rs_node,
                    f"WARNING - fwmark virtual server {label}, real server [{rs.address}]:none:"
                    f"{rs.port} has port specified - clearing",
                )
    fields["real_servers"] = [rs for _, rs in servers]
    _reduce_quorum(ctx, node, fields, label)
    return construct(VirtualServerConfig, freeze(fields))


def _default_protocol(ctx: Context, node: Node, fields: Fields) -> None:
    if "protocol" not in fields:
        if "fwmark" not in fields and "group" not in fields:
            label = vs_label(fields, "none")
            ctx.warn(node, f"Virtual server {label}: no protocol set - defaulting to UDP")
            fields["protocol"] = "UDP"
    elif "fwmark" in fields:
        ctx.warn(
            node,
            f"Warning: Virtual server FWM {fields['fwmark']}: protocol specified for fwmark"
            " - protocol will be ignored",
        )


def _reduce_quorum(ctx: Context, node: Node, fields: Fields, label: str) -> None:
    """A quorum above the total real server weight could never be reached: keepalived lowers it."""
    total = sum(rs.weight for rs in fields["real_servers"])
    quorum = fields.get("quorum", 1)
    reduced = max(total, 1)
    if fields["real_servers"] and quorum > reduced:
        ctx.warn(
            node,
            f"Warning - quorum {quorum} for {label} exceeds total weight of real servers"
            f" {total}, reducing quorum to {reduced}",
        )
        fields["quorum"] = reduced


# ------------------------------------------------------------------ virtual_server_group
def parse_vsg_entry(ctx: Context, node: Node) -> VsgEntry | None:
    words = (node.keyword, *node.args)
    if words[0] == "fwmark":
        if len(words) < 2:
            ctx.error(node, "fwmark needs a value")
            return None
        mark = parse_int(ctx, node, words[1], 1, 2**32 - 1)
        family = words[2] if len(words) > 2 and words[2] in ("inet", "inet6") else None
        return None if mark is None else VsgEntry(fwmark=mark, family=family)
    address, _, last = words[0].partition("-")
    first = parse_ip(ctx, node, address.split("/")[0], "virtual server group address")
    if first is None:
        return None
    if "/" in address:
        try:
            ipaddress.ip_network(address, strict=False)
        except ValueError:
            ctx.error(node, f"invalid virtual server group range '{words[0]}'")
            return None
        first = address
    if last and not re.fullmatch(r"[0-9]{1,3}(?:\.[0-9]{1,3}){0,3}|[0-9a-fA-F:]+", last):
        ctx.error(node, f"invalid virtual server group range '{words[0]}'")
        return None
    port = parse_port(ctx, node, words[1]) if len(words) > 1 else None
    return VsgEntry(address=first, last=last or None, port=port)


def parse_vsg(ctx: Context, node: Node) -> VirtualServerGroupConfig | None:
    name = first_arg(ctx, node)
    if name is None:
        return None
    parsed = [parse_vsg_entry(ctx, child) for child in node.children or ()]
    entries = tuple(e for e in parsed if e is not None)
    if not entries:
        ctx.warn(node, f"virtual server group {name} has no entries - removing")
        return None
    return VirtualServerGroupConfig(name, entries)


__all__ = ["parse_checker", "parse_virtual_server", "parse_vsg"]
