# SPDX-License-Identifier: Apache-2.0
"""Thin layer over csrc/netlink.c and csrc/genl.c."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pyipvs._bindings.check import check_rc
from pyipvs._native import ffi, lib

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import Any

NETLINK_GENERIC = 16
RECV_BUFFER_SIZE = 65536  # >= PYIPVS_NL_RECV_MIN: smaller buffers truncate IPVS dumps

# Flags of a generic-netlink operation (include/uapi/linux/genetlink.h).
GENL_ADMIN_PERM = 0x01
GENL_CMD_CAP_DO = 0x02
GENL_CMD_CAP_DUMP = 0x04
GENL_CMD_CAP_HASPOL = 0x08


@dataclass(frozen=True)
class GenlOp:
    """One command of a generic-netlink family, as the kernel reports it."""

    id: int
    flags: int

    @property
    def admin(self) -> bool:
        return bool(self.flags & GENL_ADMIN_PERM)

    @property
    def do(self) -> bool:
        return bool(self.flags & GENL_CMD_CAP_DO)

    @property
    def dump(self) -> bool:
        return bool(self.flags & GENL_CMD_CAP_DUMP)


@dataclass(frozen=True)
class GenlFamily:
    """A resolved generic-netlink family (CTRL_CMD_GETFAMILY)."""

    name: str
    id: int
    version: int
    hdrsize: int
    maxattr: int
    ops: tuple[GenlOp, ...]


class NetlinkSocket:
    """One netlink socket plus its receive buffer; closed explicitly or when collected."""

    def __init__(self, protocol: int = NETLINK_GENERIC, netns_fd: int = -1) -> None:
        self._nl: Any = ffi.new("struct pyipvs_nl *")
        self._nl.fd = -1
        self.rbuf: Any = ffi.new("uint8_t[]", RECV_BUFFER_SIZE)
        check_rc(lib.pyipvs_nl_open(self._nl, protocol, netns_fd), "netlink socket")

    @property
    def handle(self) -> Any:
        """The C ``struct pyipvs_nl *`` (for other binding modules only)."""
        if self._nl.fd < 0:
            raise ValueError("netlink socket is closed")
        return self._nl

    @property
    def closed(self) -> bool:
        return bool(self._nl.fd < 0)

    def set_buffers(self, rcvbuf: int = 0, sndbuf: int = 0) -> None:
        check_rc(lib.pyipvs_nl_set_buffers(self.handle, rcvbuf, sndbuf), "netlink buffers")

    def next_seq(self) -> int:
        """A fresh sequence number for a request sent on this socket."""
        return int(lib.pyipvs_nl_next_seq(self.handle))

    def do(self, message: bytes, what: str) -> None:
        """Sends one complete request (header stamped by the caller) and waits until the kernel
        has handled it, answer or not (``pyipvs_nl_do``); raises the kernel's error, if any."""
        check_rc(lib.pyipvs_nl_do(self.handle, message, len(message), self.rbuf,
                                  RECV_BUFFER_SIZE), what)  # fmt: skip

    def close(self) -> None:
        lib.pyipvs_nl_close(self._nl)

    def __del__(self) -> None:
        nl = getattr(self, "_nl", None)
        if nl is not None and nl.fd >= 0:
            lib.pyipvs_nl_close(nl)


def resolve_family(sock: NetlinkSocket, name: str) -> GenlFamily:
    """Resolves a generic-netlink family by name; raises KernelError(ENOENT) if unknown."""
    out = ffi.new("struct pyipvs_genl_family *")
    rc = lib.pyipvs_genl_resolve(sock.handle, name.encode(), out, sock.rbuf, RECV_BUFFER_SIZE)
    check_rc(rc, f"resolve generic netlink family {name!r}")
    ops = tuple(GenlOp(out.ops[i].id, out.ops[i].flags) for i in range(out.n_ops))
    return GenlFamily(
        name=ffi.string(out.name).decode(),
        id=out.id,
        version=out.version,
        hdrsize=out.hdrsize,
        maxattr=out.maxattr,
        ops=ops,
    )


def open_netns(netns: str | os.PathLike[str]) -> int:
    """An fd for a network namespace given by ``ip netns`` name or by path."""
    path = os.fspath(netns)
    if os.sep not in path:
        path = os.path.join("/run/netns", path)
    return os.open(path, os.O_RDONLY | os.O_CLOEXEC)


__all__ = ["GenlFamily", "GenlOp", "NetlinkSocket", "open_netns", "resolve_family"]
