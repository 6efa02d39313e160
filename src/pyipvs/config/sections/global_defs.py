# SPDX-License-Identifier: Apache-2.0
"""``global_defs { }`` (keepalived global_parser.c; keywords in reference notes §1.5)."""

from __future__ import annotations

from pyipvs.config.model import GlobalDefs, LvsSyncDaemon, LvsTimeouts, Script
from pyipvs.config.sections.process_tuning import PROCESS_TUNING_TABLE
from pyipvs.config.tree import Node
from pyipvs.config.values import (
    Context,
    Fields,
    Keyword,
    Table,
    deprecated,
    extra_args,
    first_arg,
    freeze,
    options_table,
    parse_int,
    parse_ip,
    parse_port,
    run_block,
    set_bool,
    set_flag,
    set_float,
    set_int,
    set_ip,
    set_str,
)


def _notification_email(ctx: Context, node: Node, fields: Fields) -> None:
    emails: list[str] = fields.setdefault("notification_email", [])
    for child in node.children or ():
        if child.children is not None:
            ctx.warn(child, "Unexpected '{' - ignoring")
        emails.append(child.keyword)
        emails.extend(child.args)


def _smtp_server(ctx: Context, node: Node, fields: Fields) -> None:
    text = first_arg(ctx, node)
    if text is None:
        return
    address = parse_ip(ctx, node, text, "smtp server")
    if address is None:
        return
    fields["smtp_server"] = address
    if len(node.args) > 1:
        port = parse_port(ctx, node, node.args[1])
        if port is not None:
            fields["smtp_port"] = port
    extra_args(ctx, node, 2)


def _script_user(ctx: Context, node: Node, fields: Fields) -> None:
    user = first_arg(ctx, node)
    if user is not None:
        fields["script_user"] = user
        if len(node.args) > 1:
            fields["script_group"] = node.args[1]
        extra_args(ctx, node, 2)


def _lvs_timeouts(ctx: Context, node: Node, fields: Fields) -> None:
    values: dict[str, int] = {}
    args = list(node.args)
    while args:
        name = args.pop(0)
        if name not in ("tcp", "tcpfin", "udp") or not args:
            ctx.error(node, f"lvs_timeouts: unknown or incomplete option '{name}'")
            break
        value = parse_int(ctx, node, args.pop(0), 1, 86400 * 31)
        if value is not None:
            values[name] = value
    fields["lvs_timeouts"] = LvsTimeouts(**values)


def _lvs_sync_daemon(ctx: Context, node: Node, fields: Fields) -> None:
    interface = first_arg(ctx, node)
    if interface is None:
        return
    values: dict[str, object] = {}
    args = list(node.args[1:])
    numbers = {
        "id": ("sync_id", 0, 255),
        "maxlen": ("maxlen", 1, 65507),
        "port": ("port", 1, 65535),
        "ttl": ("ttl", 1, 255),
    }
    while args:
        word = args.pop(0)
        if word == "inst" and args:
            values["vrrp_instance"] = args.pop(0)
        elif word in numbers and args:
            name, low, high = numbers[word]
            values[name] = parse_int(ctx, node, args.pop(0), low, high)
        elif word == "group" and args:
            values["group"] = parse_ip(ctx, node, args.pop(0), "sync group address")
        elif "vrrp_instance" not in values and word not in numbers and word != "group":
            values["vrrp_instance"] = word
        else:
            ctx.error(node, f"lvs_sync_daemon: unknown option '{word}'")
    clean = {k: v for k, v in values.items() if v is not None}
    fields["lvs_sync_daemon"] = LvsSyncDaemon(interface, **clean)  # type: ignore[arg-type]


def _fifo(field: str, kind: str, what: str) -> Keyword:
    """``[vrrp_]notify_fifo[_script] NAME [user [group]]``, with keepalived 2.2.7's errors
    (global_parser.c): none given, or given twice (the first is kept)."""
    noun = "notify_fifo" if what == "name" else "notify_fifo_script"

    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        if not node.args:
            ctx.error(node, f"No {kind}{noun}{' name' if what == 'name' else ''} specified")
            return
        if field in fields:
            ctx.error(node, f"{kind}{noun} already specified - ignoring {node.args[0]}")
            return
        user = node.args[1] if len(node.args) > 1 else None
        group = node.args[2] if len(node.args) > 2 else None
        extra_args(ctx, node, 3)
        fields[field] = Script(node.args[0], user, group)

    return Keyword(handler)


