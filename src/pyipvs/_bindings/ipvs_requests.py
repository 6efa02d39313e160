"""IPVS request messages, encoded once per value object and once per operation.

The C codec (csrc/ipvs_codec.c) turns a service or a real server into its attribute nests: the
full one that NEW/SET commands carry and the key-only one that DEL, ZERO and destination
commands carry. They are computed the first time an operation needs them and kept on the
object, which is immutable. An operation's request is then a header followed by those nests,
joined here without another C call; csrc/ipvs_batch.c stamps the family id, flags and seq on
its own copy when it sends. So :meth:`pyipvs.Ipvs.apply` has nothing left to encode: it joins
ready-made requests and hands them to C in one call.

Also here: the flat C structs of services and real servers (packed with :mod:`struct`, offsets
taken from cffi so the layouts cannot drift), which the codec encodes from and which GET and
dump requests use as keys.
"""

from __future__ import annotations

import dataclasses
import struct
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pyipvs._bindings.check import check_rc
from pyipvs._cache import remember
from pyipvs._native import ffi, lib
from pyipvs.ipvs import model
from pyipvs.ipvs.model import RealServer, Timeouts, VirtualService

# include/uapi/linux/ip_vs.h
CMD_NEW_SERVICE, CMD_SET_SERVICE, CMD_DEL_SERVICE, CMD_GET_SERVICE = 1, 2, 3, 4
CMD_NEW_DEST, CMD_SET_DEST, CMD_DEL_DEST, CMD_GET_DEST = 5, 6, 7, 8
CMD_NEW_DAEMON, CMD_DEL_DAEMON, CMD_GET_DAEMON = 9, 10, 11
CMD_SET_CONFIG, CMD_GET_CONFIG, CMD_GET_INFO, CMD_ZERO, CMD_FLUSH = 12, 13, 15, 16, 17
IPVS_GENL_VERSION = 1

AF_INET, AF_INET6 = 2, 10
AF = {"inet": AF_INET, "inet6": AF_INET6}
PROTO = {"tcp": 6, "udp": 17, "sctp": 132}
FWD = {"masq": 0, "local": 1, "tunnel": 2, "route": 3, "bypass": 4}
TUN_TYPE = {"ipip": 0, "gue": 1, "gre": 2}
TUN_CSUM = {"nocsum": 0, "csum": 1, "remcsum": 2}
SVC_F_PERSISTENT, SVC_F_ONEPACKET = 0x1, 0x4
FLAG_BITS = {name: bit << 3 for name, bit in model.SCHED_FLAG_BITS.items()}

# struct nlmsghdr (len, type, flags, seq, pid) + struct genlmsghdr (cmd, version, reserved):
# linux/netlink.h and linux/genetlink.h. Type, flags and seq are left 0 for the sender.
HEADER = struct.Struct("=IHHIIBBH")
NEST_ROOM = 512  # both nests of the largest value object (an IPv6 service with a PE: ~150)


def _layout(
    ctype: str, fields: Sequence[tuple[str, str]], start: int = 0, end: int | None = None
) -> struct.Struct:
    """A struct format matching the C layout of ctype from byte start to end (default: the
    whole struct), native order, explicit padding."""
    fmt, pos = "=", start
    for name, code in fields:
        offset = int(ffi.offsetof(ctype, name))
        if offset < pos:
            raise AssertionError(f"{ctype}.{name}: fields out of order")
        fmt += f"{offset - pos}x{code}" if offset > pos else code
        pos = offset + struct.calcsize("=" + code)
    stop = int(ffi.sizeof(ctype)) if end is None else end
    fmt += f"{stop - pos}x" if stop > pos else ""
    layout = struct.Struct(fmt)
    if layout.size != stop - start:
        raise AssertionError(f"{ctype}: layout {layout.size} != {stop - start} bytes")
    return layout


_SVC_FIELDS = [
    ("af", "H"),
    ("protocol", "H"),
    ("addr", "16s"),
    ("port", "H"),
    ("fwmark", "I"),
    ("sched_name", "16s"),
    ("flags", "I"),
    ("flags_mask", "I"),
    ("timeout", "I"),
    ("netmask", "I"),
    ("pe_name", "16s"),
    ("stats", "10Q"),
]
_DEST_FIELDS = [
    ("af", "H"),
    ("addr", "16s"),
    ("port", "H"),
    ("fwd_method", "I"),
    ("weight", "I"),
    ("u_thresh", "I"),
    ("l_thresh", "I"),
    ("tun_type", "B"),
    ("tun_port", "H"),
    ("tun_flags", "H"),
    ("active_conns", "I"),
    ("inact_conns", "I"),
    ("persist_conns", "I"),
    ("svc", "I"),
    ("stats", "10Q"),
]
SVC = _layout("struct pyipvs_ipvs_svc", _SVC_FIELDS)
DEST = _layout("struct pyipvs_ipvs_dest", _DEST_FIELDS)
_NO_STATS = (0,) * 10


# ---- value objects -> flat C structs (cached on the objects) ----


def addr16(address: model.IPAddress) -> bytes:
    return address.packed.ljust(16, b"\0")


