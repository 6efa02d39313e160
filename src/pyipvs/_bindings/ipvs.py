# SPDX-License-Identifier: Apache-2.0
"""Thin layer over csrc/ipvs*.c: requests, batches, dumps, in plain values.

Requests come ready-made (bytes, see :mod:`pyipvs._bindings.ipvs_requests`); replies are
records: tuples unpacked with ``iter_unpack`` over the array C filled (one Python loop per
listing, no per-field cffi access), which :mod:`pyipvs.ipvs.convert` turns into value objects.
"""

from __future__ import annotations

import array
import contextlib
import struct
from collections.abc import Iterator, Sequence

from pyipvs._bindings.check import check_rc, ipvs_error
from pyipvs._bindings.ipvs_requests import (
    DEST,
    SVC,
)
from pyipvs._bindings.netlink import RECV_BUFFER_SIZE, NetlinkSocket
from pyipvs._native import ffi, lib
from pyipvs.errors import KernelError, PyipvsValueError

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import Any

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
BARRIER_ROOM = 1024  # more than csrc/ipvs_batch.c keeps for a chunk's closing barrier (64)


def _array(ctype: str, packed: bytes | bytearray, count: int) -> Any:
    arr = ffi.new(f"{ctype}[]", max(count, 1))
    if packed:
        ffi.memmove(arr, packed, len(packed))
    return arr


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
        # The send buffer is made by the first batch, as large as it needs up to chunk_bytes:
        # cffi zeroes what it allocates, and a command that sends no batch (a listing, a
        # single change) should not touch 4 MiB (in User-Mode Linux, a page fault per 4 KiB).
        self._sbuf: Any = None
        self._scap = 0
        self._batch = ffi.new("struct pyipvs_ipvs_batch *")

    def _send_buffer(self, requests: int, count: int) -> tuple[Any, int]:
        """(buffer, capacity) for a batch of requests bytes in count requests."""
        # Room for every request (each padded to 4 bytes) and the barrier, or one whole chunk.
        need = min(self.chunk_bytes, requests + 4 * count + BARRIER_ROOM)
        if self._scap < need:
            self._scap = min(self.chunk_bytes, max(need, 2 * self._scap))
            self._sbuf = ffi.new("uint8_t[]", self._scap)
        return self._sbuf, self._scap

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

    def get_service(self, packed: bytes, subject: str) -> tuple[Any, ...]:
        """The service record with the identity of the packed service struct."""
        key = _array("struct pyipvs_ipvs_svc", packed, 1)
        out = ffi.new("struct pyipvs_ipvs_svc[1]")
        rc = lib.pyipvs_ipvs_get_service(
            self.sock.handle, self.family_id, key, out, self.sock.rbuf, RECV_BUFFER_SIZE
        )
        if rc < 0:
            raise ipvs_error(rc, "get_service", subject)
        return next(_unpack(SVC, out, 1))

    def timeouts(self) -> tuple[int, int, int]:
        """(tcp, tcp_fin, udp) in seconds."""
        out = ffi.new("struct pyipvs_ipvs_timeouts *")
        rc = lib.pyipvs_ipvs_get_timeouts(
            self.sock.handle, self.family_id, out, self.sock.rbuf, RECV_BUFFER_SIZE
        )
        check_rc(rc, "timeouts")
        return int(out.tcp), int(out.tcp_fin), int(out.udp)

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

    def dest_records(
        self, raw_svcs: bytes, count: int, layout: struct.Struct = DEST
    ) -> list[tuple[Any, ...]]:
        """The destinations of every service in raw_svcs (one GET_DEST dump each, in C), as
        layout unpacks them (DEST, or DEST_NO_STATS for fewer, smaller tuples)."""
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
            records.extend(_unpack(layout, arr, n))
        return records

    # -- daemons --

    def start_daemon(self, raw: dict[str, Any], subject: str) -> None:
        """Starts the daemon whose ``struct pyipvs_ipvs_daemon`` fields raw gives."""
        self._daemon(CMD_NEW_DAEMON, raw, "start_sync_daemon", subject)

    def stop_daemon(self, state: int, syncid: int | None, subject: str) -> None:
        raw = {"state": state, "syncid": 0xFFFFFFFF if syncid is None else syncid}
        self._daemon(CMD_DEL_DAEMON, raw, "stop_sync_daemon", subject)

    def _daemon(self, cmd: int, raw: dict[str, Any], action: str, subject: str) -> None:
        d = ffi.new("struct pyipvs_ipvs_daemon *", raw)
        rc = lib.pyipvs_ipvs_daemon(
            self.sock.handle, self.family_id, cmd, d, self.sock.rbuf, RECV_BUFFER_SIZE
        )
        if rc < 0:
            raise ipvs_error(rc, action, subject)

    def daemons(self) -> list[dict[str, Any]]:
        """The running daemons' ``struct pyipvs_ipvs_daemon`` fields, as plain values."""
        out = ffi.new("struct pyipvs_ipvs_daemon[]", 8)
        n = check_rc(
            lib.pyipvs_ipvs_get_daemons(
                self.sock.handle, self.family_id, out, 8, self.sock.rbuf, RECV_BUFFER_SIZE
            ),
            "sync_daemons",
        )
        return [_daemon_values(out[i]) for i in range(n)]

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
        b.sbuf, b.scap = self._send_buffer(len(requests), count)
        b.rbuf = self.sock.rbuf
        b.rcap = RECV_BUFFER_SIZE
        b.stop_on_error = 1 if stop_on_error else 0
        rc = lib.pyipvs_ipvs_batch_run(self.sock.handle, b, requests, len(requests), count, results)
        self.last_chunks, self.last_lost = int(b.chunks), int(b.lost)
        codes = array.array("i")
        codes.frombytes(ffi.buffer(results))
        return int(rc), codes, int(b.ran), int(b.failed)


