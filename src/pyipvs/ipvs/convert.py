# SPDX-License-Identifier: Apache-2.0
"""C records <-> value objects: the one module that knows both the C structs and the model.

Value objects become packed ``struct pyipvs_ipvs_svc`` / ``struct pyipvs_ipvs_dest`` (kept on
the object, which is immutable) and their attribute nests (likewise kept, so every operation on
an object shares them); the records of a listing, unpacked by :mod:`pyipvs._bindings.ipvs`,
become value objects in bulk, from cached templates of their configuration.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Callable

from pyipvs._bindings import ipvs as _chan
from pyipvs._bindings import ipvs_requests as _wire
from pyipvs._bindings.ipvs_requests import (
    AF,
    AF_INET,
    AF_INET6,
    CMD_DEL_DEST,
    CMD_DEL_SERVICE,
    CMD_FLUSH,
    CMD_NEW_DEST,
    CMD_NEW_SERVICE,
    CMD_SET_CONFIG,
    CMD_SET_DEST,
    CMD_SET_SERVICE,
    CMD_ZERO,
    DEST,
    DEST_CONFIG,
    DEST_IDENTITY,
    FWD,
    PROTO,
    SCHED_FLAG_SHIFT,
    SVC,
    SVC_CONFIG,
    SVC_F_ONEPACKET,
    SVC_F_PERSISTENT,
    SVC_IDENTITY,
    TUN_CSUM,
    TUN_TYPE,
)
from pyipvs._cache import remember
from pyipvs.ipvs.model import (
    SCHED_FLAG_BITS,
    IPAddress,
    RealServer,
    Stats,
    SyncDaemon,
    Timeouts,
    VirtualService,
    build,
)

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _Form = TypeVar("_Form")

FLAG_BITS = {name: bit << SCHED_FLAG_SHIFT for name, bit in SCHED_FLAG_BITS.items()}
_NO_STATS = (0,) * 10
_PROTO_NAME = {v: k for k, v in PROTO.items()}
_FWD_NAME = {v: k for k, v in FWD.items()}
_TUN_TYPE_NAME = {v: k for k, v in TUN_TYPE.items()}
_TUN_CSUM_NAME = {v: k for k, v in TUN_CSUM.items()}
STATE_MASTER, STATE_BACKUP = 1, 2
STATE = {"master": STATE_MASTER, "backup": STATE_BACKUP}
_STATE_NAME = {v: k for k, v in STATE.items()}


# ---- value objects -> flat C structs (cached on the objects) ----


def addr16(address: IPAddress) -> bytes:
    return address.packed.ljust(16, b"\0")


def _kept(obj: object, name: str, make: Callable[[Any], _Form]) -> _Form:
    """obj's C form called name: made by make(obj) the first time, then kept on obj (value
    objects are immutable; the form lives in __dict__ outside the fields, out of pickles)."""
    form: _Form | None = obj.__dict__.get(name)
    if form is None:
        form = obj.__dict__[name] = make(obj)
    return form


def pack_service(vs: VirtualService) -> bytes:
    """The ``struct pyipvs_ipvs_svc`` of vs."""
    return _kept(vs, "_c_struct", _pack_service)


def pack_dest(rs: RealServer) -> bytes:
    """The ``struct pyipvs_ipvs_dest`` of rs."""
    return _kept(rs, "_c_struct", _pack_dest)


_CONFIGS: dict[tuple[Any, ...], bytes] = {}  # bounded like the listing caches


def _config(key: tuple[Any, ...], pack: Any) -> bytes:
    packed: bytes | None = _CONFIGS.get(key)
    if packed is None:
        packed = remember(_CONFIGS, key, pack(key), 1 << 12)
    return packed


def _pack_service_config(key: tuple[Any, ...]) -> bytes:
    _, scheduler, timeout, one_packet, sched_flags, mask, pe_name = key
    flags = SVC_F_PERSISTENT if timeout is not None else 0
    if one_packet:
        flags |= SVC_F_ONEPACKET
    for name in sched_flags:
        flags |= FLAG_BITS[name]
    return SVC_CONFIG.pack(
        scheduler.encode(),
        flags,
        0xFFFFFFFF,  # the service is given whole: every flag bit is meant
        timeout or 0,
        mask,
        (pe_name or "").encode(),
        *_NO_STATS,
    )


def _pack_service(vs: VirtualService) -> bytes:
    netmask = vs.netmask  # IPv4: an address (hashing one is slow), as a number; IPv6: a prefix
    key = (
        "svc",
        vs.scheduler,
        vs.persistence_timeout,
        vs.one_packet,
        vs.sched_flags,
        128 if netmask is None else int(netmask),
        vs.pe_name,
    )
    config = _config(key, _pack_service_config)
    if vs.fwmark is not None:
        return SVC_IDENTITY.pack(AF[vs.family or "inet"], 0, b"", 0, vs.fwmark) + config
    assert vs.protocol is not None and vs.address is not None and vs.port is not None
    identity = SVC_IDENTITY.pack(
        AF[vs.family or "inet"], PROTO[vs.protocol], vs.address.packed, vs.port, 0
    )
    return identity + config


def _pack_dest_config(key: tuple[Any, ...]) -> bytes:
    _, forward, weight, upper, lower, tunnel_type, tunnel_port, tunnel_checksum = key
    return DEST_CONFIG.pack(
        FWD[forward],
        weight,
        upper,
        lower,
        TUN_TYPE[tunnel_type],
        tunnel_port,
        TUN_CSUM[tunnel_checksum],
        0,
        0,
        0,
        0,
        *_NO_STATS,
    )


def _pack_dest(rs: RealServer) -> bytes:
    key = (
        "dest",
        rs.forward,
        rs.weight,
        rs.upper_threshold,
        rs.lower_threshold,
        rs.tunnel_type,
        rs.tunnel_port,
        rs.tunnel_checksum,
    )
    identity = DEST_IDENTITY.pack(AF[rs.family or "inet"], rs.address.packed, rs.port)
    return identity + _config(key, _pack_dest_config)


# ---- value objects -> attribute nests (C codec, kept on the objects) ----


def service_nests(vs: VirtualService) -> tuple[bytes, bytes]:
    """(full, key-only) IPVS_CMD_ATTR_SERVICE nests of vs."""
    return _kept(vs, "_nests", _encode_service_nests)


def dest_nests(rs: RealServer) -> tuple[bytes, bytes]:
    """(full, key-only) IPVS_CMD_ATTR_DEST nests of rs."""
    return _kept(rs, "_nests", _encode_dest_nests)


# Nests encode from a freshly packed struct, which is not kept (most objects never need it).
def _encode_service_nests(vs: VirtualService) -> tuple[bytes, bytes]:
    return _wire.service_nests(_pack_service(vs))


def _encode_dest_nests(rs: RealServer) -> tuple[bytes, bytes]:
    return _wire.dest_nests(_pack_dest(rs))


def timeout_attributes(t: Timeouts) -> bytes:
    """The top-level TIMEOUT_TCP / _TCP_FIN / _UDP attributes of SET_CONFIG."""
    return _wire.timeout_attributes(t.tcp, t.tcp_fin, t.udp)


# ---- C -> model ----


_ADDRESSES: dict[bytes, IPAddress] = {}
_NETMASKS: dict[int, ipaddress.IPv4Address] = {}
_STATS_FIELDS = tuple(f.name for f in dataclasses.fields(Stats))


def _address(af: int, raw: bytes) -> IPAddress:
    """The address object for raw (cached: listings repeat addresses with other ports)."""
    key = raw if af == AF_INET6 else raw[:4]
    address = _ADDRESSES.get(key)
    if address is None:
        made = ipaddress.IPv6Address(key) if af == AF_INET6 else ipaddress.IPv4Address(key)
        address = remember(_ADDRESSES, key, made, 1 << 16)
    return address


def _netmask(value: int) -> ipaddress.IPv4Address:
    mask = _NETMASKS.get(value)
    if mask is None:
        mask = _NETMASKS[value] = ipaddress.IPv4Address(value)
    return mask


_STATS: dict[tuple[Any, ...], Stats] = {}


def _stats(values: tuple[Any, ...]) -> Stats:
    """A Stats for values; equal ones are shared (immutable), idle tables are all zeros."""
    stats = _STATS.get(values)
    if stats is None:
        made = build(Stats, dict(zip(_STATS_FIELDS, values, strict=True)))
        stats = remember(_STATS, values, made, 1 << 12)
    return stats


def _flag_names(scheduler: str, flags: int) -> frozenset[str]:
    names = []
    special = scheduler if scheduler in ("sh", "mh") else None
    if flags & 0x8:
        names.append(f"{special}-fallback" if special else "flag-1")
    if flags & 0x10:
        names.append(f"{special}-port" if special else "flag-2")
    if flags & 0x20:
        names.append("flag-3")
    return frozenset(names)


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode()


# A listing converts each record into a value object by copying a template of the fields that
# configure it (scheduler and persistence of a service; method, weight, thresholds and tunnel
# of a real server, with its address) and filling in the rest. Tables repeat configurations
# (the same real servers behind many services, one scheduler everywhere), so most records find
# their template; it is a cache of immutable values, bounded like the ones above.
_TEMPLATE_LIMIT = 1 << 14
_SERVICE_TEMPLATES: dict[tuple[Any, ...], dict[str, object]] = {}
_DEST_TEMPLATES: dict[tuple[Any, ...], dict[str, object]] = {}


def _service_template(key: tuple[Any, ...]) -> dict[str, object]:
    af, sched, flags, timeout, netmask, pe = key
    scheduler = _cstr(sched)
    template: dict[str, object] = {
        "family": "inet6" if af == AF_INET6 else "inet",
        "scheduler": scheduler,
        "persistence_timeout": timeout if flags & SVC_F_PERSISTENT else None,
        "netmask": netmask if af == AF_INET6 else _netmask(netmask),
        "one_packet": bool(flags & SVC_F_ONEPACKET),
        "sched_flags": _flag_names(scheduler, flags) if flags & 0x38 else frozenset(),
        "pe_name": _cstr(pe) or None,
    }
    return remember(_SERVICE_TEMPLATES, key, template, _TEMPLATE_LIMIT)


def service_from(t: tuple[Any, ...]) -> VirtualService:
    """A VirtualService from an unpacked ``struct pyipvs_ipvs_svc`` (no validation: the
    kernel's values)."""
    af, proto, addr, port, fwmark, sched, flags, _mask, timeout, netmask, pe = t[:11]
    key = (af, sched, flags, timeout, netmask, pe)
    template = _SERVICE_TEMPLATES.get(key) or _service_template(key)
    vs = object.__new__(VirtualService)
    values = vs.__dict__
    values.update(template)
    if fwmark:
        values["protocol"] = values["address"] = values["port"] = None
        values["fwmark"] = fwmark
    else:
        values["protocol"] = _PROTO_NAME.get(proto) or str(proto)
        values["address"] = _address(af, addr)
        values["port"] = port
        values["fwmark"] = None
    values["stats"] = _stats(t[11:])
    return vs


def _dest_template(key: tuple[Any, ...]) -> dict[str, object]:
    af, addr, port, fwd, weight, uth, lth, ttype, tport, tflags = key
    template: dict[str, object] = {
        "address": _address(af, addr),
        "port": port,
        "weight": weight,
        "forward": _FWD_NAME.get(fwd & 7, "route"),
        "upper_threshold": uth,
        "lower_threshold": lth,
        "tunnel_type": _TUN_TYPE_NAME.get(ttype, "ipip"),
        "tunnel_port": tport,
        "tunnel_checksum": _TUN_CSUM_NAME.get(tflags, "nocsum"),
        "family": "inet6" if af == AF_INET6 else "inet",
    }
    return remember(_DEST_TEMPLATES, key, template, _TEMPLATE_LIMIT)


def dest_from(t: tuple[Any, ...]) -> RealServer:
    """A RealServer from an unpacked ``struct pyipvs_ipvs_dest``: its configuration (the first
    ten fields) from a template, then counters and stats."""
    key = t[:10]
    template = _DEST_TEMPLATES.get(key) or _dest_template(key)
    rs = object.__new__(RealServer)
    values = rs.__dict__
    values.update(template)
    values["active_connections"] = t[10]
    values["inactive_connections"] = t[11]
    values["persistent_connections"] = t[12]
    values["stats"] = _stats(t[14:])
    return rs


def table_from(
    services: list[tuple[Any, ...]], dests: list[tuple[Any, ...]]
) -> list[tuple[VirtualService, list[RealServer]]]:
    """The table, in dump order, from a service dump and the destination dumps of those services
    (each destination record carries the index of its service). A list of pairs, not a dict: a
    service the kernel listed twice must stay visible to the consistency check."""
    pairs: list[tuple[VirtualService, list[RealServer]]] = [(service_from(t), []) for t in services]
    for t in dests:
        pairs[t[13]][1].append(dest_from(t))
    return pairs


def records_by_service(
    services: list[tuple[Any, ...]], dests: list[tuple[Any, ...]]
) -> list[tuple[VirtualService, list[tuple[Any, ...]]]]:
    """As :func:`table_from`, but each service's real servers stay unpacked ``struct
    pyipvs_ipvs_dest`` records (field order: :data:`pyipvs._bindings.ipvs_requests.DEST`, the
    stats left out or not), for formatters of listings too large to make an object of every
    line."""
    pairs: list[tuple[VirtualService, list[tuple[Any, ...]]]] = [
        (service_from(t), []) for t in services
    ]
    for t in dests:
        pairs[t[13]][1].append(t)
    return pairs


def timeouts_from(values: tuple[int, int, int]) -> Timeouts:
    return Timeouts(*values)


# ---- sync daemons ----


def daemon_values(d: SyncDaemon) -> dict[str, Any]:
    """The ``struct pyipvs_ipvs_daemon`` fields of d."""
    raw: dict[str, Any] = {
        "state": STATE[d.state],
        "ifname": d.interface.encode(),
        "syncid": d.syncid,
        "maxlen": d.maxlen or 0,
        "mcast_port": d.mcast_port or 0,
        "mcast_ttl": d.mcast_ttl or 0,
    }
    if d.mcast_group is not None:
        raw["mcast_af"] = AF_INET6 if d.mcast_group.version == 6 else AF_INET
        raw["mcast_group"] = list(addr16(d.mcast_group))
    return raw


def daemon_from(c: dict[str, Any]) -> SyncDaemon:
    """A SyncDaemon from the fields of a ``struct pyipvs_ipvs_daemon`` (plain values)."""
    group: IPAddress | None = None
    if c["mcast_af"]:
        group = _address(c["mcast_af"], c["mcast_group"])
    return SyncDaemon(
        _STATE_NAME.get(c["state"], "master"),
        c["ifname"],
        c["syncid"],
        maxlen=c["maxlen"] or None,
        mcast_group=group,
        mcast_port=c["mcast_port"] or None,
        mcast_ttl=c["mcast_ttl"] or None,
    )


# ---- codec access for tests (no kernel) ----


def encode_request(
    cmd: int, vs: VirtualService | None, rs: RealServer | None = None, seq: int = 1
) -> bytes:
    """cmd's request as the C codec builds a whole message (family id 0x20, flags
    REQUEST|ACK): GET requests are sent this way, and tests compare :mod:`pyipvs.ops`'
    requests (header + cached nests) with it."""
    return _chan.encode_request(
        cmd, pack_service(vs) if vs else None, pack_dest(rs) if rs else None, seq
    )


def decode_service(message: bytes) -> VirtualService:
    """Parses one NEW_SERVICE message (as in a GET_SERVICE reply or dump)."""
    return service_from(_chan.decode_service(message))


def decode_dest(message: bytes) -> RealServer:
    return dest_from(_chan.decode_dest(message))


__all__ = [
    "AF",
    "CMD_DEL_DEST",
    "CMD_DEL_SERVICE",
    "CMD_FLUSH",
    "CMD_NEW_DEST",
    "CMD_NEW_SERVICE",
    "CMD_SET_CONFIG",
    "CMD_SET_DEST",
    "CMD_SET_SERVICE",
    "CMD_ZERO",
    "DEST",
    "FLAG_BITS",
    "FWD",
    "PROTO",
    "SVC",
    "TUN_CSUM",
    "TUN_TYPE",
    "daemon_from",
    "daemon_values",
    "decode_dest",
    "decode_service",
    "dest_from",
    "dest_nests",
    "encode_request",
    "pack_dest",
    "pack_service",
    "records_by_service",
    "service_from",
    "service_nests",
    "table_from",
    "timeout_attributes",
]
