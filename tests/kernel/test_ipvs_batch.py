"""Ipvs.apply: many requests per sendmsg, one exact result per operation."""

from __future__ import annotations

import errno

from ipvsadm_util import save

from pyipvs import (
    DestinationExists,
    Ipvs,
    NoSuchDestination,
    NoSuchService,
    RealServer,
    ServiceExists,
    Timeouts,
    VirtualService,
    ops,
)


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
    are reported as unknown (ENOBUFS), never as success."""
    with Ipvs(netns=ipvs_netns, socket_buffers=(4096, 1 << 20)) as ipvs:
        ipvs.apply([ops.AddService(svc(i)) for i in range(2000)])
        ipvs._chan.chunk_msgs = 2000  # defeat the sizing on purpose
        results = ipvs.apply([ops.AddService(svc(i)) for i in range(2000)])
        assert ipvs._chan.last_lost >= 1
        codes = {r.error.errno for r in results if r.error is not None}
        assert all(not r.ok for r in results)  # every add was a duplicate
        assert codes <= {errno.EEXIST, errno.ENOBUFS}
        assert results[0].error is not None and results[0].error.errno == errno.EEXIST
