# SPDX-License-Identifier: Apache-2.0
"""Model -> keepalived.conf text (every resolved value written out), and model -> JSON-ready data.

Reading the text back gives an equal model: the tests check that round trip with hypothesis.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from pyipvs.config.model import (
    CheckerConfig,
    GlobalDefs,
    KeepalivedConfig,
    Option,
    ProcessTuning,
    RealServerConfig,
    Script,
    SslConfig,
    Tracked,
    TrackFileConfig,
    VirtualIp,
    VirtualServerConfig,
    VirtualServerGroupConfig,
    VrrpInstanceConfig,
    VrrpScriptConfig,
    VrrpSyncGroupConfig,
)


def quote(text: str) -> str:
    """A word keepalived reads back as ``text``: quoted, with escapes, when needed."""
    if text and not any(c in text for c in " \t\"'#!{}\\$@~") and text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable() and ch != "\t":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch) & 0xFF:03o}")
    return '"' + "".join(out) + '"'


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class _Out:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def line(self, *words: str) -> None:
        self.lines.append("    " * self.depth + " ".join(words))

    def open(self, *words: str) -> None:
        self.line(*words, "{")
        self.depth += 1

    def close(self) -> None:
        self.depth -= 1
        self.line("}")

    def script(self, keyword: str, script: Script | None) -> None:
        if script is not None:
            words = [quote(script.command)]
            words += [quote(w) for w in (script.user, script.group) if w is not None]
            self.line(keyword, *words)

    def options(self, options: tuple[Option, ...]) -> None:
        for keyword, args in options:
            self.line(keyword, *(quote(a) for a in args))

    def tracked(self, keyword: str, entries: tuple[Tracked, ...]) -> None:
        if not entries:
            return
        self.open(keyword)
        for t in entries:
            weight = () if t.weight is None else ("weight", str(t.weight))
            self.line(quote(t.name), *weight, *(("reverse",) if t.reverse else ()))
        self.close()


def _plain_fields(out: _Out, obj: Any, skip: set[str], defaults: Any) -> None:
    """Write scalar fields that differ from the class defaults: ``bool`` as a flag or BOOL."""
    for f in dataclasses.fields(obj):
        if f.name in skip:
            continue
        value = getattr(obj, f.name)
        default = getattr(defaults, f.name, None)
        if value is None or value == default:
            continue
        if isinstance(value, bool):
            out.line(f.name, *(("on" if value else "off",) if default is None else ()))
        elif isinstance(value, (int, float)):
            out.line(f.name, _num(value))
        elif isinstance(value, str):
            out.line(f.name, quote(value))
        elif isinstance(value, Script):
            out.script(f.name, value)


# ---- table-driven blocks: each field of a block is written by one small writer ----
# A writer gets the block's object and the field's name (its keyword); it writes nothing for a
# value that says "not set". A block's table lists its fields in the order they are written;
# the fields not in it are written by _plain_fields.

_Writer = Callable[[_Out, Any, str], None]


def _word(out: _Out, obj: Any, key: str) -> None:
    if getattr(obj, key) is not None:
        out.line(key, str(getattr(obj, key)))


def _quoted(out: _Out, obj: Any, key: str) -> None:
    if getattr(obj, key) is not None:
        out.line(key, quote(getattr(obj, key)))


def _number(out: _Out, obj: Any, key: str) -> None:
    if getattr(obj, key):  # 0 is the default: not written
        out.line(key, _num(getattr(obj, key)))


def _flag(out: _Out, obj: Any, key: str) -> None:
    if getattr(obj, key):
        out.line(key)


def _on_off(out: _Out, obj: Any, key: str) -> None:
    if getattr(obj, key) is not None:
        out.line(key, "on" if getattr(obj, key) else "off")


def _script(out: _Out, obj: Any, key: str) -> None:
    out.script(key, getattr(obj, key))


def _tracked(out: _Out, obj: Any, key: str) -> None:
    out.tracked(key, getattr(obj, key))


def _options(out: _Out, obj: Any, key: str) -> None:
    out.options(getattr(obj, key))


def _words_block(out: _Out, obj: Any, key: str) -> None:
    if getattr(obj, key):
        out.open(key)
        for word in getattr(obj, key):
            out.line(quote(word))
        out.close()


def _rows_block(out: _Out, obj: Any, key: str) -> None:
    rows: tuple[tuple[str, ...], ...] = getattr(obj, key)
    if rows:
        out.open(key)
        for row in rows:
            out.line(*(quote(w) for w in row))
        out.close()


def _vips_block(out: _Out, obj: Any, key: str) -> None:
    vips: tuple[VirtualIp, ...] = getattr(obj, key)
    if vips:
        out.open(key)
        for vip in vips:
            out.line(*_vip(vip))
        out.close()


def _write_table(out: _Out, obj: Any, table: tuple[tuple[str, _Writer], ...]) -> None:
    for key, write in table:
        write(out, obj, key)


def _table_fields(table: tuple[tuple[str, _Writer], ...]) -> set[str]:
    return {key for key, _ in table}


def _smtp_server(out: _Out, g: GlobalDefs, key: str) -> None:
    if g.smtp_server:
        out.line("smtp_server", g.smtp_server, str(g.smtp_port))


def _script_user(out: _Out, g: GlobalDefs, key: str) -> None:
    if g.script_user:
        group = [quote(g.script_group)] if g.script_group else []
        out.line("script_user", quote(g.script_user), *group)


def _lvs_timeouts(out: _Out, g: GlobalDefs, key: str) -> None:
    t = g.lvs_timeouts
    if t:
        words = [
            w for k in ("tcp", "tcpfin", "udp") if getattr(t, k) for w in (k, str(getattr(t, k)))
        ]
        out.line("lvs_timeouts", *words)


# lvs_sync_daemon's fields and the words that name them after the interface.
_SYNC_DAEMON_WORDS = (("sync_id", "id"), ("maxlen", "maxlen"), ("port", "port"), ("ttl", "ttl"))


def _lvs_sync_daemon(out: _Out, g: GlobalDefs, key: str) -> None:
    s = g.lvs_sync_daemon
    if s:
        words = [quote(s.interface)] + ([quote(s.vrrp_instance)] if s.vrrp_instance else [])
        for field_name, word in (*_SYNC_DAEMON_WORDS, ("group", "group")):
            if getattr(s, field_name) is not None:
                words += [word, str(getattr(s, field_name))]
        out.line("lvs_sync_daemon", *words)


def _process_tuning(out: _Out, g: GlobalDefs, key: str) -> None:
    """``vrrp_process`` / ``checker_process``: the ``vrrp_*`` / ``checker_*`` keywords."""
    t, child = getattr(g, key), key.removesuffix("_process")
    if t.nice:
        out.line(f"{child}_priority", str(t.nice))
    if t.rt_priority:
        out.line(f"{child}_rt_priority", str(t.rt_priority))
    if t.rlimit_rttime != ProcessTuning().rlimit_rttime:
        out.line(f"{child}_rlimit_rttime", str(t.rlimit_rttime))
    if t.no_swap:
        out.line(f"{child}_no_swap")
    if t.cpu_affinity:
        out.line(f"{child}_cpu_affinity", *map(str, t.cpu_affinity))


_GLOBAL: tuple[tuple[str, _Writer], ...] = (
    *((flag, _flag) for flag in (
        "enable_script_security",
        "vrrp_strict",
        "vrrp_check_unicast_src",
        "vrrp_skip_check_adv_addr",
        "lvs_flush",
        "lvs_flush_on_stop",
    )),
    ("notification_email", _words_block),
    ("smtp_server", _smtp_server),
    ("script_user", _script_user),
    ("lvs_timeouts", _lvs_timeouts),
    ("lvs_sync_daemon", _lvs_sync_daemon),
    ("vrrp_process", _process_tuning),
    ("checker_process", _process_tuning),
    ("options", _options),
)  # fmt: skip
_GLOBAL_SKIP = _table_fields(_GLOBAL) | {"smtp_port", "script_group"}


def _global(out: _Out, g: GlobalDefs) -> None:
    out.open("global_defs")
    _plain_fields(out, g, _GLOBAL_SKIP, GlobalDefs())
    _write_table(out, g, _GLOBAL)
    out.close()


def _vrrp_script(out: _Out, s: VrrpScriptConfig) -> None:
    out.open("vrrp_script", quote(s.name))
    out.script("script", s.script)
    out.line("interval", _num(s.interval))
    if s.timeout is not None:
        out.line("timeout", _num(s.timeout))
    out.line("weight", str(s.weight), *(("reverse",) if s.weight_reverse else ()))
    out.line("rise", str(s.rise))
    out.line("fall", str(s.fall))
    if s.user:
        out.line("user", quote(s.user), *([quote(s.group)] if s.group else []))
    if s.init_fail:
        out.line("init_fail")
    out.close()


def _track_file(out: _Out, t: TrackFileConfig) -> None:
    out.open("track_file", quote(t.name))
    if t.file is not None:
        out.line("file", quote(t.file))
    out.line("weight", str(t.weight), *(("reverse",) if t.weight_reverse else ()))
    if t.init_file:
        out.line("init_file", str(t.init_value), *(("overwrite",) if t.init_overwrite else ()))
    out.close()


_NOTIFY: tuple[tuple[str, _Writer], ...] = (
    *((key, _script) for key in (
        "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify",
    )),
    ("smtp_alert", _on_off),
)  # fmt: skip
_TRACKING: tuple[tuple[str, _Writer], ...] = (
    ("track_interface", _tracked),
    ("track_script", _tracked),
    ("track_file", _tracked),
)


def _notify(out: _Out, obj: VrrpInstanceConfig | VrrpSyncGroupConfig) -> None:
    _write_table(out, obj, _NOTIFY)


_SYNC_GROUP: tuple[tuple[str, _Writer], ...] = (
    *_TRACKING,
    *_NOTIFY,
    ("global_tracking", _flag),
    ("sync_group_tracking_weight", _flag),
    ("options", _options),
)


def _sync_group(out: _Out, g: VrrpSyncGroupConfig) -> None:
    out.open("vrrp_sync_group", quote(g.name))
    if g.group:
        out.open("group")
        for member in g.group:
            out.line(quote(member))
        out.close()
    _write_table(out, g, _SYNC_GROUP)
    out.close()


def _vip(v: VirtualIp) -> list[str]:
    words = [v.address]
    for key in ("brd", "dev", "scope", "label", "peer"):
        if getattr(v, key) is not None:
            words += [key, quote(getattr(v, key))]
    return words + list(v.flags)


def _authentication(out: _Out, i: VrrpInstanceConfig, key: str) -> None:
    if i.authentication is not None:
        out.open("authentication")
        out.line("auth_type", i.authentication.auth_type)
        if i.authentication.auth_pass:
            out.line("auth_pass", quote(i.authentication.auth_pass))
        out.close()


def _unicast_peers(out: _Out, i: VrrpInstanceConfig, key: str) -> None:
    if i.unicast_peer:
        out.open("unicast_peer")
        for p in i.unicast_peer:
            ttl = [
                w
                for k in ("min_ttl", "max_ttl")
                if getattr(p, k) is not None
                for w in (k, str(getattr(p, k)))
            ]
            out.line(p.address, *ttl)
        out.close()


def _use_vmac(out: _Out, i: VrrpInstanceConfig, key: str) -> None:
    if i.use_vmac is not None:
        out.line("use_vmac", *([quote(i.use_vmac)] if i.use_vmac else []))


def _old_unicast_checksum(out: _Out, i: VrrpInstanceConfig, key: str) -> None:
    if i.old_unicast_checksum is not None:
        out.line(key, *(["never"] if i.old_unicast_checksum == "never" else []))


def _accept(out: _Out, i: VrrpInstanceConfig, key: str) -> None:
    if i.accept is not None:
        out.line("accept" if i.accept else "no_accept")


_INSTANCE: tuple[tuple[str, _Writer], ...] = (
    ("state", _word),
    ("interface", _quoted),
    ("virtual_router_id", _word),
    ("priority", _word),
    ("advert_int", _number),
    ("version", _word),
    ("authentication", _authentication),
    ("virtual_ipaddress", _vips_block),
    ("virtual_ipaddress_excluded", _vips_block),
    ("virtual_routes", _rows_block),
    ("virtual_rules", _rows_block),
    ("mcast_src_ip", _word),
    ("unicast_src_ip", _word),
    ("unicast_peer", _unicast_peers),
    ("nopreempt", _flag),
    ("preempt_delay", _number),
    *((key, _word) for key in (
        "garp_master_delay",
        "garp_master_repeat",
        "garp_master_refresh",
        "garp_master_refresh_repeat",
        "garp_lower_prio_delay",
        "garp_lower_prio_repeat",
    )),
    *_TRACKING,
    ("dont_track_primary", _flag),
    *_NOTIFY,
    ("use_vmac", _use_vmac),
    ("vmac_xmit_base", _flag),
    ("accept", _accept),
    ("strict_mode", _on_off),
    ("lvs_sync_daemon_interface", _quoted),
    ("old_unicast_checksum", _old_unicast_checksum),
    ("unicast_ttl", _word),
    ("check_unicast_src", _flag),
    ("options", _options),
)  # fmt: skip


def _instance(out: _Out, i: VrrpInstanceConfig) -> None:
    out.open("vrrp_instance", quote(i.name))
    _write_table(out, i, _INSTANCE)
    out.close()


def _vsg(out: _Out, g: VirtualServerGroupConfig) -> None:
    out.open("virtual_server_group", quote(g.name))
    for e in g.entries:
        if e.fwmark is not None:
            out.line("fwmark", str(e.fwmark), *([e.family] if e.family else []))
        else:
            text = f"{e.address}-{e.last}" if e.last else str(e.address)
            out.line(text, *([str(e.port)] if e.port is not None else []))
    out.close()


def _checker(out: _Out, c: CheckerConfig) -> None:
    out.open(c.kind)
    skip = {
        "options",
        "urls",
        "status_code",
        "reply",
        "require_reply",
        "weight",
        "weight_reverse",
        "user",
        "group",
    }
    defaults = type(c)()
    _plain_fields(out, c, skip, defaults)
    user = getattr(c, "user", None)
    if user is not None:
        group = getattr(c, "group", None)
        out.line("user", quote(user), *([quote(group)] if group else []))
    for url in getattr(c, "urls", ()):
        out.open("url")
        for key in ("path", "digest", "virtualhost"):
            if getattr(url, key) is not None:
                out.line(key, quote(getattr(url, key)))
        if url.status_code:
            out.line(
                "status_code",
                *(f"{lo}-{hi}" if lo != hi else str(lo) for lo, hi in url.status_code),
            )
        out.options(url.options)
        out.close()
    if getattr(c, "require_reply", False):
        reply = getattr(c, "reply", None)
        out.line("require_reply", *([reply] if reply else []))
    weight = getattr(c, "weight", None)
    if weight is not None:
        out.line(
            "weight", str(weight), *(("reverse",) if getattr(c, "weight_reverse", False) else ())
        )
    out.options(c.options)
    out.close()


def _real_server(out: _Out, rs: RealServerConfig) -> None:
    out.open("real_server", rs.address, *([str(rs.port)] if rs.port is not None else []))
    _plain_fields(
        out, rs, {"address", "port", "checkers", "options", "weight"}, RealServerConfig("")
    )
    out.line("weight", str(rs.weight))
    for checker in rs.checkers:
        _checker(out, checker)
    out.options(rs.options)
    out.close()


_VIRTUAL_SERVER_FLAGS: tuple[tuple[str, _Writer], ...] = tuple(
    (flag, _flag)
    for flag in (
        "alpha",
        "omega",
        "sorry_server_inhibit",
        "inhibit_on_failure",
        "ha_suspend",
        "ops",
    )
)
# Written in the block's head or by their own code below.
_VIRTUAL_SERVER_SKIP = _table_fields(_VIRTUAL_SERVER_FLAGS) | {
    "address", "port", "fwmark", "group", "protocol", "lvs_sched", "lvs_method",
    "real_servers", "options", "sorry_server",
}  # fmt: skip


def _virtual_server(out: _Out, vs: VirtualServerConfig) -> None:
    if vs.fwmark is not None:
        head = ["fwmark", str(vs.fwmark)]
    elif vs.group is not None:
        head = ["group", quote(vs.group)]
    else:
        head = [str(vs.address), *([str(vs.port)] if vs.port is not None else [])]
    out.open("virtual_server", *head)
    if vs.fwmark is None:
        out.line("protocol", vs.protocol)
    out.line("lvs_sched", vs.lvs_sched)
    out.line("lvs_method", vs.lvs_method)
    _plain_fields(out, vs, _VIRTUAL_SERVER_SKIP, VirtualServerConfig())
    _write_table(out, vs, _VIRTUAL_SERVER_FLAGS)
    if vs.sorry_server is not None:
        s = vs.sorry_server
        out.line("sorry_server", s.address, *([str(s.port)] if s.port is not None else []))
    for rs in vs.real_servers:
        _real_server(out, rs)
    out.options(vs.options)
    out.close()


_STATIC: tuple[tuple[str, _Writer], ...] = (
    ("static_ipaddress", _vips_block),
    ("static_routes", _rows_block),
    ("static_rules", _rows_block),
)


def _static_blocks(out: _Out, config: KeepalivedConfig) -> None:
    _write_table(out, config, _STATIC)


# The repeated top-level blocks, in the order they are written: field -> block writer.
_BLOCKS: tuple[tuple[str, Callable[[_Out, Any], None]], ...] = (
    ("vrrp_scripts", _vrrp_script),
    ("track_files", _track_file),
    ("vrrp_sync_groups", _sync_group),
    ("vrrp_instances", _instance),
    ("virtual_server_groups", _vsg),
    ("virtual_servers", _virtual_server),
)


def _ssl(out: _Out, ssl: SslConfig | None) -> None:
    if ssl is None:
        return
    out.open("SSL")
    for name in ("password", "ca", "certificate", "key"):
        value = getattr(ssl, name)
        if value is not None:
            out.line(name, quote(value))
    out.close()


def write_config(config: KeepalivedConfig) -> str:
    """keepalived.conf text for ``config``."""
    out = _Out()
    _global(out, config.global_defs)
    out.options(config.options)
    _ssl(out, config.ssl)
    for key, write in _BLOCKS:
        for block in getattr(config, key):
            write(out, block)
    _static_blocks(out, config)
    return "\n".join(out.lines) + "\n"


def to_data(value: object) -> Any:
    """JSON-ready data for a model object; checkers carry their ``type``."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data: dict[str, Any] = {}
        if isinstance(value, CheckerConfig):
            data["type"] = value.kind
        for f in dataclasses.fields(value):
            data[f.name] = to_data(getattr(value, f.name))
        return data
    if isinstance(value, tuple):
        return [to_data(item) for item in value]
    return value
