"""Thin layer over csrc/ipvs*.c: requests, batches, dumps; C records -> model objects in bulk.

Requests come ready-made from :mod:`pyipvs._bindings.ipvs_requests` (encoded once per
operation); replies are unpacked with ``iter_unpack`` over the array C filled: one Python loop
per listing, no per-field cffi access.
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import ipaddress
import struct
from collections.abc import Iterator, Sequence
from typing import Any

from pyipvs import model
from pyipvs._bindings.check import check_rc, ipvs_error
from pyipvs._bindings.ipvs_requests import (
    AF_INET,
    AF_INET6,
    DEST,
    FWD,
    PROTO,
    SVC,
    SVC_F_ONEPACKET,
    SVC_F_PERSISTENT,
    TUN_CSUM,
    TUN_TYPE,
    addr16,
    pack_dest,
    pack_service,
)
from pyipvs._bindings.netlink import RECV_BUFFER_SIZE, NetlinkSocket
from pyipvs._cache import remember
from pyipvs._native import ffi, lib
from pyipvs.errors import KernelError, PyipvsValueError
from pyipvs.model import RealServer, Stats, SyncDaemon, Timeouts, VirtualService, _build

_PROTO_NAME = {v: k for k, v in PROTO.items()}
_FWD_NAME = {v: k for k, v in FWD.items()}
_TUN_TYPE_NAME = {v: k for k, v in TUN_TYPE.items()}
_TUN_CSUM_NAME = {v: k for k, v in TUN_CSUM.items()}
STATE_MASTER, STATE_BACKUP = 1, 2
_STATE = {"master": STATE_MASTER, "backup": STATE_BACKUP}
_STATE_NAME = {v: k for k, v in _STATE.items()}
CMD_NEW_DAEMON, CMD_DEL_DAEMON = 9, 10  # include/uapi/linux/ip_vs.h

DUMP_CHUNK = 4096  # structs per C call while reading a dump
NOT_RUN = int(lib.PYIPVS_BATCH_NOT_RUN)
UNKNOWN = int(lib.PYIPVS_BATCH_UNKNOWN)
# Receive-buffer bytes one failure reply may take: its skb truesize, 768 on the 6.1 kernel
# (measured by tests/kernel/test_ipvs_batch.py), with margin for larger extended ACKs.
ERROR_REPLY_TRUESIZE = 2048
WANTED_RCVBUF = 32 << 20
WANTED_SNDBUF = 4 << 20
MAX_CHUNK_BYTES = 4 << 20


def _array(ctype: str, packed: bytes | bytearray, count: int) -> Any:
    arr = ffi.new(f"{ctype}[]", max(count, 1))
    if packed:
        ffi.memmove(arr, packed, len(packed))
    return arr


# ---- C -> model ----


_ADDRESSES: dict[bytes, model.IPAddress] = {}
_NETMASKS: dict[int, ipaddress.IPv4Address] = {}
_STATS_FIELDS = tuple(f.name for f in dataclasses.fields(Stats))


def _address(af: int, raw: bytes) -> model.IPAddress:
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
        made = _build(Stats, dict(zip(_STATS_FIELDS, values, strict=True)))
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

    def request(self, request: bytes) -> int:
        """Sends one request (as :mod:`pyipvs.ops` encodes them) and waits for its ACK.

        Returns 0 or the kernel's negative errno."""
        return int(
            lib.pyipvs_ipvs_request(
                self.sock.handle,
                self.family_id,
                request,
                len(request),
                self.sock.rbuf,
                RECV_BUFFER_SIZE,
            )
        )

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

    def table(self) -> list[tuple[VirtualService, list[RealServer]]]:
        """Every service with its real servers, in dump order (a repeated service stays)."""
        records, raw = self.service_records()
        pairs: list[tuple[VirtualService, list[RealServer]]] = [
            (service_from(t), []) for t in records
        ]
        for t in self.dest_records(raw, len(records)):
            pairs[t[13]][1].append(dest_from(t))
        return pairs

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

    def run_batch(
        self, requests: bytes, count: int, stop_on_error: bool
    ) -> tuple[int, Sequence[int], int, int]:
        """Runs count requests joined back to back (see :func:`pyipvs.ops.join_requests`).

        Returns (rc, codes, ran, failed): rc is 0 or the -errno of a socket failure that
        stopped the batch; codes has one entry per request (0, -errno, NOT_RUN or UNKNOWN);
        ran and failed count the requests sent and those of them whose code is not 0.

        :raises PyipvsValueError: requests is not count well-formed messages (nothing sent).
        """
        if count == 0:
            return 0, (), 0, 0
        if lib.pyipvs_ipvs_requests_check(requests, len(requests), count) != 0:
            raise PyipvsValueError(f"operations: not {count} well-formed IPVS requests")
        results = ffi.new("int32_t[]", count)
        b = self._batch
        b.family_id = self.family_id
        b.max_msgs = self.chunk_msgs
        b.sbuf = self._sbuf
        b.scap = self.chunk_bytes
        b.rbuf = self.sock.rbuf
        b.rcap = RECV_BUFFER_SIZE
        b.stop_on_error = 1 if stop_on_error else 0
        rc = lib.pyipvs_ipvs_batch_run(self.sock.handle, b, requests, len(requests), count, results)
        self.last_chunks, self.last_lost = int(b.chunks), int(b.lost)
        codes = array.array("i")
        codes.frombytes(ffi.buffer(results))
        return int(rc), codes, int(b.ran), int(b.failed)


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
        raw["mcast_group"] = list(addr16(d.mcast_group))
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
    """cmd's request as the C codec builds a whole message (family id 0x20, flags
    REQUEST|ACK): GET requests are sent this way, and tests compare :mod:`pyipvs.ops`'
    requests (header + cached nests) with it."""
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
]
