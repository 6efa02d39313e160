"""Thin layer over csrc/ipvs*.c: model objects <-> arrays of flat C structs, in bulk.

Requests are packed with :mod:`struct` into one buffer laid out like the C array (offsets taken
from cffi, so the layouts cannot drift), and replies are unpacked with ``iter_unpack`` over the
array C filled: one Python loop per listing or batch, no per-field cffi access.
"""

from __future__ import annotations

import contextlib
import ipaddress
import struct
from collections.abc import Iterator, Sequence
from typing import Any

from pyipvs import model
from pyipvs._bindings.check import check_rc, ipvs_error
from pyipvs._bindings.netlink import RECV_BUFFER_SIZE, NetlinkSocket
from pyipvs._native import ffi, lib
from pyipvs.errors import KernelError
from pyipvs.model import (
    RealServer,
    Stats,
    SyncDaemon,
    Timeouts,
    VirtualService,
    _build,
)

# include/uapi/linux/ip_vs.h
CMD_NEW_SERVICE, CMD_SET_SERVICE, CMD_DEL_SERVICE, CMD_GET_SERVICE = 1, 2, 3, 4
CMD_NEW_DEST, CMD_SET_DEST, CMD_DEL_DEST, CMD_GET_DEST = 5, 6, 7, 8
CMD_NEW_DAEMON, CMD_DEL_DAEMON, CMD_GET_DAEMON = 9, 10, 11
CMD_SET_CONFIG, CMD_GET_CONFIG, CMD_GET_INFO, CMD_ZERO, CMD_FLUSH = 12, 13, 15, 16, 17

ACTION_OF_CMD = {
    CMD_NEW_SERVICE: "add_service",
    CMD_SET_SERVICE: "edit_service",
    CMD_DEL_SERVICE: "delete_service",
    CMD_NEW_DEST: "add_real_server",
    CMD_SET_DEST: "edit_real_server",
    CMD_DEL_DEST: "delete_real_server",
    CMD_ZERO: "zero",
    CMD_FLUSH: "flush",
    CMD_SET_CONFIG: "set_timeouts",
}

AF_INET, AF_INET6 = 2, 10
_AF = {"inet": AF_INET, "inet6": AF_INET6}
_PROTO = {"tcp": 6, "udp": 17, "sctp": 132}
_PROTO_NAME = {v: k for k, v in _PROTO.items()}
_FWD = {"masq": 0, "local": 1, "tunnel": 2, "route": 3, "bypass": 4}
_FWD_NAME = {v: k for k, v in _FWD.items()}
_TUN_TYPE = {"ipip": 0, "gue": 1, "gre": 2}
_TUN_TYPE_NAME = {v: k for k, v in _TUN_TYPE.items()}
_TUN_CSUM = {"nocsum": 0, "csum": 1, "remcsum": 2}
_TUN_CSUM_NAME = {v: k for k, v in _TUN_CSUM.items()}
SVC_F_PERSISTENT, SVC_F_ONEPACKET = 0x1, 0x4
_FLAG_BITS = {
    "flag-1": 0x8,
    "sh-fallback": 0x8,
    "mh-fallback": 0x8,
    "flag-2": 0x10,
    "sh-port": 0x10,
    "mh-port": 0x10,
    "flag-3": 0x20,
}
STATE_MASTER, STATE_BACKUP = 1, 2
_STATE = {"master": STATE_MASTER, "backup": STATE_BACKUP}
_STATE_NAME = {v: k for k, v in _STATE.items()}

DUMP_CHUNK = 4096  # structs per C call while reading a dump
NOT_RUN = int(lib.PYIPVS_BATCH_NOT_RUN)
UNKNOWN = int(lib.PYIPVS_BATCH_UNKNOWN)
# Receive-buffer bytes one failure reply may take (skb truesize; ~800 measured, x2 margin).
ERROR_REPLY_TRUESIZE = 2048
WANTED_RCVBUF = 32 << 20
WANTED_SNDBUF = 4 << 20
MAX_CHUNK_BYTES = 4 << 20


