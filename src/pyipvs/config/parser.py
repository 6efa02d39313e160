# SPDX-License-Identifier: Apache-2.0
"""The whole pipeline: text -> lines -> tree -> model, then checks that span blocks.

Nothing here raises for bad input: every problem is a :class:`Diagnostic`. The only exception
that can leave :func:`read_config` / :func:`parse_config` is :class:`~pyipvs.errors.ConfigError`,
used as a last-resort guard (and by :func:`load_config` when the result is unusable).
"""

from __future__ import annotations

import gc
import os
import platform
import pwd
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyipvs.config.diagnostics import Diagnostic, Reporter, Severity, exit_status
from pyipvs.config.lexer import Lexer
from pyipvs.config.model import (
    BgpConfig,
    KeepalivedConfig,
    Option,
    SslConfig,
    VrrpInstanceConfig,
)
from pyipvs.config.sections.bgp import parse_bgp
from pyipvs.config.sections.global_defs import make_global_defs, parse_global_defs
from pyipvs.config.sections.lvs import parse_virtual_server, parse_vsg
from pyipvs.config.sections.routes import routes_keyword, rules_keyword
from pyipvs.config.sections.ssl import parse_ssl
from pyipvs.config.sections.vrrp import STATIC_ADDRESSES, parse_instance
from pyipvs.config.sections.vrrp_track import parse_sync_group, parse_track_file, parse_vrrp_script
from pyipvs.config.tree import Node, TreeBuilder
from pyipvs.config.values import Context
from pyipvs.errors import ConfigError

DEFAULT_CONFIG = "/etc/keepalived/keepalived.conf"
ROOT_OPTIONS = frozenset(
    [
        "net_namespace",
        "net_namespace_ipvs",
        "namespace_with_ipsets",
        "use_pid_dir",
        "instance",
        "child_wait_time",
        "linkbeat_use_polling",
        "linkbeat_interfaces",
        "interface_up_down_delays",
        "track_group",
        "vrrp_track_process",
        "garp_group",
        "bfd_instance",
    ]
)
DEFAULT_SCRIPT_USER = "keepalived_script"
STATIC_TABLE = {
    "static_ipaddress": STATIC_ADDRESSES,
    "static_routes": routes_keyword("static_routes", tracked=True),
    "static_rules": rules_keyword("static_rules"),
}


@dataclass(frozen=True)
class ParseResult:
    """A resolved configuration and every problem found on the way."""

    config: KeepalivedConfig
    diagnostics: tuple[Diagnostic, ...]

    @property
    def exit_status(self) -> int:
        """What ``keepalived -t`` would exit with: 0, 4, 5 or 6."""
        return exit_status(self.diagnostics)


def default_config_id() -> str:
    """keepalived's default config id: the node name up to the first dot."""
    return platform.node().split(".")[0]


