# SPDX-License-Identifier: Apache-2.0
"""Where a probe connects and from where: keepalived's ``connect_ip``, ``connect_port``,
``bindto``, ``bind_port``, ``fwmark`` and ``connect_timeout``, and the one function that opens
a socket with them."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from pyipvs._bindings import tcp_check

# socket.SO_MARK exists on Linux from Python 3.12; its value is fixed by the kernel ABI.
_SO_MARK = getattr(socket, "SO_MARK", 36)


@dataclass(frozen=True)
class Target:
    """The address a probe talks to, and how it leaves this host."""

    address: str
    port: int = 0
    bindto: str | None = None
    bind_port: int | None = None
    fwmark: int | None = None
    connect_timeout: float = 5.0

    @functools.cached_property
    def family(self) -> int:
        version = ipaddress.ip_address(self.address).version
        return socket.AF_INET6 if version == 6 else socket.AF_INET

    @functools.cached_property
    def sockaddr(self) -> bytes | None:
        """The C connect path's ``struct sockaddr``; None when the target needs a source, a
        mark or a scope (connected through a Python socket instead)."""
        if self.bindto or self.bind_port or self.fwmark or "%" in self.address:
            return None
        address = ipaddress.ip_address(self.address)
        return tcp_check.sockaddr(self.family, address.packed, self.port)

    def describe(self, protocol: str = "tcp") -> str:
        """``[10.0.0.1]:tcp:80``, as keepalived writes a checked service in its logs."""
        return f"[{self.address}]:{protocol}:{self.port}"


def make_socket(target: Target, kind: int, proto: int = 0) -> socket.socket:
    """A non-blocking socket of ``kind`` with the target's mark and source bound."""
    sock = socket.socket(target.family, kind | socket.SOCK_NONBLOCK, proto)
    try:
        bind_and_mark(sock, target)
    except BaseException:
        sock.close()
        raise
    return sock


def bind_and_mark(sock: socket.socket, target: Target) -> None:
    """``fwmark``, ``bindto`` and ``bind_port`` on a fresh socket (no system call without)."""
    if target.fwmark:
        sock.setsockopt(socket.SOL_SOCKET, _SO_MARK, target.fwmark)
    if target.bindto or target.bind_port:
        if target.bind_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((target.bindto or "", target.bind_port or 0))


async def connect_tcp(target: Target) -> socket.socket:
    """A connected TCP socket, or an OSError / TimeoutError within ``connect_timeout``."""
    sock = make_socket(target, socket.SOCK_STREAM)
    try:
        loop = asyncio.get_running_loop()
        await within(loop.sock_connect(sock, (target.address, target.port)), target.connect_timeout)
    except BaseException:
        sock.close()
        raise
    return sock


_T = TypeVar("_T")


async def within(awaitable: Awaitable[_T], timeout: float) -> _T:
    """``await awaitable`` or TimeoutError after ``timeout`` s. Unlike asyncio.wait_for it
    makes no task: a timer cancels the current one, which matters at thousands of checks
    a second."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    expired = False

    def expire() -> None:
        nonlocal expired
        expired = True
        task.cancel()

    handle = loop.call_later(timeout, expire)
    try:
        return await awaitable
    except asyncio.CancelledError:
        if expired:
            _uncancel(task)
            raise TimeoutError from None
        raise
    finally:
        handle.cancel()


def _uncancel(task: asyncio.Task[object]) -> None:
    uncancel = getattr(task, "uncancel", None)  # Python 3.11+
    if uncancel is not None:
        uncancel()


def failure_reason(exc: BaseException) -> str:
    """A short, stable description of why a connection attempt failed."""
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ConnectionResetError):
        return "connection reset"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__