GLOBAL_TABLE: Table = {
    **options_table(
        "smtp_alert_vrrp smtp_alert_checker no_email_faults startup_script startup_script_timeout "
        "shutdown_script shutdown_script_timeout "
        "lvs_notify_fifo lvs_notify_fifo_script vrrp_iptables "
        "vrrp_ipsets nftables nftables_priority nftables_ifindex nftables_counters vmac_prefix "
        "vmac_addr max_auto_priority min_auto_priority_delay checker_log_all_failures "
        "bfd_priority bfd_rt_priority bfd_no_swap bfd_cpu_affinity bfd_rlimit_rttime "
        "enable_snmp_vrrp enable_snmp_checker enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3 "
        "enable_traps snmp_socket enable_dbus dbus_service_name json_version state_dump_file "
        "stats_dump_file json_dump_file reload_check_config reload_time_file reload_repeat "
        "config_save_dir tmp_config_directory process_names vrrp_process_name "
        "checker_process_name bfd_process_name vrrp_netlink_cmd_rcv_bufs "
        "vrrp_netlink_cmd_rcv_bufs_force vrrp_netlink_monitor_rcv_bufs "
        "vrrp_netlink_monitor_rcv_bufs_force lvs_netlink_cmd_rcv_bufs "
        "lvs_netlink_cmd_rcv_bufs_force lvs_netlink_monitor_rcv_bufs "
        "lvs_netlink_monitor_rcv_bufs_force rs_init_notifies no_checker_emails nftables_ipvs "
        "vrrp_min_garp vrrp_garp_extra_if vrrp_rx_bufs_policy vrrp_rx_bufs_multiplier "
        "vrrp_notify_priority_changes dynamic_interfaces random_seed umask "
        "vrrp_owner_ignore_adverts "
        "vrrp_startup_delay_log vrrp_log_unknown_vrids vrrp_strict_extended vrrp_tx_bufs "
        "local_name script_security_no_warn linkbeat_use_polling fifo_write_vrrp_states_on_reload "
        "vrrp_iptables_no_add vrrp_ipsets_no_add"
    ),
    "notify_fifo": _fifo("notify_fifo", "", "name"),
    "notify_fifo_script": _fifo("notify_fifo_script", "", "script"),
    "vrrp_notify_fifo": _fifo("vrrp_notify_fifo", "vrrp_", "name"),
    "vrrp_notify_fifo_script": _fifo("vrrp_notify_fifo_script", "vrrp_", "script"),
    "router_id": set_str("router_id"),
    "lvs_id": deprecated(
        set_str("router_id"), "lvs_id is a keepalived 1.x keyword - please use 'router_id'"
    ),
    "notification_email": Keyword(_notification_email, block=True),
    "notification_email_from": set_str("notification_email_from"),
    "smtp_server": Keyword(_smtp_server),
    "smtp_connect_timeout": set_int("smtp_connect_timeout", 1, 3600),
    "smtp_helo_name": set_str("smtp_helo_name"),
    "smtp_alert": set_bool("smtp_alert"),
    "enable_script_security": set_flag("enable_script_security"),
    "script_user": Keyword(_script_user),
    "vrrp_version": set_int("vrrp_version", 2, 3),
    "vrrp_mcast_group4": set_ip("vrrp_mcast_group4"),
    "vrrp_mcast_group6": set_ip("vrrp_mcast_group6"),
    "vrrp_garp_master_delay": set_int("vrrp_garp_master_delay", 0, 86400),
    "vrrp_garp_master_repeat": set_int("vrrp_garp_master_repeat", 0, 65535),
    "vrrp_garp_master_refresh": set_int("vrrp_garp_master_refresh", 0, 86400),
    "vrrp_garp_master_refresh_repeat": set_int("vrrp_garp_master_refresh_repeat", 0, 65535),
    "vrrp_garp_lower_prio_delay": set_int("vrrp_garp_lower_prio_delay", 0, 86400),
    "vrrp_garp_lower_prio_repeat": set_int("vrrp_garp_lower_prio_repeat", 0, 65535),
    "vrrp_garp_interval": set_float("vrrp_garp_interval", 0, 1),
    "vrrp_gna_interval": set_float("vrrp_gna_interval", 0, 1),
    "vrrp_down_timer_adverts": set_int("vrrp_down_timer_adverts", 1, 100),
    "vrrp_strict": set_flag("vrrp_strict"),
    "vrrp_lower_prio_no_advert": set_bool("vrrp_lower_prio_no_advert"),
    "vrrp_higher_prio_send_advert": set_bool("vrrp_higher_prio_send_advert"),
    "vrrp_check_unicast_src": set_flag("vrrp_check_unicast_src"),
    "vrrp_skip_check_adv_addr": set_flag("vrrp_skip_check_adv_addr"),
    "vrrp_startup_delay": set_float("vrrp_startup_delay", 0, 3600),
    "lvs_timeouts": Keyword(_lvs_timeouts),
    "lvs_sync_daemon": Keyword(_lvs_sync_daemon),
    "lvs_flush": set_flag("lvs_flush"),
    "lvs_flush_on_stop": set_flag("lvs_flush_on_stop"),
    "lvs_flush_onstop": set_flag("lvs_flush_on_stop"),
    **PROCESS_TUNING_TABLE,
}


def parse_global_defs(ctx: Context, node: Node, fields: Fields) -> None:
    """Later ``global_defs`` blocks add to earlier ones, as in keepalived."""
    run_block(ctx, node.children, GLOBAL_TABLE, fields)


def make_global_defs(fields: Fields) -> GlobalDefs:
    return GlobalDefs(**freeze(fields))
