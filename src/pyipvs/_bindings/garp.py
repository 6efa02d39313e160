# SPDX-License-Identifier: Apache-2.0
"""Thin layer over csrc/garp.c: gratuitous ARP and unsolicited neighbour advertisement frames,
as bytes."""

from __future__ import annotations

from pyipvs._bindings.check import check_rc
from pyipvs._native import ffi, lib


def garp(mac: bytes, ip: bytes) -> bytes:
    buf = ffi.new("uint8_t[]", int(lib.PYIPVS_GARP_FRAME_LEN))
    n = check_rc(lib.pyipvs_garp_build(mac, ip, buf, len(buf)), "gratuitous ARP")
    return ffi.buffer(buf, n)[:]


def unsolicited_na(mac: bytes, src: bytes, target: bytes, router: bool) -> bytes:
    buf = ffi.new("uint8_t[]", int(lib.PYIPVS_UNA_FRAME_LEN))
    n = check_rc(lib.pyipvs_una_build(mac, src, target, int(router), buf, len(buf)), "NA")
    return ffi.buffer(buf, n)[:]
