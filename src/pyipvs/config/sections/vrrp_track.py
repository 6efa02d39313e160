# SPDX-License-Identifier: Apache-2.0
"""``vrrp_script``, ``track_file`` and ``vrrp_sync_group`` blocks, and the ``track_*`` lists and
``notify*`` keywords that instances share with them.

The messages are keepalived 2.2.7's wording, as observed with ``keepalived -t``.
"""

from __future__ import annotations

from pyipvs.config.model import (
    Tracked,
    TrackFileConfig,
    VrrpScriptConfig,
    VrrpSyncGroupConfig,
)
from pyipvs.config.tree import Node
from pyipvs.config.values import (
    Context,
    Fields,
    Keyword,
    Table,
    extra_args,
    first_arg,
    freeze,
    options_table,
    parse_int,
    run_block,
    set_bool,
    set_flag,
    set_float,
    set_int,
    set_script,
    set_str,
)

# ------------------------------------------------------------------ shared pieces
# How an entry of each track_* list is named in keepalived's messages, the words it accepts
# after ``weight N``, and the weight limit.
TRACK_KINDS: dict[str, tuple[str, frozenset[str], int]] = {
    "track_interface": ("track_interface", frozenset({"reverse"}), 253),
    "track_script": ("track_script", frozenset({"reverse", "noreverse"}), 253),
    "track_file": ("track file", frozenset({"reverse", "noreverse"}), 254),
}
# keepalived reads every track weight as a number in [-254, 254], then says what it refused
# (vrrp_track.c); interface and script weights of +/-254 become +/-253.
WEIGHT_READ_LIMIT = 254
WEIGHT_REFUSED = {
    "track_interface": "({owner}) weight {arg} for {name} must be between [-253..253] inclusive."
    " Ignoring...",
    "track_script": "({owner}) track script {name}: weight must be between [-253..253] inclusive,"
    " ignoring...",
    "track_file": "({owner}) weight for track file {name} must be in [-254..254] inclusive."
    " Ignoring...",
}
# The same for the weight of a vrrp_script block and of a vrrp_track_file block.
BLOCK_WEIGHT_REFUSED = {
    "vrrp_script": "vrrp_script {name} weight {arg} must be in [-253, 253]",
    "vrrp_track_file": "Weight ({arg}) for track_file {name} must be between [-254..254]"
    " inclusive. Ignoring...",
}


def _weight(ctx: Context, node: Node, args: tuple[str, ...], limit: int) -> tuple[int | None, bool]:
    """``weight N [reverse|noreverse]`` of a vrrp_script or track_file block."""
    if len(args) < 2:
        ctx.error(node, "weight needs a value")
        return None, False
    value = parse_int(ctx, node, args[1], -limit, limit)
    reverse = len(args) > 2 and args[2] == "reverse"
    return value, reverse


def _track_entry(ctx: Context, node: Node, field: str, owner: str) -> Tracked | None:
    """One line of a track_* list: ``NAME [weight N [reverse]]``. keepalived 2.2.7 keeps an
    interface or script entry whose options it ignores, but drops such a track_file entry."""
    label, reverse_words, limit = TRACK_KINDS[field]
    name, args = node.keyword, node.args
    ignored = None if field == "track_file" else Tracked(name)
    if not args:
        return Tracked(name)
    if args[0] != "weight":
        ctx.warn(node, f"({owner}) unknown {label} {name} option {args[0]} - ignoring")
        return ignored
    if len(args) < 2:
        ctx.warn(node, f"({owner}) weight without value specified for {label} {name} - ignoring")
        return ignored
    if len(args) > 2 and args[2] not in reverse_words:
        ctx.warn(node, f"({owner}) unknown {label} {name} weight option {args[2]} - ignoring")
        return ignored
    value = parse_int(ctx, node, args[1], -WEIGHT_READ_LIMIT, WEIGHT_READ_LIMIT)
    if value is None:
        ctx.error(node, WEIGHT_REFUSED[field].format(owner=owner, name=name, arg=args[1]))
        return ignored
    if abs(value) > limit:
        ctx.warn(node, f"({owner}) weight for {name} cannot be +/-254. Setting to +/-253")
        value = limit if value > 0 else -limit
    return Tracked(name, value, len(args) > 2 and args[2] == "reverse")


def track_list(field: str, scope: str) -> Keyword:
    """A track_* block of a ``scope`` (vrrp_instance or vrrp_sync_group); each entry's node is
    kept in ``ctx.where`` so later checks report at the entry's line."""

    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        owner = fields["name"]
        entries: list[Tracked] = fields.setdefault(field, [])
        for child in node.children or ():
            if any(e.name == child.keyword for e in entries):
                ctx.warn(child, f"({owner}) duplicate {field} {child.keyword} - ignoring")
                continue
            entry = _track_entry(ctx, child, field, owner)
            if entry is not None:
                ctx.where[(scope, field, owner, entry.name)] = child
                entries.append(entry)

    return Keyword(handler, block=True)


