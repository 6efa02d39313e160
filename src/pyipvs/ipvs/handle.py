# SPDX-License-Identifier: Apache-2.0
"""The IPVS handle: one generic-netlink socket bound to one network namespace."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType

from pyipvs._bindings import ipvs as _ipvs
from pyipvs._bindings import ipvs_requests as _wire
from pyipvs._bindings import netlink as _nl
from pyipvs._bindings import netns as _netns
from pyipvs._bindings.check import ipvs_error
from pyipvs.errors import (
    BatchInterrupted,
    InconsistentListing,
    IpvsUnavailable,
    KernelError,
    OutcomeUnknown,
    PyipvsValueError,
)
from pyipvs.ipvs import convert as _convert
from pyipvs.ipvs import ops as _ops
from pyipvs.ipvs.conn import parse_connections
from pyipvs.ipvs.model import (
    DAEMON_STATES,
    Connection,
    RealServer,
    SyncDaemon,
    Timeouts,
    VirtualService,
    require,
)

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _T = TypeVar("_T")

IPVS_FAMILY_NAME = "IPVS"

UNAVAILABLE_MESSAGE = (
    "IPVS is not available in this kernel: the generic netlink family 'IPVS' is not "
    "registered. Load the ip_vs module (modprobe ip_vs) or use a kernel built with CONFIG_IP_VS."
)


@dataclass(frozen=True)
class IpvsInfo:
    """What IPVS_CMD_GET_INFO reports.

    :ivar version_code: ``IP_VS_VERSION_CODE``, e.g. ``0x010201``.
    :ivar conn_table_size: size of the connection hash table (4096 by default).
    """

    version_code: int
    conn_table_size: int

    @property
    def version(self) -> str:
        """The version as ipvsadm prints it, e.g. ``"1.2.1"``."""
        code = self.version_code
        return f"{(code >> 16) & 0xFF}.{(code >> 8) & 0xFF}.{code & 0xFF}"


class Ipvs:
    """A handle on the kernel's IPVS tables in one network namespace.

    :param netns: ``None`` for the caller's namespace, an ``ip netns`` name, or a path to a
        namespace file (e.g. ``/proc/1234/ns/net``; ``str``, ``bytes`` or path-like). A file
        that is not a network namespace raises :class:`~pyipvs.errors.PyipvsValueError`.
    :param socket_buffers: (receive, send) socket buffer sizes in bytes. By default pyipvs asks
        for 32 MiB / 4 MiB (SO_RCVBUFFORCE / SO_SNDBUFFORCE, else capped by the sysctls); batch
        chunks are sized from what the kernel grants, so smaller buffers mean more, smaller
        chunks, never lost results. Each must be 1..2**30-1, else
        :class:`~pyipvs.errors.PyipvsValueError`.
    :raises IpvsUnavailable: the kernel has no ``ip_vs``.
    :raises PermissionDenied: (later, on the first command) the caller lacks CAP_NET_ADMIN.

    Use it as a context manager, or call :meth:`close`.
    """

    family_name = IPVS_FAMILY_NAME

    def __init__(
        self,
        netns: str | os.PathLike[str] | None = None,
        *,
        socket_buffers: tuple[int, int] | None = None,
    ) -> None:
        netns = _checked_netns(netns)
        buffers = _checked_buffers(socket_buffers)
        self._netns = netns
        self._sock = self._open_socket(netns)
        try:
            self._family = _nl.resolve_family(self._sock, self.family_name)
        except KernelError as exc:
            self._sock.close()
            if exc.errno == errno.ENOENT:
                raise IpvsUnavailable(errno.ENOENT, UNAVAILABLE_MESSAGE) from None
            raise
        self._chan = _ipvs.IpvsChannel(self._sock, self._family.id)
        if buffers is not None:
            self._chan.configure_buffers(*buffers)

    @staticmethod
    def _open_socket(netns: str | os.PathLike[str] | None) -> _nl.NetlinkSocket:
        if netns is None:
            return _nl.NetlinkSocket()
        try:
            fd = _nl.open_netns(netns)
        except OSError as exc:
            raise PyipvsValueError(
                f"netns: cannot open {os.fspath(netns)!r}: {exc.strerror}"
            ) from None
        try:
            return _nl.NetlinkSocket(netns_fd=fd)
        except KernelError as exc:
            if exc.errno == errno.EINVAL:  # setns(CLONE_NEWNET) on another kind of file
                raise PyipvsValueError(
                    f"netns: {os.fspath(netns)!r} is not a network namespace"
                ) from None
            raise
        finally:
            os.close(fd)

    @property
    def family(self) -> _nl.GenlFamily:
        """The IPVS generic-netlink family as the kernel registered it (id, version, ops)."""
        return self._family

    def info(self) -> IpvsInfo:
        """The IPVS version and connection table size (IPVS_CMD_GET_INFO)."""
        version, size = _ipvs.get_info(self._sock, self._family.id)
        return IpvsInfo(version_code=version, conn_table_size=size)

    # -- services --

    def services(self) -> list[VirtualService]:
        """Every virtual service of the namespace, with :class:`Stats` attached (one dump).

        :raises InconsistentListing: the kernel kept listing a service twice (re-read first).
        """
        return _consistent_listing(self._read_services, lambda vs: vs)

    def get_service(self, vs: VirtualService) -> VirtualService:
        """The service with vs's identity, as the kernel has it.

        :raises NoSuchService: there is none.
        """
        packed = _convert.pack_service(_require_vs(vs))
        return _convert.service_from(self._chan.get_service(packed, str(vs)))

    def add_service(self, vs: VirtualService) -> None:
        """:raises ServiceExists, UnknownScheduler, InvalidArgument:"""
        self._run(_ops.AddService(_require_vs(vs)))

    def edit_service(self, vs: VirtualService) -> None:
        """Sets scheduler, persistence, netmask, flags and PE of the service vs identifies.

        :raises NoSuchService, UnknownScheduler, InvalidArgument:
        """
        self._run(_ops.EditService(_require_vs(vs)))

    def delete_service(self, vs: VirtualService) -> None:
        """:raises NoSuchService:"""
        self._run(_ops.DeleteService(_require_vs(vs)))

    # -- real servers --

    def real_servers(self, vs: VirtualService) -> list[RealServer]:
        """The real servers of vs with counters and stats (empty when vs does not exist)."""
        records = self._chan.dest_records(_convert.pack_service(_require_vs(vs)), 1)
        return [_convert.dest_from(t) for t in records]

    def table(self) -> dict[VirtualService, list[RealServer]]:
        """Every service with its real servers: one service dump, then one GET_DEST dump per
        service, all driven from C over this handle's socket.

        :raises InconsistentListing: the kernel kept listing a service twice (re-read first).
        """
        return dict(_consistent_listing(self._read_table, lambda pair: pair[0]))

    def table_records(self) -> list[tuple[VirtualService, list[tuple[Any, ...]]]]:
        """The table as :meth:`table` reads it, in dump order, each service with its real servers
        as unpacked C records without their stats instead of :class:`RealServer` objects (see
        :func:`pyipvs.ipvs.convert.records_by_service`): for pyipvsadm's listings, which
        format 50,000 lines without making an object of each. Not a stable API.

        :raises InconsistentListing: the kernel kept listing a service twice (re-read first).
        """
        return _consistent_listing(self._read_records, lambda pair: pair[0])

    def _read_records(self) -> list[tuple[VirtualService, list[tuple[Any, ...]]]]:
        services, raw = self._chan.service_records()
        dests = self._chan.dest_records(raw, len(services), _wire.DEST_NO_STATS)
        with _collector_paused():
            return _convert.records_by_service(services, dests)

    def _read_services(self) -> list[VirtualService]:
        records, _ = self._chan.service_records()
        with _collector_paused():
            return [_convert.service_from(t) for t in records]

    def _read_table(self) -> list[tuple[VirtualService, list[RealServer]]]:
        services, raw = self._chan.service_records()
        dests = self._chan.dest_records(raw, len(services))
        with _collector_paused():
            return _convert.table_from(services, dests)

    def add_real_server(self, vs: VirtualService, rs: RealServer) -> None:
        """:raises NoSuchService, DestinationExists, InvalidArgument, OutOfRange:"""
        self._run(_ops.AddRealServer(_require_vs(vs), _require_rs(rs)))

    def edit_real_server(self, vs: VirtualService, rs: RealServer) -> None:
        """:raises NoSuchService, NoSuchDestination, InvalidArgument, OutOfRange:"""
        self._run(_ops.EditRealServer(_require_vs(vs), _require_rs(rs)))

    def delete_real_server(self, vs: VirtualService, rs: RealServer) -> None:
        """:raises NoSuchService, NoSuchDestination:"""
        self._run(_ops.DeleteRealServer(_require_vs(vs), _require_rs(rs)))

    # -- whole table --

    def zero(self, vs: VirtualService | None = None) -> None:
        """Zeroes the counters of vs and its real servers, or of everything."""
        self._run(_ops.Zero(None if vs is None else _require_vs(vs)))

    def flush(self) -> None:
        """Deletes every virtual service of the namespace."""
        self._run(_ops.Flush())

    def timeouts(self) -> Timeouts:
        """The TCP, TCP FIN and UDP connection timeouts in seconds."""
        return Timeouts(*self._chan.timeouts())

    def set_timeouts(
        self,
        timeouts: Timeouts | None = None,
        *,
        tcp: int = 0,
        tcp_fin: int = 0,
        udp: int = 0,
    ) -> None:
        """Sets timeouts (seconds); 0 leaves a value as it is."""
        if timeouts is None:
            timeouts = Timeouts(tcp, tcp_fin, udp)
        elif not isinstance(timeouts, Timeouts):
            raise PyipvsValueError(f"timeouts: {timeouts!r} is not a Timeouts")
        self._run(_ops.SetTimeouts(timeouts))

    # -- sync daemons --

    def start_sync_daemon(self, daemon: SyncDaemon) -> None:
        """:raises DaemonRunning, InvalidArgument:"""
        if not isinstance(daemon, SyncDaemon):
            raise PyipvsValueError(f"daemon: {daemon!r} is not a SyncDaemon")
        self._chan.start_daemon(_convert.daemon_values(daemon), daemon.state)

    def stop_sync_daemon(self, state: str, syncid: int | None = None) -> None:
        """Stops the master or backup sync daemon.

        A stop that comes before the daemon's kernel thread has first run is stopped all the
        same, but the kernel sends no answer for it (kthread_stop returns -EINTR, and netlink
        answers nothing for a handler's -EINTR): a client waiting for that answer waits
        forever. pyipvs follows every request with an acked no-op, so it returns as soon as the
        kernel is done.

        :raises NoDaemon:"""
        if state not in DAEMON_STATES:
            raise PyipvsValueError(f"state: {state!r} is not one of master, backup")
        if syncid is not None and (not isinstance(syncid, int) or not 0 <= syncid <= 255):
            raise PyipvsValueError(f"syncid: {syncid!r} is out of range 0..255")
        self._chan.stop_daemon(_convert.STATE[state], syncid, state)

    def sync_daemons(self) -> list[SyncDaemon]:
        return [_convert.daemon_from(values) for values in self._chan.daemons()]

    # -- connections --

    def connections(self) -> list[Connection]:
        """The connection table (``/proc/net/ip_vs_conn`` of this handle's namespace; there is
        no netlink command for it). For another namespace the file is opened from C with the
        thread switched into it (setns), which binds the open file to that namespace."""
        if self._netns is None:
            with open("/proc/net/ip_vs_conn", encoding="ascii") as f:
                return parse_connections(f.read())
        ns_fd = _nl.open_netns(self._netns)
        try:
            fd = _netns.open_in_netns(ns_fd, "/proc/thread-self/net/ip_vs_conn")
        finally:
            os.close(ns_fd)
        with os.fdopen(fd, encoding="ascii") as f:
            return parse_connections(f.read())

    # -- batches --

    def apply(
        self, operations: Iterable[_ops.Operation], *, stop_on_error: bool = False
    ) -> _ops.BatchResults:
        """Runs operations in order, many per sendmsg(); returns one result per operation run.

        Each operation was encoded when it was made, so this joins their requests and hands
        them to C in one call. Requests go without ACK in chunks sized to the socket buffers,
        each chunk closed by one acked barrier, so only failures come back (with their index).
        With ``stop_on_error``, each chunk is one operation and its barrier, and nothing
        after the first failure runs (the kernel has no way to abort the rest of a sent chunk);
        the results then end at the failed operation.

        :raises PyipvsValueError: an item is not a :mod:`pyipvs.ops` operation (nothing sent).
        :raises BatchInterrupted: the socket failed mid-batch; its ``results`` say what ran.
        """
        op_list = list(operations)
        requests = _ops.join_requests(op_list)
        rc, codes, ran, failed = self._chan.run_batch(requests, len(op_list), stop_on_error)
        results = _ops.BatchResults(op_list, codes, ran, failed, _op_error)
        if rc < 0:
            raise BatchInterrupted(-rc, results)
        return results

    def _run(self, op: _ops.Operation) -> None:
        """One operation as one request and a barrier; raises the kernel's answer."""
        rc = self._chan.request(_ops.request_of(op))
        if rc < 0:
            raise ipvs_error(rc, op.action, _subject(op))

    def close(self) -> None:
        """Closes the netlink socket; the handle is unusable afterwards."""
        self._sock.close()

    @property
    def closed(self) -> bool:
        return self._sock.closed

    def __enter__(self) -> Ipvs:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses the cyclic garbage collector while a listing becomes value objects: they hold no
    cycles, and the collector's passes over tens of thousands of new objects cost more than
    making them (a third of a 50,000-object table's conversion, measured in User-Mode Linux)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: Reads of a listing before :class:`InconsistentListing`, and the pause after the first
#: inconsistent one (doubling: 1.3 s in all; kernel 7.2 was seen exact again after 0.3 s).
LISTING_READS = 7
LISTING_FIRST_PAUSE = 0.02


def _consistent_listing(
    read: Callable[[], list[_T]], service_of: Callable[[_T], VirtualService]
) -> list[_T]:
    """read() until no service is listed twice: kernel 7.2's dump, started right after a burst
    of changes, can repeat services in place of others (see :class:`InconsistentListing`).
    A service's identity is its family, protocol, address, port and mark."""
    pause = LISTING_FIRST_PAUSE
    for attempt in range(1, LISTING_READS + 1):
        listing = read()
        seen: set[tuple[object, ...]] = set()
        for item in listing:
            vs = service_of(item)
            key = (vs.family, vs.protocol, vs.address, vs.port, vs.fwmark)
            if key in seen:
                break
            seen.add(key)
        else:
            return listing
        if attempt < LISTING_READS:
            time.sleep(pause)
            pause *= 2
    raise InconsistentListing(_subject_of(vs), LISTING_READS)


def _subject_of(vs: VirtualService) -> str:
    if vs.fwmark is not None:
        return f"fwmark {vs.fwmark}"
    return f"{vs.protocol} {vs.address}:{vs.port}"


def _require_vs(vs: object) -> VirtualService:
    return require("vs", vs, VirtualService)


def _require_rs(rs: object) -> RealServer:
    return require("rs", rs, RealServer)


def _subject(op: _ops.Operation) -> str:
    vs = getattr(op, "vs", None)
    rs = getattr(op, "rs", None)
    if vs is not None and rs is not None:
        return f"{vs} -> {rs.address}:{rs.port}"
    return str(vs or "")


def _op_error(op: _ops.Operation, code: int) -> KernelError:
    if code == _ipvs.UNKNOWN:
        return OutcomeUnknown(errno.ENOBUFS, None, f"{op.action} {_subject(op)}".rstrip())
    return ipvs_error(code, op.action, _subject(op))


__all__ = ["Ipvs", "IpvsInfo"]


# SO_RCVBUF / SO_SNDBUF take a C int; the kernel doubles it, so half of INT_MAX is the most
# that means anything.
_MAX_SOCKET_BUFFER = (2**31 - 1) // 2


def _checked_netns(netns: object) -> str | os.PathLike[str] | None:
    """``netns`` as a name or path (bytes paths decoded as the OS does); TypeError otherwise."""
    if netns is None or isinstance(netns, str):
        return netns
    if isinstance(netns, bytes):
        return os.fsdecode(netns)
    if isinstance(netns, os.PathLike):
        return os.fsdecode(os.fspath(netns))
    raise TypeError(f"netns: expected a namespace name or path, got {type(netns).__name__}")


def _checked_buffers(buffers: object) -> tuple[int, int] | None:
    """(receive, send) as whole byte counts 1.._MAX_SOCKET_BUFFER, else PyipvsValueError."""
    if buffers is None:
        return None
    if not isinstance(buffers, tuple | list) or len(buffers) != 2:
        raise PyipvsValueError(f"socket_buffers: expected (receive, send), got {buffers!r}")
    for name, value in zip(("receive", "send"), buffers, strict=True):
        if isinstance(value, bool) or not isinstance(value, int):
            raise PyipvsValueError(f"socket_buffers: {name} size must be an int, got {value!r}")
        if not 1 <= value <= _MAX_SOCKET_BUFFER:
            raise PyipvsValueError(
                f"socket_buffers: {name} size must be 1..{_MAX_SOCKET_BUFFER} bytes, got {value}"
            )
    return (buffers[0], buffers[1])
