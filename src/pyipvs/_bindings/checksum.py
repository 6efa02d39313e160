# SPDX-License-Identifier: Apache-2.0
"""Thin layer over csrc/checksum.c."""

from __future__ import annotations

from pyipvs._native import ffi, lib


def inet_checksum(data: bytes) -> int:
    return int(lib.pyipvs_inet_checksum(data, len(data)))


def ipv4_pseudo_checksum(src: bytes, dst: bytes, protocol: int, data: bytes) -> int:
    return int(lib.pyipvs_ipv4_pseudo_checksum(src, dst, protocol, data, len(data)))


def ipv6_pseudo_checksum(src: bytes, dst: bytes, next_header: int, data: bytes) -> int:
    return int(lib.pyipvs_ipv6_pseudo_checksum(src, dst, next_header, data, len(data)))


__all__ = ["ffi", "inet_checksum", "ipv4_pseudo_checksum", "ipv6_pseudo_checksum"]
