"""Every kernel error of the IPVS family, mapped to its class per operation (the errno table
in include/uapi/linux/ip_vs.h's handlers, ip_vs_genl_set_cmd)."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from typing import Any

import pytest

from pyipvs import (
    DaemonRunning,
    DestinationExists,
    InvalidArgument,
    Ipvs,
    KernelError,
    NoDaemon,
    NoSuchDestination,
    NoSuchService,
    OutOfRange,
    PyipvsValueError,
    RealServer,
    ServiceExists,
    SyncDaemon,
    Timeouts,
    UnknownScheduler,
    VirtualService,
)

VS = VirtualService("tcp", "10.0.0.1", 80)
RS = RealServer("10.1.0.1", 80)


@pytest.fixture
def ipvs(ipvs_netns: str):  # type: ignore[no-untyped-def]
    with Ipvs(netns=ipvs_netns) as handle:
        yield handle


@contextlib.contextmanager
def expect(cls: type[KernelError], code: int) -> Iterator[Any]:
    with pytest.raises(cls) as info:
        yield info
    assert info.value.errno == code


def test_duplicate_service(ipvs: Ipvs) -> None:
    ipvs.add_service(VS)
    with expect(ServiceExists, errno.EEXIST) as info:
        ipvs.add_service(VS)
    assert isinstance(info.value, FileExistsError) and "10.0.0.1:80" in str(info.value)


def test_unknown_scheduler_on_add_and_edit(ipvs: Ipvs) -> None:
    with expect(UnknownScheduler, errno.ENOENT):
        ipvs.add_service(VirtualService("tcp", "10.0.0.1", 80, scheduler="nosuch"))
    ipvs.add_service(VS)
    with expect(UnknownScheduler, errno.ENOENT):
        ipvs.edit_service(VirtualService("tcp", "10.0.0.1", 80, scheduler="nosuch"))


def test_unknown_persistence_engine(ipvs: Ipvs) -> None:
    with expect(UnknownScheduler, errno.ENOENT):
        ipvs.add_service(
            VirtualService("udp", "10.0.0.1", 5060, persistence_timeout=60, pe_name="nosuch")
        )


@pytest.mark.parametrize(
    "call",
    [
        lambda h: h.edit_service(VS),
        lambda h: h.delete_service(VS),
        lambda h: h.get_service(VS),
        lambda h: h.zero(VS),
        lambda h: h.add_real_server(VS, RS),
        lambda h: h.edit_real_server(VS, RS),
        lambda h: h.delete_real_server(VS, RS),
    ],
)
def test_missing_service(ipvs: Ipvs, call) -> None:  # type: ignore[no-untyped-def]
    with expect(NoSuchService, errno.ESRCH):
        call(ipvs)


def test_destination_errors(ipvs: Ipvs) -> None:
    ipvs.add_service(VS)
    with expect(NoSuchDestination, errno.ENOENT):
        ipvs.edit_real_server(VS, RS)
    with expect(NoSuchDestination, errno.ENOENT):
        ipvs.delete_real_server(VS, RS)
    ipvs.add_real_server(VS, RS)
    with expect(DestinationExists, errno.EEXIST):
        ipvs.add_real_server(VS, RS)


def test_invalid_arguments(ipvs: Ipvs) -> None:
    ipvs.add_service(VS)
    with expect(InvalidArgument, errno.EINVAL):  # multicast real server
        ipvs.add_real_server(VS, RealServer("224.0.0.1", 80))
    with expect(InvalidArgument, errno.EINVAL):  # GUE needs a port
        ipvs.add_real_server(VS, RealServer("10.1.0.9", 80, forward="tunnel", tunnel_type="gue"))
    with expect(InvalidArgument, errno.EINVAL):  # mixed family needs tunnelling
        ipvs.add_real_server(VS, RealServer("2001:db8::1", 80, forward="masq"))
    with expect(InvalidArgument, errno.EINVAL):  # timeout beyond INT_MAX / HZ
        ipvs.set_timeouts(Timeouts(2**31 - 1, 0, 0))


def test_out_of_range(ipvs: Ipvs) -> None:
    ipvs.add_service(VS)
    with expect(OutOfRange, errno.ERANGE):
        ipvs.add_real_server(VS, RealServer("10.1.0.1", 80, upper_threshold=5, lower_threshold=10))


def test_daemon_errors(ipvs: Ipvs, ipvs_netns: str) -> None:
    with expect(NoDaemon, errno.ESRCH):
        ipvs.stop_sync_daemon("master")
    ipvs.start_sync_daemon(SyncDaemon("master", "lo", 7))
    try:
        with expect(DaemonRunning, errno.EEXIST):
            ipvs.start_sync_daemon(SyncDaemon("master", "lo", 7))
    finally:
        ipvs.stop_sync_daemon("master")


def test_python_side_validation_names_the_argument(ipvs: Ipvs) -> None:
    with pytest.raises(PyipvsValueError, match=r"^vs:"):
        ipvs.add_service("10.0.0.1:80")  # type: ignore[arg-type]
    with pytest.raises(PyipvsValueError, match=r"^rs:"):
        ipvs.add_real_server(VS, "10.1.0.1")  # type: ignore[arg-type]
    with pytest.raises(PyipvsValueError, match=r"^state:"):
        ipvs.stop_sync_daemon("both")
    with pytest.raises(PyipvsValueError, match=r"^operations\[1\]:"):
        ipvs.apply([__import__("pyipvs.ops").ops.Flush(), "nonsense"])  # type: ignore[list-item]