def _layout(ctype: str, fields: Sequence[tuple[str, str]]) -> struct.Struct:
    """A struct format matching the C layout of ctype (native order, explicit padding)."""
    fmt, pos = "=", 0
    for name, code in fields:
        offset = int(ffi.offsetof(ctype, name))
        if offset < pos:
            raise AssertionError(f"{ctype}.{name}: fields out of order")
        fmt += f"{offset - pos}x{code}" if offset > pos else code
        pos = offset + struct.calcsize("=" + code)
    size = int(ffi.sizeof(ctype))
    fmt += f"{size - pos}x" if size > pos else ""
    layout = struct.Struct(fmt)
    if layout.size != size:
        raise AssertionError(f"{ctype}: layout {layout.size} != sizeof {size}")
    return layout


SVC = _layout(
    "struct pyipvs_ipvs_svc",
    [
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
    ],
)
DEST = _layout(
    "struct pyipvs_ipvs_dest",
    [
        ("af", "H"),
        ("addr", "16s"),
        ("port", "H"),
        ("fwd_method", "I"),
        ("weight", "I"),
        ("u_thresh", "I"),
        ("l_thresh", "I"),
        ("active_conns", "I"),
        ("inact_conns", "I"),
        ("persist_conns", "I"),
        ("tun_type", "B"),
        ("tun_port", "H"),
        ("tun_flags", "H"),
        ("svc", "I"),
        ("stats", "10Q"),
    ],
)
OP = _layout(
    "struct pyipvs_ipvs_op",
    [("cmd", "B"), ("svc", "i"), ("dest", "i"), ("timeouts", "3I")],
)
_NO_STATS = (0,) * 10


# ---- model -> C ----


def _addr16(address: model.IPAddress) -> bytes:
    return address.packed.ljust(16, b"\0")


def pack_service(vs: VirtualService) -> bytes:
    flags = 0
    if vs.persistence_timeout is not None:
        flags |= SVC_F_PERSISTENT
    if vs.one_packet:
        flags |= SVC_F_ONEPACKET
    for name in vs.sched_flags:
        flags |= _FLAG_BITS[name]
    netmask = vs.netmask
    mask = int(netmask) if isinstance(netmask, ipaddress.IPv4Address) else int(netmask or 128)
    if vs.fwmark is not None:
        proto, addr, port, fwmark = 0, bytes(16), 0, vs.fwmark
    else:
        assert vs.protocol is not None and vs.address is not None and vs.port is not None
        proto, addr, port, fwmark = _PROTO[vs.protocol], _addr16(vs.address), vs.port, 0
    return SVC.pack(
        _AF[vs.family or "inet"],
        proto,
        addr,
        port,
        fwmark,
        vs.scheduler.encode(),
        flags,
        0xFFFFFFFF,  # the service is given whole: every flag bit is meant
        vs.persistence_timeout or 0,
        mask,
        (vs.pe_name or "").encode(),
        *_NO_STATS,
    )


def pack_dest(rs: RealServer) -> bytes:
    return DEST.pack(
        _AF[rs.family or "inet"],
        _addr16(rs.address),
        rs.port,
        _FWD[rs.forward],
        rs.weight,
        rs.upper_threshold,
        rs.lower_threshold,
        0,
        0,
        0,
        _TUN_TYPE[rs.tunnel_type],
        rs.tunnel_port,
        _TUN_CSUM[rs.tunnel_checksum],
        0,
        *_NO_STATS,
    )


def _array(ctype: str, packed: bytes | bytearray, count: int) -> Any:
    arr = ffi.new(f"{ctype}[]", max(count, 1))
    if packed:
        ffi.memmove(arr, packed, len(packed))
    return arr


# ---- C -> model ----


def _address(af: int, raw: bytes) -> model.IPAddress:
    if af == AF_INET6:
        return ipaddress.IPv6Address(raw)
    return ipaddress.IPv4Address(raw[:4])


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


