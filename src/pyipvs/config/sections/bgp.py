# SPDX-License-Identifier: Apache-2.0
"""``pyipvs_bgp { }``: pyipvs's own top-level block, absent from keepalived 2.2.7.

It names the BGP speaker that announces each virtual server's address while the virtual
server has quorum (docs/guide/active-active.rst). keepalived would skip the block with
``Unknown keyword 'pyipvs_bgp'``; pyipvs reads it and says, at the block's line, that it is a
pyipvs extension. That notice leaves ``-t`` at 0 but makes ``--strict`` (refuse anything a
plain keepalived.conf would not contain) refuse the file.
"""

from __future__ import annotations

import math
import os
import re

from pyipvs.config.model import BgpConfig
from pyipvs.config.tree import Node
from pyipvs.config.values import (
    Context,
    Fields,
    Keyword,
    Table,
    extra_args,
    first_arg,
    run_block,
)

BLOCK = "pyipvs_bgp"
SPEAKERS = ("bird",)
EXTENSION_NOTICE = (
    f"'{BLOCK}' is a pyipvs extension (keepalived 2.2.7 does not know it): refused by --strict"
)
# A BIRD symbol: the static protocol's name is written into the speaker's configuration.
_BIRD_SYMBOL = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def _word(field: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        value = first_arg(ctx, node)
        if value is None:
            return
        extra_args(ctx, node, 1)
        if field == "speaker" and value not in SPEAKERS:
            ctx.error(node, f"{BLOCK}: speaker '{value}' not supported (one of: bird)")
        elif field == "protocol" and not _BIRD_SYMBOL.fullmatch(value):
            ctx.error(node, f"{BLOCK}: protocol name '{value}' is not a BIRD symbol")
        else:
            fields[field] = value

    return Keyword(handler)


def _path(field: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        value = first_arg(ctx, node)
        if value is None:
            return
        extra_args(ctx, node, 1)
        if not os.path.isabs(value):
            ctx.error(node, f"{BLOCK}: {node.keyword} '{value}' must be an absolute path")
        else:
            fields[field] = value

    return Keyword(handler)


def _seconds(field: str, low: float, high: float) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        value = first_arg(ctx, node)
        if value is None:
            return
        extra_args(ctx, node, 1)
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if not low <= seconds <= high:  # NaN fails too
            ctx.error(node, f"{BLOCK}: {node.keyword} '{value}' outside range [{low:g}, {high:g}]")
        else:
            fields[field] = seconds

    return Keyword(handler)


def _multiplier(field: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        value = first_arg(ctx, node)
        if value is None:
            return
        extra_args(ctx, node, 1)
        # RFC 5880 4.1: Detect Mult is one octet and must not be zero
        if not (value.isdigit() and 1 <= int(value) <= 255):
            ctx.error(node, f"{BLOCK}: {node.keyword} '{value}' outside range [1, 255]")
        else:
            fields[field] = int(value)

    return Keyword(handler)


def _sync_daemon(ctx: Context, node: Node, fields: Fields) -> None:
    """``sync_daemon IFACE [SYNCID]``: the kernel's sync daemon in both roles at once."""
    interface = first_arg(ctx, node)
    if interface is None:
        return
    extra_args(ctx, node, 2)
    # IFNAMSIZ is 16 with the NUL; the kernel refuses '/', ':' and white space in a name
    if len(interface) > 15 or any(c in interface for c in "/: \t"):
        ctx.error(node, f"{BLOCK}: sync_daemon interface '{interface}' is not an interface name")
        return
    text = node.args[1] if len(node.args) > 1 else "0"
    if not (text.isdigit() and int(text) <= 255):  # the sync message's one-octet SyncID
        ctx.error(node, f"{BLOCK}: sync_daemon sync id '{text}' outside range [0, 255]")
        return
    fields["sync_daemon"] = (interface, int(text))


BGP_TABLE: Table = {
    "speaker": _word("speaker"),
    "control_socket": _path("control_socket"),
    "include_file": _path("include_file"),
    "protocol": _word("protocol"),
    "retry_max": _seconds("retry_max", 0.1, 3600.0),
    "check_interval": _seconds("check_interval", 0.1, 3600.0),
    # BFD (RFC 5880) on the speaker's sessions: the interval both ways, in seconds (BIRD
    # counts whole microseconds; 10 ms is where a user-space BFD stops being credible)
    "bfd_interval": _seconds("bfd_interval", 0.01, 60.0),
    "bfd_multiplier": _multiplier("bfd_multiplier"),
    "sync_daemon": Keyword(_sync_daemon),
}


def parse_bgp(ctx: Context, node: Node, previous: BgpConfig | None) -> BgpConfig:
    """The block's settings over the defaults; every problem is reported at its line."""
    ctx.reporter.notice(node.file, node.line, EXTENSION_NOTICE)
    if previous is not None:
        ctx.error(node, f"{BLOCK} already specified - replacing")
    if node.children is None:
        ctx.warn(node, f"'{BLOCK}' needs a '{{ }}' block")
    fields: Fields = {}
    run_block(ctx, node.children, BGP_TABLE, fields)
    return BgpConfig(**fields)
