# SPDX-License-Identifier: Apache-2.0
"""Thin layer over csrc/tcp_check.c: TCP connects started and reaped in C, one call each
(socket + connect + epoll_ctl; epoll_wait + getsockopt + close for many), plain ints out."""

from __future__ import annotations

import socket
import struct

from pyipvs._bindings.check import check_rc
from pyipvs._native import ffi, lib

#: :func:`connect` result: the connection completed at once, nothing is left open.
CONNECTED = int(lib.PYIPVS_TCP_CONNECTED)
REAP_MAX = int(lib.PYIPVS_TCP_REAP_MAX)


def sockaddr(family: int, packed_address: bytes, port: int) -> bytes:
    """``struct sockaddr_in`` / ``sockaddr_in6`` (no scope id) for :func:`connect`."""
    head = struct.pack("=H", family) + struct.pack("!H", port)
    if family == socket.AF_INET:
        return head + packed_address + bytes(8)
    return head + bytes(4) + packed_address + bytes(4)


def connect(epfd: int, address: bytes) -> int:
    """Starts a non-blocking connect to the sockaddr ``address``, registered in ``epfd``
    (``EPOLLOUT | EPOLLONESHOT``). Returns the descriptor, :data:`CONNECTED`, or -errno: a
    result, not an error (a refused connect is a check's verdict)."""
    return int(lib.pyipvs_tcp_connect(epfd, address, len(address)))


class Reaper:
    """Buffers for :meth:`reap`, allocated once."""

    def __init__(self) -> None:
        self._fds = ffi.new("int[]", REAP_MAX)
        self._errors = ffi.new("int[]", REAP_MAX)

    def reap(self, epfd: int) -> list[tuple[int, int]]:
        """Finished connects of ``epfd`` without waiting, their descriptors closed:
        ``(descriptor, SO_ERROR)`` pairs, 0 for connected."""
        count = check_rc(lib.pyipvs_tcp_reap(epfd, self._fds, self._errors, REAP_MAX), "epoll")
        return list(zip(self._fds[0:count], self._errors[0:count], strict=True))
