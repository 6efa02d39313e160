# SPDX-License-Identifier: Apache-2.0
"""IPVS request messages from plain values: packed C structs in, attribute nests and
requests out.

The C codec (csrc/ipvs_codec.c) turns a packed service or real server struct into its
attribute nests: the full one that NEW/SET commands carry and the key-only one that DEL, ZERO
and destination commands carry. A request is then a header followed by those nests, joined
here without another C call; csrc/ipvs_batch.c stamps the family id, flags and seq on its own
copy when it sends. :mod:`pyipvs.ipvs.convert` packs value objects into the structs (and keeps
the nests on them, which are immutable), so :meth:`pyipvs.Ipvs.apply` has nothing left to
encode.

Also here: the layouts of the flat C structs of services and real servers (for :mod:`struct`,
offsets taken from cffi so they cannot drift), which the codec encodes from and which GET and
dump requests use as keys.
"""

from __future__ import annotations

import struct
from _thread import _local  # threading.local itself; threading.py costs ms at start-up
from collections.abc import Sequence

from pyipvs._bindings.check import check_rc
from pyipvs._native import ffi, lib

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import Any

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
SCHED_FLAG_SHIFT = 3  # the scheduler flags IP_VS_SVC_F_SCHED1.. start at bit 3

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
#: DEST without the stats (skipped as padding): the 14 fields a plain listing prints from.
DEST_NO_STATS = _layout("struct pyipvs_ipvs_dest", _DEST_FIELDS[:-1])
_NO_STATS = (0,) * 10


# A struct is packed in two parts: what identifies the object (address, port, ...) and what
# configures it (scheduler, weight, ...), whose bytes are shared by every object configured
# alike (most of a table), so only the identity is packed per object (pyipvs.ipvs.convert).


def _split(
    ctype: str, fields: list[tuple[str, str]], first_config: str
) -> tuple[struct.Struct, struct.Struct]:
    """The (identity, configuration) layouts of ctype: its fields before first_config, and
    from first_config on."""
    cut = [name for name, _ in fields].index(first_config)
    at = int(ffi.offsetof(ctype, first_config))
    return _layout(ctype, fields[:cut], end=at), _layout(ctype, fields[cut:], start=at)


SVC_IDENTITY, SVC_CONFIG = _split("struct pyipvs_ipvs_svc", _SVC_FIELDS, "sched_name")
DEST_IDENTITY, DEST_CONFIG = _split("struct pyipvs_ipvs_dest", _DEST_FIELDS, "fwd_method")


# ---- value objects -> attribute nests (C codec, cached on the objects) ----


class _Scratch(_local):
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


def service_nests(packed: bytes) -> tuple[bytes, bytes]:
    """(full, key-only) IPVS_CMD_ATTR_SERVICE nests of a packed ``struct pyipvs_ipvs_svc``."""
    return _nests(lib.pyipvs_ipvs_svc_nests, packed, "encode service")


def dest_nests(packed: bytes) -> tuple[bytes, bytes]:
    """(full, key-only) IPVS_CMD_ATTR_DEST nests of a packed ``struct pyipvs_ipvs_dest``."""
    return _nests(lib.pyipvs_ipvs_dest_nests, packed, "encode real server")


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


def timeout_attributes(tcp: int, tcp_fin: int, udp: int) -> bytes:
    """The top-level TIMEOUT_TCP / _TCP_FIN / _UDP attributes of SET_CONFIG."""
    out = ffi.new("uint8_t[]", 64)
    raw = ffi.new("struct pyipvs_ipvs_timeouts *", {"tcp": tcp, "tcp_fin": tcp_fin, "udp": udp})
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
    "request",
    "service_nests",
    "timeout_attributes",
]
