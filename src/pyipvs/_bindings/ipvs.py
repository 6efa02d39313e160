"""Thin layer over csrc/ipvs.c."""

from __future__ import annotations

from pyipvs._bindings.check import check_rc
from pyipvs._bindings.netlink import RECV_BUFFER_SIZE, NetlinkSocket
from pyipvs._native import ffi, lib


def get_info(sock: NetlinkSocket, family_id: int) -> tuple[int, int]:
    """IPVS_CMD_GET_INFO: (version code, connection table size)."""
    out = ffi.new("struct pyipvs_ipvs_info *")
    rc = lib.pyipvs_ipvs_get_info(sock.handle, family_id, out, sock.rbuf, RECV_BUFFER_SIZE)
    check_rc(rc, "IPVS_CMD_GET_INFO")
    return int(out.version), int(out.conn_tab_size)
