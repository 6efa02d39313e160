"""Ipvs.apply: many requests per sendmsg, one exact result per operation."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import struct

from ipvsadm_util import save

from pyipvs import (
    DestinationExists,
    Ipvs,
    NoSuchDestination,
    NoSuchService,
    OutcomeUnknown,
    RealServer,
    ServiceExists,
    Timeouts,
    VirtualService,
    ops,
)
from pyipvs._bindings import netlink


def svc(i: int) -> VirtualService:
    return VirtualService("tcp", f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}", 80)


def test_failures_come_back_with_their_index(ipvs_netns: str) -> None:
    a, b = svc(1), svc(2)
    rs = RealServer("10.200.0.1", 80)
    batch: list[ops.Operation] = [
        ops.AddService(a),
        ops.AddService(a),  # EEXIST
        ops.AddRealServer(a, rs),
        ops.AddRealServer(a, rs),  # EEXIST on a dest
        ops.DeleteRealServer(b, rs),  # ESRCH: no service b
        ops.EditRealServer(a, RealServer("10.200.0.2", 80)),  # ENOENT on a dest
        ops.SetTimeouts(Timeouts(100, 0, 0)),
        ops.AddService(b),
        ops.Zero(None),
    ]
    with Ipvs(netns=ipvs_netns) as ipvs:
        results = ipvs.apply(batch)
        assert [r.index for r in results] == list(range(len(batch)))
        assert [r.operation for r in results] == batch
        failed = {r.index: type(r.error) for r in results if not r.ok}
        assert failed == {
            1: ServiceExists,
            3: DestinationExists,
            4: NoSuchService,
            5: NoSuchDestination,
        }
        assert results[1].error is not None and results[1].error.errno == errno.EEXIST
        assert ipvs.timeouts().tcp == 100
        assert {vs.key for vs in ipvs.services()} == {a.key, b.key}


def test_stop_on_error_runs_nothing_after_the_failure(ipvs_netns: str) -> None:
    batch = [ops.AddService(svc(1)), ops.AddService(svc(1)), ops.AddService(svc(2))]
    with Ipvs(netns=ipvs_netns) as ipvs:
        results = ipvs.apply(batch, stop_on_error=True)
        assert [r.ok for r in results] == [True, False]
        assert [vs.key for vs in ipvs.services()] == [svc(1).key]
        results = ipvs.apply(batch)
        assert [r.ok for r in results] == [False, False, True]


def test_50000_services_in_60000_ops_with_small_socket_buffers_are_exact(ipvs_netns: str) -> None:
    """One batch of 60,000 operations (50,000 adds, 10,000 failing on purpose) through 64 KiB
    socket buffers: every result exact, and the 50,000-service dump afterwards shows each service
    once (nothing lost, nothing done twice), as the real ipvsadm does."""
    n = 50_000
    batch: list[ops.Operation] = []
    expected_fail: dict[int, int] = {}
    for i in range(n):
        batch.append(ops.AddService(svc(i)))
        if i % 10 == 0:  # a duplicate of an earlier add
            expected_fail[len(batch)] = errno.EEXIST
            batch.append(ops.AddService(svc(i // 2)))
        elif i % 10 == 5:  # deleting something that was never there
            expected_fail[len(batch)] = errno.ESRCH
            batch.append(ops.DeleteService(svc(n + i)))
    assert len(batch) == 60_000
    with Ipvs(netns=ipvs_netns, socket_buffers=(65536, 65536)) as ipvs:
        results = ipvs.apply(batch)
        assert ipvs._chan.last_lost == 0 and ipvs._chan.last_chunks > 100
        assert len(results) == len(batch)
        assert [r.index for r in results] == list(range(len(batch)))
        failed = {r.index: r.error.errno for r in results if r.error is not None}
        assert failed == expected_fail
        listed = ipvs.services()
    keys = [vs.key for vs in listed]
    assert len(keys) == len(set(keys)) == n
    assert set(keys) == {svc(i).key for i in range(n)}
    assert save(ipvs_netns).count("-A -t") == n


def test_dropped_replies_are_detected_not_guessed(ipvs_netns: str) -> None:
    """Chunks deliberately larger than the receive buffer can hold failure replies for: the
    kernel drops replies (ENOBUFS). Results up to the last reply received stay exact; the rest
    are reported as OutcomeUnknown, never as success, and the table shows what happened."""
    with Ipvs(netns=ipvs_netns, socket_buffers=(4096, 1 << 20)) as ipvs:
        ipvs.apply([ops.AddService(svc(i)) for i in range(2000)])
        ipvs._chan.chunk_msgs = 2000  # defeat the sizing on purpose
        results = ipvs.apply([ops.AddService(svc(i)) for i in range(2000)])
        assert ipvs._chan.last_lost >= 1
        assert not results.ok and len(results.failures) == 2000  # every add was a duplicate
        kinds = {type(r.error) for r in results.failures}
        assert kinds == {ServiceExists, OutcomeUnknown}
        assert type(results[0].error) is ServiceExists
        unknown = [r.index for r in results.failures if isinstance(r.error, OutcomeUnknown)]
        assert unknown == list(range(unknown[0], 2000))  # a suffix, as netlink drops them
        assert all(r.error is not None and r.error.errno == errno.ENOBUFS for r in results[-3:])
        # The handle is usable afterwards and the table is what the first batch made.
        assert len(ipvs.services()) == 2000


def _rmem_alloc(sock: socket.socket) -> int:
    # SO_MEMINFO (include/uapi/asm-generic/socket.h: 55) -> u32[SK_MEMINFO_VARS]; index 0 is
    # SK_MEMINFO_RMEM_ALLOC (include/uapi/linux/sock_diag.h).
    return int(struct.unpack_from("=I", sock.getsockopt(socket.SOL_SOCKET, 55, 64))[0])


def test_a_failure_reply_fits_the_size_the_chunks_are_computed_with(ipvs_netns: str) -> None:
    """The chunk sizing assumes a failure reply takes at most ERROR_REPLY_TRUESIZE bytes of the
    receive buffer. Measured here on the real kernel: 200 failing requests sent without reading,
    then the socket's receive-memory counter divided by the replies queued."""
    from pyipvs._bindings.ipvs import ERROR_REPLY_TRUESIZE

    with Ipvs(netns=ipvs_netns) as ipvs:
        family = ipvs.family.id
    requests = bytearray()
    for i in range(200):  # deleting services that do not exist: ESRCH each
        message = bytearray(ops.request_of(ops.DeleteService(svc(i))))
        struct.pack_into("=HHI", message, 4, family, 1, i + 1)  # NLM_F_REQUEST, no ACK
        requests += message
    # A socket opened the way pyipvs opens its own (in the namespace, bound, CAP_ACK and
    # EXT_ACK set), driven from Python so that nothing reads it until the count is taken.
    ns_fd = netlink.open_netns(ipvs_netns)
    try:
        ours = netlink.NetlinkSocket(netns_fd=ns_fd)
    finally:
        os.close(ns_fd)
    sock = socket.socket(fileno=os.dup(ours.handle.fd))
    ours.close()
    with sock:
        sock.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE: room for all 200
        sock.send(bytes(requests))
        queued = _rmem_alloc(sock)
        replies = 0
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            while True:
                data = sock.recv(65536)
                replies += sum(1 for _ in _messages(data))
    assert replies == 200
    per_reply = queued / replies
    print(f"receive-buffer bytes per failure reply: {per_reply:.0f}")
    assert 0 < per_reply <= ERROR_REPLY_TRUESIZE


def _messages(data: bytes) -> list[int]:
    out, off = [], 0
    while off + 16 <= len(data):
        length, kind = struct.unpack_from("=IH", data, off)
        out.append(kind)
        off += (length + 3) & ~3
    return out


def test_all_failing_batch_through_the_smallest_buffers_is_exact(ipvs_netns: str) -> None:
    """The smallest receive buffer the kernel grants (SOCK_MIN_RCVBUF): chunks shrink to what
    it can answer for, and a batch in which every request fails still gets every result."""
    n = 3000
    with Ipvs(netns=ipvs_netns, socket_buffers=(1, 1)) as ipvs:
        assert ipvs._chan.rcvbuf < 8192  # the kernel's minimum, doubled
        results = ipvs.apply([ops.DeleteService(svc(i)) for i in range(n)])
        assert ipvs._chan.last_lost == 0
        assert len(results.failures) == n
        assert {type(r.error) for r in results.failures} == {NoSuchService}
        assert ipvs.services() == []