_Form = TypeVar("_Form")


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


def _split(
    ctype: str, fields: list[tuple[str, str]], first_config: str
) -> tuple[struct.Struct, struct.Struct]:
    """The (identity, configuration) layouts of ctype: its fields before first_config, and
    from first_config on."""
    cut = [name for name, _ in fields].index(first_config)
    at = int(ffi.offsetof(ctype, first_config))
    return _layout(ctype, fields[:cut], end=at), _layout(ctype, fields[cut:], start=at)


# A struct is packed in two parts: what identifies the object (address, port, ...) and what
# configures it (scheduler, weight, ...), whose bytes are shared by every object configured
# alike (most of a table), so only the identity is packed per object.
_SVC_IDENTITY, _SVC_CONFIG = _split("struct pyipvs_ipvs_svc", _SVC_FIELDS, "sched_name")
_DEST_IDENTITY, _DEST_CONFIG = _split("struct pyipvs_ipvs_dest", _DEST_FIELDS, "fwd_method")
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
    return _SVC_CONFIG.pack(
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
        return _SVC_IDENTITY.pack(AF[vs.family or "inet"], 0, b"", 0, vs.fwmark) + config
    assert vs.protocol is not None and vs.address is not None and vs.port is not None
    identity = _SVC_IDENTITY.pack(
        AF[vs.family or "inet"], PROTO[vs.protocol], vs.address.packed, vs.port, 0
    )
    return identity + config


def _pack_dest_config(key: tuple[Any, ...]) -> bytes:
    _, forward, weight, upper, lower, tunnel_type, tunnel_port, tunnel_checksum = key
    return _DEST_CONFIG.pack(
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
    identity = _DEST_IDENTITY.pack(AF[rs.family or "inet"], rs.address.packed, rs.port)
    return identity + _config(key, _pack_dest_config)


# ---- value objects -> attribute nests (C codec, cached on the objects) ----


class _Scratch(threading.local):
    """Per-thread output buffer of the nest encoders (cffi releases the GIL during C calls)."""

    def __init__(self) -> None:
        self.out = ffi.new("uint8_t[]", NEST_ROOM)
        self.whole = ffi.buffer(self.out)
        self.full_len = ffi.new("size_t *")


_scratch = _Scratch()


def _nests(encode: Any, packed: bytes, what: str) -> tuple[bytes, bytes]:
    scratch = _scratch
    full_len = scratch.full_len
    total = encode(packed, len(packed), scratch.out, NEST_ROOM, full_len)
    if total < 0:
        check_rc(total, what)
    both: bytes = scratch.whole[:total]
    cut = full_len[0]
    return both[:cut], both[cut:]


def service_nests(vs: VirtualService) -> tuple[bytes, bytes]:
    """(full, key-only) IPVS_CMD_ATTR_SERVICE nests of vs."""
    return _kept(vs, "_nests", _encode_service_nests)


def dest_nests(rs: RealServer) -> tuple[bytes, bytes]:
    """(full, key-only) IPVS_CMD_ATTR_DEST nests of rs."""
    return _kept(rs, "_nests", _encode_dest_nests)


def _encode_service_nests(vs: VirtualService) -> tuple[bytes, bytes]:
    return _nests(lib.pyipvs_ipvs_svc_nests, _pack_service(vs), "encode service")


def _encode_dest_nests(rs: RealServer) -> tuple[bytes, bytes]:
    return _nests(lib.pyipvs_ipvs_dest_nests, _pack_dest(rs), "encode real server")


# ---- requests ----


def request(command: int, attributes: bytes = b"") -> bytes:
    """A request message: the header (type, flags and seq left for the sender) + attributes."""
    return _LENGTH.pack(HEADER.size + len(attributes)) + _HEADER_TAIL[command] + attributes


# The header is the same for every request of a command but for its length (the first field).
_LENGTH = struct.Struct("=I")
_HEADER_TAIL = {
    command: HEADER.pack(0, 0, 0, 0, 0, command, IPVS_GENL_VERSION, 0)[_LENGTH.size :]
    for command in range(CMD_FLUSH + 1)
}


def timeout_attributes(t: Timeouts) -> bytes:
    """The top-level TIMEOUT_TCP / _TCP_FIN / _UDP attributes of SET_CONFIG."""
    out = ffi.new("uint8_t[]", 64)
    raw = ffi.new("struct pyipvs_ipvs_timeouts *", dataclasses.asdict(t))
    return ffi.buffer(out, check_rc(lib.pyipvs_ipvs_timeout_attrs(raw, out, 64), "encode"))[:]


__all__ = [
    "CMD_DEL_DEST",
    "CMD_DEL_SERVICE",
    "CMD_FLUSH",
    "CMD_NEW_DEST",
    "CMD_NEW_SERVICE",
    "CMD_SET_CONFIG",
    "CMD_SET_DEST",
    "CMD_SET_SERVICE",
    "CMD_ZERO",
    "dest_nests",
    "pack_dest",
    "pack_service",
    "request",
    "service_nests",
    "timeout_attributes",
]
