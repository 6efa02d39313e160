"""Requests as pyipvs.ops encodes them (a header plus nests cached on the value objects), the
C check of a request stream, and BatchResults, all without a kernel.

The oracle for the request bytes is the C codec's whole-message encoder (the one GET requests
use), itself compared with kernel-captured replies in test_ipvs_codec.py and with the real
kernel's acceptance in the kernel tier."""

from __future__ import annotations

import array
import copy
import dataclasses
import errno
import pickle
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyipvs._native import lib
from test_ipvs_codec import REAL_SERVERS, SERVICES

from pyipvs import (
    BatchInterrupted,
    NoSuchService,
    OutcomeUnknown,
    PyipvsValueError,
    RealServer,
    ServiceExists,
    Timeouts,
    VirtualService,
    ops,
)
from pyipvs._bindings import ipvs_requests as wire
from pyipvs.errors import KernelError
from pyipvs.ipvs import convert as codec
from pyipvs.ipvs import convert as req


def stamped(op: ops.Operation, family: int = 0x20, flags: int = 0x5, seq: int = 1) -> bytes:
    """op's request with the header fields the sender fills, as encode_request fills them."""
    message = bytearray(ops.request_of(op))
    struct.pack_into("=HHI", message, 4, family, flags, seq)
    return bytes(message)


SERVICE_OPS = [ops.AddService, ops.EditService, ops.DeleteService]
DEST_OPS = [ops.AddRealServer, ops.EditRealServer, ops.DeleteRealServer]


@pytest.mark.parametrize("vs", SERVICES, ids=str)
@pytest.mark.parametrize("kind", SERVICE_OPS, ids=lambda k: k.__name__)
def test_service_requests_equal_the_c_encoder(
    kind: type[ops.AddService], vs: VirtualService
) -> None:
    assert stamped(kind(vs)) == codec.encode_request(kind.command, vs)


@pytest.mark.parametrize("rs", REAL_SERVERS, ids=lambda rs: str(rs.address))
@pytest.mark.parametrize("kind", DEST_OPS, ids=lambda k: k.__name__)
def test_dest_requests_equal_the_c_encoder(kind: type[ops.AddRealServer], rs: RealServer) -> None:
    for vs in SERVICES[:1] + SERVICES[4:5]:  # an IPv4 and an IPv6 service (mixed families)
        assert stamped(kind(vs, rs)) == codec.encode_request(kind.command, vs, rs)


def test_table_wide_requests() -> None:
    assert stamped(ops.Zero()) == codec.encode_request(req.CMD_ZERO, None)
    assert stamped(ops.Zero(SERVICES[0])) == codec.encode_request(req.CMD_ZERO, SERVICES[0])
    assert stamped(ops.Flush()) == codec.encode_request(req.CMD_FLUSH, None)
    timeouts = stamped(ops.SetTimeouts(Timeouts(900, 120, 300)))
    # SET_CONFIG: TIMEOUT_TCP (4), TIMEOUT_TCP_FIN (5), TIMEOUT_UDP (6) as u32 (ip_vs.h).
    assert timeouts[20:] == struct.pack("=HHIHHIHHI", 8, 4, 900, 8, 5, 120, 8, 6, 300)


def test_value_objects_are_encoded_once_and_shared() -> None:
    vs = VirtualService("tcp", "10.9.0.1", 80)
    rs = RealServer("10.9.1.1", 80)
    first = ops.AddRealServer(vs, rs)
    second = ops.DeleteRealServer(vs, rs)
    assert req.service_nests(vs) is vs.__dict__["_nests"]
    key = req.service_nests(vs)[1]
    assert ops.request_of(first)[20:].startswith(key)
    assert ops.request_of(second)[20:].startswith(key)


def test_the_cached_request_stays_out_of_equality_and_repr() -> None:
    vs = VirtualService("tcp", "10.9.0.1", 80)
    a, b = ops.AddService(vs), ops.AddService(VirtualService("tcp", "10.9.0.1", 80))
    assert a == b and hash(a) == hash(b) and "_request" not in repr(a)
    changed = dataclasses.replace(a, vs=VirtualService("tcp", "10.9.0.2", 80))
    assert ops.request_of(changed) != ops.request_of(a)


