# SPDX-License-Identifier: Apache-2.0
"""RFC 1071 Internet checksums, computed in C.

The functions return the value to place in a checksum field (a host-order ``int``; write it
big-endian). Over a message that already carries its correct checksum they return 0.
"""

from __future__ import annotations

import ipaddress

from pyipvs._bindings import checksum as _c
from pyipvs.errors import PyipvsValueError

Address = str | bytes | ipaddress.IPv4Address | ipaddress.IPv6Address


def _address_bytes(value: Address, size: int, name: str) -> bytes:
    if isinstance(value, bytes):
        packed = value
    else:
        try:
            packed = ipaddress.ip_address(value).packed
        except ValueError as exc:
            raise PyipvsValueError(f"{name}: {exc}") from None
    if len(packed) != size:
        family = "IPv4" if size == 4 else "IPv6"
        raise PyipvsValueError(f"{name}: expected an {family} address, got {value!r}")
    return packed


def _protocol(value: int, name: str) -> int:
    if not 0 <= value <= 255:
        raise PyipvsValueError(f"{name}: expected 0..255, got {value}")
    return value


def inet_checksum(data: bytes) -> int:
    """The Internet checksum of *data* (RFC 1071)."""
    return _c.inet_checksum(bytes(data))


def ipv4_pseudo_checksum(src: Address, dst: Address, protocol: int, data: bytes) -> int:
    """Checksum of *data* preceded by the IPv4 pseudo-header (RFC 768 / RFC 793 layout)."""
    return _c.ipv4_pseudo_checksum(
        _address_bytes(src, 4, "src"),
        _address_bytes(dst, 4, "dst"),
        _protocol(protocol, "protocol"),
        bytes(data),
    )


def ipv6_pseudo_checksum(src: Address, dst: Address, next_header: int, data: bytes) -> int:
    """Checksum of *data* preceded by the IPv6 pseudo-header (RFC 8200 section 8.1)."""
    return _c.ipv6_pseudo_checksum(
        _address_bytes(src, 16, "src"),
        _address_bytes(dst, 16, "dst"),
        _protocol(next_header, "next_header"),
        bytes(data),
    )


__all__ = ["inet_checksum", "ipv4_pseudo_checksum", "ipv6_pseudo_checksum"]