class _Builder:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.global_fields: dict[str, Any] = {}
        self.parts: dict[str, list[Any]] = {
            "vrrp_scripts": [],
            "track_files": [],
            "vrrp_sync_groups": [],
            "vrrp_instances": [],
            "virtual_server_groups": [],
            "virtual_servers": [],
        }
        self.instance_nodes: dict[str, Node] = {}
        self.sync_nodes: dict[str, Node] = {}
        self.options: list[Option] = []
        self.ssl: SslConfig | None = None
        self.vs_nodes: list[Node] = []
        self.static_fields: dict[str, Any] = {}
        self.bgp: BgpConfig | None = None  # pyipvs_bgp (pyipvs only)

    def root(self, node: Node) -> None:
        handler = ROOT_HANDLERS.get(node.keyword)
        if handler is not None:
            handler(self, node)
        elif node.keyword in ROOT_OPTIONS:
            self.options.append((node.keyword, node.args))
        else:
            self.ctx.warn(node, f"Unknown keyword '{node.keyword}'")

    def add(self, part: str, value: object) -> None:
        if value is not None:
            self.parts[part].append(value)

    def instance(self, node: Node) -> None:
        version = self.global_fields.get("vrrp_version", 2)
        instance = parse_instance(self.ctx, node, version)
        if instance is not None:
            self.instance_nodes.setdefault(instance.name, node)
            self.add("vrrp_instances", instance)

    def sync_group(self, node: Node) -> None:
        if node.children is None:
            self.ctx.warn(node, f"'{node.keyword}' needs a '{{ }}' block")
        group = parse_sync_group(self.ctx, node)
        if group is not None:
            self.sync_nodes.setdefault(group.name, node)
            self.add("vrrp_sync_groups", group)

    def virtual_server(self, node: Node) -> None:
        if node.children is None:
            self.ctx.warn(node, "'virtual_server' needs a '{ }' block")
        vs = parse_virtual_server(self.ctx, node)
        if vs is not None:
            self.vs_nodes.append(node)
            self.add("virtual_servers", vs)

    def static(self, node: Node) -> None:
        STATIC_TABLE[node.keyword].handler(self.ctx, node, self.static_fields)

    def build(self) -> KeepalivedConfig:
        parts: dict[str, Any] = {key: tuple(value) for key, value in self.parts.items()}
        statics = self.static_fields
        parts["static_ipaddress"] = tuple(vip for _, vip in statics.get("_static_ipaddress", ()))
        parts["static_routes"] = tuple(statics.get("static_routes", ()))
        parts["static_rules"] = tuple(statics.get("static_rules", ()))
        return KeepalivedConfig(
            global_defs=make_global_defs(self.global_fields),
            options=tuple(self.options),
            ssl=self.ssl,
            bgp=self.bgp,
            **parts,
        )


def _block(part: str, parse: Callable[[Context, Node], object]) -> Callable[[_Builder, Node], None]:
    def handler(builder: _Builder, node: Node) -> None:
        if node.children is None:
            builder.ctx.warn(node, f"'{node.keyword}' needs a '{{ }}' block")
        builder.add(part, parse(builder.ctx, node))

    return handler


ROOT_HANDLERS: dict[str, Callable[[_Builder, Node], None]] = {
    "global_defs": lambda b, n: parse_global_defs(b.ctx, n, b.global_fields),
    "vrrp_script": _block("vrrp_scripts", parse_vrrp_script),
    "track_file": _block("track_files", parse_track_file),
    "vrrp_track_file": _block("track_files", parse_track_file),  # silent synonym in 2.2.7
    "vrrp_sync_group": lambda b, n: b.sync_group(n),
    "vrrp_instance": lambda b, n: b.instance(n),
    "virtual_server_group": _block("virtual_server_groups", parse_vsg),
    "virtual_server": lambda b, n: b.virtual_server(n),
    "static_ipaddress": lambda b, n: b.static(n),
    "static_routes": lambda b, n: b.static(n),
    "static_rules": lambda b, n: b.static(n),
    "SSL": lambda b, n: setattr(b, "ssl", parse_ssl(b.ctx, n, b.ssl)),
    "pyipvs_bgp": lambda b, n: setattr(b, "bgp", parse_bgp(b.ctx, n, b.bgp)),  # pyipvs only
}


# ------------------------------------------------------------------ checks spanning blocks
def _check_cross(builder: _Builder, config: KeepalivedConfig, main: str) -> KeepalivedConfig:
    ctx = builder.ctx
    nodes = builder.instance_nodes
    _check_vrids(ctx, config.vrrp_instances, nodes, main)
    scripts = {s.name for s in config.vrrp_scripts}
    files = {f.name for f in config.track_files}
    for inst in config.vrrp_instances:
        node = nodes[inst.name]
        for tracked in inst.track_script:
            if tracked.name not in scripts:
                where = ctx.where.get(("vrrp_instance", "track_script", inst.name, tracked.name))
                ctx.warn(
                    where or node,
                    f"({inst.name}) track script {tracked.name} not found, ignoring...",
                )
        for tracked in inst.track_file:
            if tracked.name not in files:
                where = ctx.where.get(("vrrp_instance", "track_file", inst.name, tracked.name))
                ctx.warn(
                    where or node, f"({inst.name}) track file {tracked.name} not found, ignoring..."
                )
    _check_sync_groups(ctx, config, nodes, builder.sync_nodes, main)
    _check_vs_groups(ctx, config, builder.vs_nodes)
    _check_scripts(ctx, config, main)
    return config