def test_join_names_what_is_not_an_operation() -> None:
    with pytest.raises(PyipvsValueError, match=r"^operations\[2\]: 'x' is not"):
        ops.join_requests([ops.Flush(), ops.Zero(), "x"])  # type: ignore[list-item]


def test_an_operation_made_without_init_is_encoded_on_demand() -> None:
    op = object.__new__(ops.Flush)
    assert ops.join_requests([op]) == ops.request_of(ops.Flush())


def check(stream: bytes, count: int) -> int:
    return int(lib.pyipvs_ipvs_requests_check(stream, len(stream), count))


def test_request_stream_check() -> None:
    one = ops.request_of(ops.AddService(SERVICES[0]))
    two = one + ops.request_of(ops.Flush())
    assert check(two, 2) == 0 and check(b"", 0) == 0
    assert check(two, 1) == -errno.EINVAL  # bytes left over
    assert check(two, 3) == -errno.EINVAL  # one missing
    assert check(two[:-4], 2) == -errno.EINVAL  # truncated
    short = bytearray(one)
    struct.pack_into("=I", short, 0, 12)  # shorter than the two headers
    assert check(bytes(short), 1) == -errno.EINVAL
    long = bytearray(one)
    struct.pack_into("=I", long, 0, len(one) + 4)  # claims more than there is
    assert check(bytes(long), 1) == -errno.EINVAL


@given(st.binary(max_size=300), st.integers(0, 8))
def test_request_stream_check_never_reads_out_of_bounds(blob: bytes, count: int) -> None:
    # Runs under ASan in the sanitizer tier: any over-read there fails the run.
    assert check(blob, count) in (0, -errno.EINVAL)


def error_of(op: ops.Operation, code: int) -> KernelError:
    if code == 2:
        return OutcomeUnknown(errno.ENOBUFS, None, op.action)
    return {-errno.EEXIST: ServiceExists, -errno.ESRCH: NoSuchService}[code](-code)


def test_batch_results_read_lazily() -> None:
    batch = [ops.AddService(VirtualService("tcp", f"10.9.0.{i}", 80)) for i in range(6)]
    codes = [0, -errno.EEXIST, 0, 2, -errno.ESRCH, 0]
    results = ops.BatchResults(batch, codes, 6, 3, error_of)
    assert len(results) == 6 and not results.ok
    assert [r.index for r in results] == list(range(6))
    assert [r.operation for r in results] == batch
    assert [type(r.error) for r in results.failures] == [
        ServiceExists,
        OutcomeUnknown,
        NoSuchService,
    ]
    assert results[1] is results.failures[0]  # one error object per failure
    assert results[-1].ok and results[-1].index == 5
    assert [r.index for r in results[1:4]] == [1, 2, 3]
    with pytest.raises(IndexError):
        results[6]
    assert "failed=3" in repr(results)


def test_batch_results_stopped_early() -> None:
    batch = [ops.Flush(), ops.Flush(), ops.Flush()]
    results = ops.BatchResults(batch, [0, -errno.ESRCH, 1], 2, 1, error_of)
    assert len(results) == 2 and [r.ok for r in results] == [True, False]
    assert not results.ok


def test_empty_batch_results() -> None:
    results = ops.BatchResults([], [], 0, 0, error_of)
    assert results.ok and list(results) == [] and results.failures == []


def test_stream_check_refuses_lengths_that_wrap_when_aligned() -> None:
    message = bytearray(ops.request_of(ops.Flush()))
    for bogus in (0xFFFFFFFF, 0xFFFFFFFD):
        struct.pack_into("=I", message, 0, bogus)
        assert check(bytes(message), 1) == -errno.EINVAL
        assert check(bytes(message) * 2, 2) == -errno.EINVAL


def test_nest_encoders_refuse_a_struct_of_the_wrong_size() -> None:
    scratch = wire._scratch
    packed = req.pack_service(SERVICES[0])
    encode = lib.pyipvs_ipvs_svc_nests
    assert encode(packed, len(packed), scratch.out, 512, scratch.full_len) > 0
    assert encode(packed[:-1], len(packed) - 1, scratch.out, 512, scratch.full_len) == (
        -errno.EINVAL
    )
    dest = req.pack_dest(REAL_SERVERS[0])
    assert lib.pyipvs_ipvs_dest_nests(dest, 8, scratch.out, 512, scratch.full_len) == (
        -errno.EINVAL
    )


