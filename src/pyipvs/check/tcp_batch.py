# SPDX-License-Identifier: Apache-2.0
"""TCP connects by the thousand: a callback engine for TCP_CHECK, without a task per check.

The coroutine path (:meth:`pyipvs.check.TcpProbe.run`) costs a task, a future, a timer and
two ``epoll_ctl`` calls per check, and in User-Mode Linux every system call costs
microseconds. Here one epoll set of our own, watched by the event loop through its single
descriptor, receives every connecting socket once (``EPOLLONESHOT``): closing the socket
removes it, so a check is ``socket``, ``connect``, one ``epoll_ctl``, ``getsockopt`` and
``close``. Timeouts are per-timeout-value queues swept on one timer: started in order, they
expire in order (a check fails at most ``SWEEP`` seconds after its ``connect_timeout``).
"""

from __future__ import annotations

import asyncio
import collections
import errno
import os
import resource
import select
import socket
import time
from collections.abc import Callable

from pyipvs._bindings import tcp_check
from pyipvs.check.connect import Target, bind_and_mark

SWEEP = 0.05
Done = Callable[[BaseException | None], None]
#: Errors of this host, not of the real server: out of descriptors or socket memory. Such a
#: connect is not a failed check; the caller tries again when some connects have finished.
_LOCAL_SHORTAGE = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
#: Descriptors kept free for everything else (netlink, the status socket, logs, scripts).
FD_RESERVE = 128


class LocalShortage(OSError):
    """The connect could not even start here (no descriptor, no buffer): retry it later."""


def descriptor_budget() -> int:
    """Connects that may be in flight at once: the soft descriptor limit minus those open
    and :data:`FD_RESERVE`. Past it ``socket()`` fails with EMFILE, which a check must not
    take for the real server's failure (a guest with a hard limit of 4,096 had 10,000
    checks due each second, and failed thousands of healthy servers that way)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 20
    try:
        used = len(os.listdir("/proc/self/fd"))
    except OSError:
        used = 64
    return max(1, soft - used - FD_RESERVE)


class _Connect:
    __slots__ = ("deadline", "done", "fd", "finished", "sock")

    def __init__(self, fd: int, sock: socket.socket | None, deadline: float, done: Done) -> None:
        self.fd = fd
        self.sock = sock  # only for targets with a source or a mark (the Python path)
        self.deadline = deadline
        self.done = done
        self.finished = False

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        else:
            os.close(self.fd)


class TcpConnector:
    """Non-blocking connects for one event loop; ``done(None)`` on success, else the error.

    A target without ``bindto``, ``bind_port`` or ``fwmark`` is connected in C
    (:mod:`pyipvs._bindings.tcp_check`: one call to start, one call reaps many); the others
    through a Python socket, in the same epoll set."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._epoll = select.epoll()
        self._epfd = self._epoll.fileno()
        self._reaper = tcp_check.Reaper()
        self._pending: dict[int, _Connect] = {}
        self._queues: dict[float, collections.deque[_Connect]] = {}
        self._timer: asyncio.TimerHandle | None = None
        #: when the connects being reported finished (valid inside their ``done``)
        self.now = time.monotonic()
        loop.add_reader(self._epfd, self._ready)

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def connect(self, target: Target, done: Done, now: float | None = None) -> None:
        """Starts a connect; ``done`` is called later, never from here. ``now`` (the
        monotonic clock) saves a clock read, a system call in User-Mode Linux.

        :raises LocalShortage: no socket could be made (nothing started, ``done`` not called).
        """
        address = target.sockaddr
        if address is None:
            self._connect_python(target, done, now)
            return
        fd = tcp_check.connect(self._epfd, address)
        if fd < 0:
            if fd == tcp_check.CONNECTED:
                self._loop.call_soon(self._finish_now, done, None)
            elif -fd in _LOCAL_SHORTAGE:
                raise LocalShortage(-fd, os.strerror(-fd))
            else:
                self._loop.call_soon(self._finish_now, done, _error(-fd))
            return
        self._track(_Connect(fd, None, self._deadline(target, now), done), target)

    def _connect_python(self, target: Target, done: Done, now: float | None) -> None:
        try:
            sock = socket.socket(target.family, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
        except OSError as exc:
            if exc.errno in _LOCAL_SHORTAGE:
                raise LocalShortage(exc.errno, exc.strerror) from exc
            raise
        try:
            bind_and_mark(sock, target)
            error = sock.connect_ex((target.address, target.port))
        except OSError as exc:
            sock.close()
            self._loop.call_soon(self._finish_now, done, exc)
            return
        if error != errno.EINPROGRESS:
            sock.close()
            self._loop.call_soon(self._finish_now, done, _error(error) if error else None)
            return
        entry = _Connect(sock.fileno(), sock, self._deadline(target, now), done)
        self._epoll.register(entry.fd, select.EPOLLOUT | select.EPOLLONESHOT)
        self._track(entry, target)

    def _finish_now(self, done: Done, error: BaseException | None) -> None:
        """A connect that ended at once, reported from the loop with :attr:`now` current."""
        self.now = time.monotonic()
        done(error)

    @staticmethod
    def _deadline(target: Target, now: float | None) -> float:
        return (time.monotonic() if now is None else now) + target.connect_timeout

    def _track(self, entry: _Connect, target: Target) -> None:
        self._pending[entry.fd] = entry
        queue = self._queues.get(target.connect_timeout)
        if queue is None:
            queue = self._queues[target.connect_timeout] = collections.deque()
        queue.append(entry)
        if self._timer is None:
            self._timer = self._loop.call_later(SWEEP, self._sweep)

    def _ready(self) -> None:
        pending = self._pending
        finished = self._reaper.reap(self._epfd)  # closed in C: they left the epoll set
        # one clock read for the batch, not one per check: a system call in User-Mode Linux
        self.now = time.monotonic()
        while finished:
            for fd, error in finished:
                entry = pending.pop(fd, None)
                if entry is None:
                    continue
                entry.finished = True
                if entry.sock is not None:
                    entry.sock.detach()  # C closed its descriptor already
                entry.done(_error(error) if error else None)
            if len(finished) < tcp_check.REAP_MAX:
                break
            finished = self._reaper.reap(self._epfd)

    def _sweep(self) -> None:
        self._timer = None
        now = self.now = time.monotonic()
        for queue in self._queues.values():
            while queue and (queue[0].finished or queue[0].deadline <= now):
                entry = queue.popleft()
                if entry.finished:
                    continue
                entry.finished = True
                self._pending.pop(entry.fd, None)
                entry.close()
                entry.done(TimeoutError())
        if any(self._queues.values()):
            self._timer = self._loop.call_later(SWEEP, self._sweep)

    def close(self) -> None:
        """Abandons the connects in flight (their ``done`` is never called)."""
        if self._timer is not None:
            self._timer.cancel()
        self._loop.remove_reader(self._epfd)
        for entry in self._pending.values():
            entry.close()
        self._pending.clear()
        self._queues.clear()
        self._epoll.close()


def _error(code: int) -> OSError:
    exc_type = {errno.ECONNREFUSED: ConnectionRefusedError, errno.ECONNRESET: ConnectionResetError}
    return exc_type.get(code, OSError)(code, os.strerror(code))