def _check_vs_groups(ctx: Context, config: KeepalivedConfig, vs_nodes: list[Node]) -> None:
    """keepalived 2.2.7: a protocol on an all-fwmark group is ignored; with DR/TUN, real server
    ports are ignored when the group has fwmark entries."""
    groups = {g.name: g for g in config.virtual_server_groups}
    for vs, node in zip(config.virtual_servers, vs_nodes, strict=True):
        if vs.group is None:
            continue
        group = groups.get(vs.group)
        if group is None:
            ctx.warn(node, f"Virtual server group {vs.group} not found - ignoring")
            continue
        only_fwmarks = all(e.fwmark is not None for e in group.entries)
        if (
            group.entries
            and only_fwmarks
            and any(c.keyword == "protocol" for c in node.children or ())
        ):
            ctx.warn(
                node,
                f"Warning: Virtual server [{vs.group}]:0: protocol specified for fwmark"
                " - protocol will be ignored",
            )
        if any(e.fwmark is not None for e in group.entries) and vs.lvs_method != "NAT":
            proto = "none" if only_fwmarks else vs.protocol.lower()
            for rs in vs.real_servers:
                if rs.port:
                    ctx.warn(
                        node,
                        f"WARNING - fwmark virtual server [{vs.group}]:0, real server"
                        f" [{rs.address}]:{proto}:{rs.port} has port specified"
                        " - port will be ignored",
                    )


def _first(nodes: dict[str, Node], main: str) -> Node:
    return next(iter(nodes.values()), Node(("-",), main, 0, block=False))


def _check_vrids(
    ctx: Context, instances: tuple[VrrpInstanceConfig, ...], nodes: dict[str, Node], main: str
) -> None:
    seen: dict[tuple[object, ...], str] = {}
    for inst in instances:
        if inst.virtual_router_id is None:
            continue
        family = "IPv6" if inst.version == 3 and _is_v6(inst) else "IPv4"
        key = (inst.virtual_router_id, family, inst.interface, bool(inst.unicast_peer))
        if key in seen:
            ctx.error(
                nodes.get(inst.name, _first(nodes, main)),
                f"{seen[key]} and {inst.name} both use VRID {inst.virtual_router_id} with "
                f"{family} on interface {inst.interface}",
            )
        else:
            seen[key] = inst.name


def _is_v6(inst: VrrpInstanceConfig) -> bool:
    return bool(inst.virtual_ipaddress) and ":" in inst.virtual_ipaddress[0].address


def _check_sync_groups(
    ctx: Context,
    config: KeepalivedConfig,
    nodes: dict[str, Node],
    builder_nodes: dict[str, Node],
    main: str,
) -> None:
    """Members that do not exist, groups of one, and member trackers whose weights the group
    overrides; each reported at the sync group's (or the member's) line."""
    groups, instances = config.vrrp_sync_groups, config.vrrp_instances
    by_name = {inst.name: inst for inst in instances}
    script_weights = {s.name: s.weight for s in config.vrrp_scripts}
    file_weights = {f.name: f.weight for f in config.track_files}
    for group in groups:
        node = builder_nodes.get(group.name, _first(nodes, main))
        members = [m for m in group.group if m in by_name]
        for missing in (m for m in group.group if m not in by_name):
            ctx.warn(
                ctx.where.get(("vrrp_sync_group", "group", group.name, missing), node),
                f"Virtual router {missing} specified in sync group {group.name}"
                " doesn't exist - ignoring",
            )
        if len(members) == 1:
            ctx.warn(
                node,
                f"Sync group {group.name} has only 1 virtual router(s)"
                " - this probably isn't what you want",
            )
        for name in members:
            inst, where = by_name[name], nodes[name]
            for t in inst.track_interface:
                if t.weight:
                    ctx.warn(
                        where,
                        f"({name}) ignoring {t.name} tracked interface weight due to SYNC group",
                    )
            for t in inst.track_script:
                if t.weight if t.weight is not None else script_weights.get(t.name):
                    ctx.warn(
                        where,
                        f"({name}) ignoring tracked script {t.name} with weights due to SYNC group",
                    )
            for t in inst.track_file:
                weight = t.weight if t.weight is not None else file_weights.get(t.name)
                if weight:
                    ctx.warn(
                        where,
                        f"({name}) ignoring tracked file {t.name} with weight {weight}"
                        " due to SYNC group",
                    )