def _weight_keyword(limit: int) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        value, reverse = _weight(ctx, node, ("weight", *node.args), limit)
        if value is not None:
            fields["weight"] = value
            fields["weight_reverse"] = reverse
        elif node.args:  # the block's name is known only to its parser: say it there
            fields[_REFUSED_WEIGHT] = (node, node.args[0])

    return Keyword(handler)


_REFUSED_WEIGHT = "_refused_weight"


def _say_refused_weight(ctx: Context, fields: Fields, block: str, name: str) -> None:
    refused = fields.pop(_REFUSED_WEIGHT, None)
    if refused is not None:
        node, arg = refused
        ctx.error(node, BLOCK_WEIGHT_REFUSED[block].format(name=name, arg=arg))


def _user(ctx: Context, node: Node, fields: Fields) -> None:
    user = first_arg(ctx, node)
    if user is not None:
        fields["user"] = user
        if len(node.args) > 1:
            fields["group"] = node.args[1]
        extra_args(ctx, node, 2)


# ------------------------------------------------------------------ vrrp_script / track_file
SCRIPT_TABLE: Table = {
    "script": set_script("script"),
    "interval": set_float("interval", 0.001, 86400),
    "timeout": set_float("timeout", 0.001, 86400),
    "weight": _weight_keyword(253),
    "rise": set_int("rise", 1, 2**31 - 1),
    "fall": set_int("fall", 1, 2**31 - 1),
    "user": Keyword(_user),
    "init_fail": set_flag("init_fail"),
}


def parse_vrrp_script(ctx: Context, node: Node) -> VrrpScriptConfig | None:
    name = first_arg(ctx, node)
    if name is None:
        return None
    fields: Fields = {}
    run_block(ctx, node.children, SCRIPT_TABLE, fields)
    _say_refused_weight(ctx, fields, "vrrp_script", name)
    if "script" not in fields:
        ctx.error(node, f"vrrp_script {name}: no script specified - ignoring")
        return None
    return VrrpScriptConfig(name, **fields)


def _init_file(ctx: Context, node: Node, fields: Fields) -> None:
    fields["init_file"] = True
    for word in node.args:
        if word == "overwrite":
            fields["init_overwrite"] = True
        else:
            value = parse_int(ctx, node, word, -(2**31), 2**31 - 1)
            if value is not None:
                fields["init_value"] = value


TRACK_FILE_TABLE: Table = {
    "file": set_str("file"),
    "weight": _weight_keyword(254),
    "init_file": Keyword(_init_file),
}


def parse_track_file(ctx: Context, node: Node) -> TrackFileConfig | None:
    name = first_arg(ctx, node)
    if name is None:
        return None
    fields: Fields = {}
    run_block(ctx, node.children, TRACK_FILE_TABLE, fields)
    _say_refused_weight(ctx, fields, "vrrp_track_file", name)
    if "file" not in fields:
        ctx.error(node, f"track_file {name}: no file specified - ignoring")
        return None
    return TrackFileConfig(name, **fields)


# ------------------------------------------------------------------ vrrp_sync_group
def _group_members(ctx: Context, node: Node, fields: Fields) -> None:
    members: list[str] = fields.setdefault("group", [])
    for child in node.children or ():
        for member in child.words:
            ctx.where.setdefault(("vrrp_sync_group", "group", fields["name"], member), child)
            members.append(member)


NOTIFY_TABLE: Table = {
    "notify_master": set_script("notify_master"),
    "notify_backup": set_script("notify_backup"),
    "notify_fault": set_script("notify_fault"),
    "notify_stop": set_script("notify_stop"),
    "notify": set_script("notify"),
    "smtp_alert": set_bool("smtp_alert"),
}


def _global_tracking(ctx: Context, node: Node, fields: Fields) -> None:
    ctx.warn(
        node,
        f"({fields['name']}) global_tracking is deprecated."
        " Use track_interface/script/file on the sync group",
    )
    fields["global_tracking"] = True
    extra_args(ctx, node, 0)


SYNC_GROUP_TABLE: Table = {
    **NOTIFY_TABLE,
    **options_table(
        "notify_deleted notify_priority_changes track_bfd track_process",
        "track_bfd track_process",
    ),
    "group": Keyword(_group_members, block=True),
    "track_interface": track_list("track_interface", "vrrp_sync_group"),
    "track_script": track_list("track_script", "vrrp_sync_group"),
    "track_file": track_list("track_file", "vrrp_sync_group"),
    "global_tracking": Keyword(_global_tracking),
    "sync_group_tracking_weight": set_flag("sync_group_tracking_weight"),
}


def parse_sync_group(ctx: Context, node: Node) -> VrrpSyncGroupConfig | None:
    name = first_arg(ctx, node)
    if name is None:
        return None
    fields: Fields = {"name": name}
    run_block(ctx, node.children, SYNC_GROUP_TABLE, fields)
    return VrrpSyncGroupConfig(**freeze(fields))


# ------------------------------------------------------------------ vrrp_instance


__all__ = [
    "NOTIFY_TABLE",
    "parse_sync_group",
    "parse_track_file",
    "parse_vrrp_script",
    "track_list",
]