def test_an_operation_without_fields_is_refused_by_index() -> None:
    bare = object.__new__(ops.AddService)
    with pytest.raises(PyipvsValueError, match=r"^operations\[1\]: a AddService without"):
        ops.join_requests([ops.Flush(), bare])


@pytest.mark.parametrize(
    "copier", [copy.copy, copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))]
)
def test_copies_leave_the_c_forms_behind_and_encode_again(copier: Callable[[Any], Any]) -> None:
    """A pickle may come from a pyipvs whose structs were laid out differently: cached C forms
    never travel with a value object or an operation; they are made again."""
    rs = RealServer("10.9.1.1", 80, forward="tunnel", tunnel_type="gue", tunnel_port=6080)
    rs.__dict__["_c_struct"] = b"stale, from another layout"
    rs.__dict__["_nests"] = (b"stale", b"stale")
    copied = copier(rs)
    assert copied == rs and "_c_struct" not in copied.__dict__ and "_nests" not in copied.__dict__
    vs = VirtualService("tcp", "10.9.0.1", 80)
    good = RealServer("10.9.1.1", 80, forward="tunnel", tunnel_type="gue", tunnel_port=6080)
    op = ops.AddRealServer(vs, good)
    op.__dict__["_request"] = b"stale"
    again = copier(op)
    assert again == op and ops.request_of(again) == ops.request_of(ops.AddRealServer(vs, good))


def test_batch_results_compare_with_lists_and_pickle() -> None:
    batch = [ops.Flush(), ops.Zero()]
    results = ops.BatchResults(batch, array.array("i", [0, -errno.ESRCH]), 2, 1, error_of)
    assert results == list(results) and results != list(results)[:1]
    assert results != "xy"
    again = pickle.loads(pickle.dumps(results))
    assert [r.ok for r in again] == [True, False]
    assert isinstance(again[1].error, NoSuchService)
    interrupted = pickle.loads(pickle.dumps(BatchInterrupted(errno.EIO, results)))
    assert interrupted.errno == errno.EIO and len(interrupted.results) == 2


def whole_service_struct(vs: VirtualService) -> bytes:
    """The service struct packed field by field in one go (the straightforward way)."""
    flags = (1 if vs.persistence_timeout is not None else 0) | (4 if vs.one_packet else 0)
    for name in vs.sched_flags:
        flags |= req.FLAG_BITS[name]
    fwmark = vs.fwmark is not None
    return req.SVC.pack(
        req.AF[vs.family or "inet"],
        0 if fwmark else req.PROTO[vs.protocol or ""],
        b"" if fwmark or vs.address is None else vs.address.packed,
        0 if fwmark else vs.port or 0,
        vs.fwmark or 0,
        vs.scheduler.encode(),
        flags,
        0xFFFFFFFF,
        vs.persistence_timeout or 0,
        int(vs.netmask or 128),
        (vs.pe_name or "").encode(),
        *([0] * 10),
    )


def whole_dest_struct(rs: RealServer) -> bytes:
    return req.DEST.pack(
        req.AF[rs.family or "inet"],
        rs.address.packed,
        rs.port,
        req.FWD[rs.forward],
        rs.weight,
        rs.upper_threshold,
        rs.lower_threshold,
        req.TUN_TYPE[rs.tunnel_type],
        rs.tunnel_port,
        req.TUN_CSUM[rs.tunnel_checksum],
        *([0] * 14),
    )


def test_structs_packed_in_two_parts_equal_the_whole() -> None:
    """Identity packed per object + configuration bytes shared by objects configured alike."""
    for vs in SERVICES:
        assert req._pack_service(vs) == whole_service_struct(vs), vs
    for rs in REAL_SERVERS:
        assert req._pack_dest(rs) == whole_dest_struct(rs), rs
    # Alike but for identity: the shared configuration part, each its own identity.
    a, b = VirtualService("tcp", "10.9.0.1", 80), VirtualService("udp", "10.9.0.2", 53)
    assert req._pack_service(a)[-100:] == req._pack_service(b)[-100:]
    assert req._pack_service(a) != req._pack_service(b)