def service_from(t: tuple[Any, ...]) -> VirtualService:
    af, proto, addr, port, fwmark, sched, flags, _mask, timeout, netmask, pe = t[:11]
    scheduler = _cstr(sched)
    family = "inet6" if af == AF_INET6 else "inet"
    values: dict[str, object] = {
        "family": family,
        "scheduler": scheduler,
        "persistence_timeout": timeout if flags & SVC_F_PERSISTENT else None,
        "netmask": netmask if af == AF_INET6 else ipaddress.IPv4Address(netmask),
        "one_packet": bool(flags & SVC_F_ONEPACKET),
        "sched_flags": _flag_names(scheduler, flags) if flags & 0x38 else frozenset(),
        "pe_name": _cstr(pe) or None,
        "stats": Stats(*t[11:]),
    }
    if fwmark:
        values.update(protocol=None, address=None, port=None, fwmark=fwmark)
    else:
        values.update(
            protocol=_PROTO_NAME.get(proto, str(proto)),
            address=_address(af, addr),
            port=port,
            fwmark=None,
        )
    return _build(VirtualService, values)


def dest_from(t: tuple[Any, ...]) -> RealServer:
    af, addr, port, fwd, weight, uth, lth, act, inact, pers, ttype, tport, tflags = t[:13]
    values: dict[str, object] = {
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
        "active_connections": act,
        "inactive_connections": inact,
        "persistent_connections": pers,
        "stats": Stats(*t[14:]),
    }
    return _build(RealServer, values)


def _unpack(layout: struct.Struct, arr: Any, count: int) -> Iterator[tuple[Any, ...]]:
    return layout.iter_unpack(ffi.buffer(arr, count * layout.size))


def get_info(sock: NetlinkSocket, family_id: int) -> tuple[int, int]:
    """IPVS_CMD_GET_INFO: (version code, connection table size)."""
    out = ffi.new("struct pyipvs_ipvs_info *")
    rc = lib.pyipvs_ipvs_get_info(sock.handle, family_id, out, sock.rbuf, RECV_BUFFER_SIZE)
    check_rc(rc, "IPVS_CMD_GET_INFO")
    return int(out.version), int(out.conn_tab_size)