def _daemon_values(c: Any) -> dict[str, Any]:
    return {
        "state": int(c.state),
        "ifname": ffi.string(c.ifname).decode(),
        "syncid": int(c.syncid),
        "maxlen": int(c.maxlen),
        "mcast_af": int(c.mcast_af),
        "mcast_group": bytes(ffi.buffer(c.mcast_group, 16)),
        "mcast_port": int(c.mcast_port),
        "mcast_ttl": int(c.mcast_ttl),
    }


# ---- codec access for tests (no kernel) ----


def encode_request(cmd: int, svc: bytes | None, dest: bytes | None = None, seq: int = 1) -> bytes:
    """cmd's request as the C codec builds a whole message from packed structs (family id
    0x20, flags REQUEST|ACK): GET requests are sent this way."""
    svcs = _array("struct pyipvs_ipvs_svc", svc or b"", 1)
    dests = _array("struct pyipvs_ipvs_dest", dest or b"", 1)
    op = ffi.new(
        "struct pyipvs_ipvs_op *",
        {"cmd": cmd, "svc": -1 if svc is None else 0, "dest": -1 if dest is None else 0},
    )
    buf = ffi.new("uint8_t[]", 1024)
    mb = ffi.new("struct pyipvs_msgbuf *")
    lib.pyipvs_mb_init(mb, buf, 1024)
    check_rc(lib.pyipvs_ipvs_put_op(mb, 0x20, 0x5, seq, op, svcs, dests), "encode")
    return bytes(ffi.buffer(buf, mb.len))


def decode_service(message: bytes) -> tuple[Any, ...]:
    """The service record of one NEW_SERVICE message (as in a GET_SERVICE reply or dump)."""
    out = ffi.new("struct pyipvs_ipvs_svc[1]")
    check_rc(lib.pyipvs_ipvs_parse_svc(ffi.from_buffer(message), out), "decode service")
    return next(_unpack(SVC, out, 1))


def decode_dest(message: bytes) -> tuple[Any, ...]:
    out = ffi.new("struct pyipvs_ipvs_dest[1]")
    check_rc(lib.pyipvs_ipvs_parse_dest(ffi.from_buffer(message), out), "decode dest")
    return next(_unpack(DEST, out, 1))


__all__ = [
    "IpvsChannel",
    "decode_dest",
    "decode_service",
    "encode_request",
    "get_info",
]