def _check_scripts(ctx: Context, config: KeepalivedConfig, main: str) -> None:
    """keepalived 2.2.7: runnable scripts without ``enable_script_security`` are a security
    violation (exit 6); with it, a missing default script user is a configuration error."""
    runnable = [s for s in ctx.scripts if _exists(s.command)]
    if not runnable:
        return
    g = config.global_defs
    where = Node(("-",), main, 0, block=False)
    if not g.enable_script_security:
        ctx.reporter.security(
            main,
            0,
            "SECURITY VIOLATION - scripts are being executed but script_security not enabled.",
        )
    elif g.script_user is None and not _user_exists(DEFAULT_SCRIPT_USER):
        ctx.error(where, f"Unable to set default user {DEFAULT_SCRIPT_USER} for script")


def _exists(command: str) -> bool:
    path = command.split()[0] if command.split() else ""
    return os.path.isabs(path) and os.path.isfile(path)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


# ------------------------------------------------------------------ public entry points
def _run(
    reader: Callable[[Lexer], bool], main: str, config_id: str | None, check_interfaces: bool
) -> ParseResult:
    reporter = Reporter()
    # The reader allocates a few objects per line and frees none until the end: the cyclic
    # GC would rescan them over and over (about 40% of the time on 150,000 lines).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        tree = TreeBuilder(reporter)
        lexer = Lexer(
            reporter,
            config_id if config_id is not None else default_config_id(),
            tree=tree,
        )
        if not reader(lexer):
            return ParseResult(KeepalivedConfig(), tuple(reporter.items))
        config = _build(tree.finish(main), reporter, main, check_interfaces)
        # The tree (a few objects per line) is freed here, while the GC is still paused: the
        # first collection after it resumes then scans the model only, not the whole tree too
        # (a collection over 150,000 lines' objects costs about a tenth of reading them).
        del lexer, tree
        result = ParseResult(config, tuple(reporter.items))
    except RecursionError as exc:  # pathological nesting: still only a config error
        raise ConfigError(f"{main}: configuration nests too deeply", tuple(reporter.items)) from exc
    finally:
        if gc_was_enabled:
            gc.enable()
    return result


def _build(
    roots: list[Node], reporter: Reporter, main: str, check_interfaces: bool
) -> KeepalivedConfig:
    """The model of a tree; nothing that refers to the tree outlives the call."""
    ctx = Context(reporter, check_interfaces)
    builder = _Builder(ctx)
    for node in roots:
        builder.root(node)
    return _check_cross(builder, builder.build(), main)


def read_config(
    path: str = DEFAULT_CONFIG, *, config_id: str | None = None, check_interfaces: bool = False
) -> ParseResult:
    """Read ``path`` (and its includes); never raises for bad content."""
    return _run(lambda lexer: lexer.read_main(path), path, config_id, check_interfaces)


def parse_config(
    text: str,
    *,
    name: str = "<string>",
    config_id: str | None = None,
    check_interfaces: bool = False,
) -> ParseResult:
    """Parse configuration text; includes are relative to the directory of ``name``."""

    def reader(lexer: Lexer) -> bool:
        lexer.read_text(text, name)
        return True

    return _run(reader, name, config_id, check_interfaces)


def load_config(
    path: str = DEFAULT_CONFIG, *, config_id: str | None = None, strict: bool = False
) -> KeepalivedConfig:
    """The configuration a daemon should run, or :class:`ConfigError`: always on a fatal problem
    or a failed include check (``includer`` ... ``includea`` ask for one), and with ``strict`` on
    any problem at all (every warning is then an error)."""
    result = read_config(path, config_id=config_id)
    refused = (Severity.FATAL, Severity.INCLUDE)
    bad = [
        d
        for d in result.diagnostics
        if d.severity in refused or (strict and d.severity is not Severity.NOTICE)
    ]
    if bad:
        summary = "; ".join(str(d) for d in bad[:3])
        raise ConfigError(f"{len(bad)} configuration problem(s): {summary}", result.diagnostics)
    return result.config