class IpvsChannel:
    """The IPVS family on one netlink socket: buffers sized once, requests and dumps."""

    def __init__(self, sock: NetlinkSocket, family_id: int) -> None:
        self.sock = sock
        self.family_id = family_id
        self.configure_buffers(WANTED_RCVBUF, WANTED_SNDBUF)

    def configure_buffers(self, rcvbuf: int, sndbuf: int) -> None:
        """Asks for socket buffers (forcing past the sysctl limits where permitted) and sizes
        batch chunks from what the kernel actually granted."""
        with contextlib.suppress(KernelError):  # keep the defaults; chunks shrink to fit
            self.sock.set_buffers(rcvbuf, sndbuf)
        rcv, snd = ffi.new("int *"), ffi.new("int *")
        check_rc(lib.pyipvs_nl_get_buffers(self.sock.handle, rcv, snd), "netlink buffers")
        self.rcvbuf, self.sndbuf = int(rcv[0]), int(snd[0])
        # sendmsg() refuses more than sk_sndbuf - 32 bytes (netlink_sendmsg).
        self.chunk_bytes = max(1024, min(self.sndbuf - 64, MAX_CHUNK_BYTES))
        # Even an all-failing chunk's replies, plus the barrier's ACK, must fit the receive
        # buffer: a dropped reply would leave an operation without a known result.
        self.chunk_msgs = max(1, self.rcvbuf // ERROR_REPLY_TRUESIZE - 1)
        self._sbuf = ffi.new("uint8_t[]", self.chunk_bytes)
        self._batch = ffi.new("struct pyipvs_ipvs_batch *")

    # -- single requests --

    def exec(self, cmd: int, vs: VirtualService | None, rs: RealServer | None = None) -> None:
        svcs = _array("struct pyipvs_ipvs_svc", pack_service(vs) if vs else b"", 1)
        dests = _array("struct pyipvs_ipvs_dest", pack_dest(rs) if rs else b"", 1)
        op = ffi.new("struct pyipvs_ipvs_op *", {"cmd": cmd, "svc": 0 if vs else -1, "dest": -1})
        if rs is not None:
            op.dest = 0
        rc = lib.pyipvs_ipvs_exec(
            self.sock.handle, self.family_id, op, svcs, dests, self.sock.rbuf, RECV_BUFFER_SIZE
        )
        if rc < 0:
            subject = f"{vs} -> {rs.address}:{rs.port}" if vs and rs else str(vs or "")
            raise ipvs_error(rc, ACTION_OF_CMD.get(cmd, str(cmd)), subject)

    def set_timeouts(self, t: Timeouts) -> None:
        op = ffi.new(
            "struct pyipvs_ipvs_op *",
            {"cmd": CMD_SET_CONFIG, "svc": -1, "dest": -1, "timeouts": [t.tcp, t.tcp_fin, t.udp]},
        )
        rc = lib.pyipvs_ipvs_exec(
            self.sock.handle,
            self.family_id,
            op,
            ffi.NULL,
            ffi.NULL,
            self.sock.rbuf,
            RECV_BUFFER_SIZE,
        )
        if rc < 0:
            raise ipvs_error(rc, "set_timeouts")

    def get_service(self, vs: VirtualService) -> VirtualService:
        key = _array("struct pyipvs_ipvs_svc", pack_service(vs), 1)
        out = ffi.new("struct pyipvs_ipvs_svc[1]")
        rc = lib.pyipvs_ipvs_get_service(
            self.sock.handle, self.family_id, key, out, self.sock.rbuf, RECV_BUFFER_SIZE
        )
        if rc < 0:
            raise ipvs_error(rc, "get_service", str(vs))
        return service_from(next(_unpack(SVC, out, 1)))

    def timeouts(self) -> Timeouts:
        out = ffi.new("struct pyipvs_ipvs_timeouts *")
        rc = lib.pyipvs_ipvs_get_timeouts(
            self.sock.handle, self.family_id, out, self.sock.rbuf, RECV_BUFFER_SIZE
        )
        check_rc(rc, "timeouts")
        return Timeouts(int(out.tcp), int(out.tcp_fin), int(out.udp))

    # -- dumps --

    def service_records(self) -> tuple[list[tuple[Any, ...]], bytes]:
        """All services as unpacked tuples, plus the raw C array (for per-service dumps)."""
        st = ffi.new("struct pyipvs_ipvs_dump *")
        check_rc(
            lib.pyipvs_ipvs_dump_services_start(self.sock.handle, self.family_id, st),
            "services",
        )
        arr = ffi.new("struct pyipvs_ipvs_svc[]", DUMP_CHUNK)
        records: list[tuple[Any, ...]] = []
        raw = bytearray()
        while not st.done:
            n = lib.pyipvs_ipvs_dump_services(
                self.sock.handle, st, self.sock.rbuf, RECV_BUFFER_SIZE, arr, DUMP_CHUNK
            )
            check_rc(n, "services")
            chunk = ffi.buffer(arr, n * SVC.size)
            raw += chunk
            records.extend(SVC.iter_unpack(chunk))
        return records, bytes(raw)

    def services(self) -> list[VirtualService]:
        records, _ = self.service_records()
        return [service_from(t) for t in records]

    def dest_records(self, raw_svcs: bytes, count: int) -> list[tuple[Any, ...]]:
        """The destinations of every service in raw_svcs (one GET_DEST dump each, in C)."""
        svcs = _array("struct pyipvs_ipvs_svc", raw_svcs, count)
        st = ffi.new("struct pyipvs_ipvs_dump *")
        arr = ffi.new("struct pyipvs_ipvs_dest[]", DUMP_CHUNK)
        records: list[tuple[Any, ...]] = []
        while not st.done:
            n = lib.pyipvs_ipvs_dump_dests(
                self.sock.handle,
                self.family_id,
                st,
                svcs,
                count,
                self.sock.rbuf,
                RECV_BUFFER_SIZE,
                arr,
                DUMP_CHUNK,
            )
            check_rc(n, "real_servers")
            records.extend(_unpack(DEST, arr, n))
        return records

    def real_servers(self, vs: VirtualService) -> list[RealServer]:
        return [dest_from(t) for t in self.dest_records(pack_service(vs), 1)]

    def table(self) -> dict[VirtualService, list[RealServer]]:
        records, raw = self.service_records()
        services = [service_from(t) for t in records]
        table: dict[VirtualService, list[RealServer]] = {vs: [] for vs in services}
        lists = [table[vs] for vs in services]
        for t in self.dest_records(raw, len(records)):
            lists[t[13]].append(dest_from(t))
        return table

    # -- daemons --

    def start_daemon(self, d: SyncDaemon) -> None:
        self._daemon(CMD_NEW_DAEMON, _pack_daemon(d), "start_sync_daemon", d.state)

    def stop_daemon(self, state: str, syncid: int | None) -> None:
        raw = {"state": _STATE[state], "syncid": 0xFFFFFFFF if syncid is None else syncid}
        self._daemon(CMD_DEL_DAEMON, raw, "stop_sync_daemon", state)

    def _daemon(self, cmd: int, raw: dict[str, Any], action: str, subject: str) -> None:
        d = ffi.new("struct pyipvs_ipvs_daemon *", raw)
        rc = lib.pyipvs_ipvs_daemon(
            self.sock.handle, self.family_id, cmd, d, self.sock.rbuf, RECV_BUFFER_SIZE
        )
        if rc < 0:
            raise ipvs_error(rc, action, subject)

    def daemons(self) -> list[SyncDaemon]:
        out = ffi.new("struct pyipvs_ipvs_daemon[]", 8)
        n = check_rc(
            lib.pyipvs_ipvs_get_daemons(
                self.sock.handle, self.family_id, out, 8, self.sock.rbuf, RECV_BUFFER_SIZE
            ),
            "sync_daemons",
        )
        return [_daemon_from(out[i]) for i in range(n)]

    # -- batches --

    def run_batch(self, packed: tuple[bytes, bytes, bytes, int], stop_on_error: bool) -> list[int]:
        """Runs packed operations (see :func:`pack_operations`); one result code per op."""
        ops_raw, svcs_raw, dests_raw, n = packed
        if n == 0:
            return []
        ops = _array("struct pyipvs_ipvs_op", ops_raw, n)
        svcs = _array("struct pyipvs_ipvs_svc", svcs_raw, len(svcs_raw) // SVC.size)
        dests = _array("struct pyipvs_ipvs_dest", dests_raw, len(dests_raw) // DEST.size)
        results = ffi.new("int32_t[]", n)
        b = self._batch
        b.family_id = self.family_id
        b.max_msgs = self.chunk_msgs
        b.sbuf = self._sbuf
        b.scap = self.chunk_bytes
        b.rbuf = self.sock.rbuf
        b.rcap = RECV_BUFFER_SIZE
        b.stop_on_error = 1 if stop_on_error else 0
        rc = lib.pyipvs_ipvs_batch_run(self.sock.handle, b, ops, n, svcs, dests, results)
        check_rc(rc, "apply")
        self.last_chunks, self.last_lost = int(b.chunks), int(b.lost)
        return list(ffi.unpack(results, n))


def pack_operations(
    items: Sequence[tuple[int, VirtualService | None, RealServer | None, Timeouts | None]],
) -> tuple[bytes, bytes, bytes, int]:
    """(cmd, vs, rs, timeouts) items -> packed C arrays; each distinct service packed once."""
    svc_index: dict[int, int] = {}
    svc_parts: list[bytes] = []
    dest_parts: list[bytes] = []
    op_parts: list[bytes] = []
    op_pack = OP.pack
    for cmd, vs, rs, t in items:
        si = -1
        if vs is not None:
            si = svc_index.get(id(vs), -1)
            if si < 0:
                si = svc_index[id(vs)] = len(svc_parts)
                svc_parts.append(pack_service(vs))
        di = -1
        if rs is not None:
            di = len(dest_parts)
            dest_parts.append(pack_dest(rs))
        if t is None:
            op_parts.append(op_pack(cmd, si, di, 0, 0, 0))
        else:
            op_parts.append(op_pack(cmd, si, di, t.tcp, t.tcp_fin, t.udp))
    return b"".join(op_parts), b"".join(svc_parts), b"".join(dest_parts), len(op_parts)


def _pack_daemon(d: SyncDaemon) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "state": _STATE[d.state],
        "ifname": d.interface.encode(),
        "syncid": d.syncid,
        "maxlen": d.maxlen or 0,
        "mcast_port": d.mcast_port or 0,
        "mcast_ttl": d.mcast_ttl or 0,
    }
    if d.mcast_group is not None:
        raw["mcast_af"] = AF_INET6 if d.mcast_group.version == 6 else AF_INET
        raw["mcast_group"] = list(_addr16(d.mcast_group))
    return raw


def _daemon_from(c: Any) -> SyncDaemon:
    group: model.IPAddress | None = None
    if c.mcast_af:
        group = _address(int(c.mcast_af), bytes(ffi.buffer(c.mcast_group, 16)))
    return SyncDaemon(
        _STATE_NAME.get(int(c.state), "master"),
        ffi.string(c.ifname).decode(),
        int(c.syncid),
        maxlen=int(c.maxlen) or None,
        mcast_group=group,
        mcast_port=int(c.mcast_port) or None,
        mcast_ttl=int(c.mcast_ttl) or None,
    )


def open_in_netns(netns_fd: int, path: str) -> int:
    """An fd for path opened inside the network namespace netns_fd."""
    return check_rc(lib.pyipvs_open_in_netns(netns_fd, path.encode()), f"open {path}")


# ---- codec access for tests (no kernel) ----


def encode_request(
    cmd: int, vs: VirtualService | None, rs: RealServer | None = None, seq: int = 1
) -> bytes:
    """The netlink message pyipvs sends for cmd (family id 0x20, flags REQUEST|ACK)."""
    svcs = _array("struct pyipvs_ipvs_svc", pack_service(vs) if vs else b"", 1)
    dests = _array("struct pyipvs_ipvs_dest", pack_dest(rs) if rs else b"", 1)
    op = ffi.new(
        "struct pyipvs_ipvs_op *",
        {"cmd": cmd, "svc": 0 if vs else -1, "dest": 0 if rs else -1},
    )
    buf = ffi.new("uint8_t[]", 1024)
    mb = ffi.new("struct pyipvs_msgbuf *")
    lib.pyipvs_mb_init(mb, buf, 1024)
    check_rc(lib.pyipvs_ipvs_put_op(mb, 0x20, 0x5, seq, op, svcs, dests), "encode")
    return bytes(ffi.buffer(buf, mb.len))


def decode_service(message: bytes) -> VirtualService:
    """Parses one NEW_SERVICE message (as in a GET_SERVICE reply or dump)."""
    out = ffi.new("struct pyipvs_ipvs_svc[1]")
    check_rc(lib.pyipvs_ipvs_parse_svc(ffi.from_buffer(message), out), "decode service")
    return service_from(next(_unpack(SVC, out, 1)))


def decode_dest(message: bytes) -> RealServer:
    out = ffi.new("struct pyipvs_ipvs_dest[1]")
    check_rc(lib.pyipvs_ipvs_parse_dest(ffi.from_buffer(message), out), "decode dest")
    return dest_from(next(_unpack(DEST, out, 1)))


__all__ = [
    "IpvsChannel",
    "decode_dest",
    "decode_service",
    "encode_request",
    "get_info",
    "pack_operations",
]
