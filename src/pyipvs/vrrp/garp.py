# SPDX-License-Identifier: Apache-2.0
"""The frames a new master sends for its virtual addresses (RFC 3768 / RFC 5798 section 6.4.1):
gratuitous ARP for IPv4, unsolicited neighbour advertisement for IPv6. Whole Ethernet frames,
ready for an ``AF_PACKET`` socket."""

from __future__ import annotations

import ipaddress

from pyipvs._bindings import garp as _c
from pyipvs.errors import PyipvsValueError

MacLike = str | bytes


def vrrp_mac(vrid: int, family: int = 4) -> bytes:
    """The virtual router MAC address 00-00-5E-00-01-{VRID} (IPv4) or 00-00-5E-00-02-{VRID}
    (IPv6), RFC 5798 section 7.3."""
    if not 1 <= vrid <= 255 or family not in (4, 6):
        raise PyipvsValueError(f"vrid / family: expected 1..255 and 4 or 6, got {vrid}, {family}")
    return bytes((0, 0, 0x5E, 0, 1 if family == 4 else 2, vrid))


def _mac(value: MacLike) -> bytes:
    if isinstance(value, bytes):
        mac = value
    else:
        try:
            mac = bytes.fromhex(value.replace(":", "").replace("-", ""))
        except ValueError:
            raise PyipvsValueError(f"mac: not a MAC address: {value!r}") from None
    if len(mac) != 6:
        raise PyipvsValueError(f"mac: expected 6 bytes, got {value!r}")
    return mac


def _packed(value: object, version: int, name: str) -> bytes:
    try:
        address = ipaddress.ip_address(value)  # type: ignore[arg-type]
    except ValueError as exc:
        raise PyipvsValueError(f"{name}: {exc}") from None
    if address.version != version:
        raise PyipvsValueError(f"{name}: expected an IPv{version} address, got {value!r}")
    return address.packed


def gratuitous_arp(mac: MacLike, address: str | ipaddress.IPv4Address) -> bytes:
    """A broadcast ARP request from *mac* with sender = target = *address* (42 bytes; the
    NIC pads it to the Ethernet minimum)."""
    return _c.garp(_mac(mac), _packed(address, 4, "address"))


def unsolicited_na(
    mac: MacLike,
    source: str | ipaddress.IPv6Address,
    target: str | ipaddress.IPv6Address,
    *,
    router: bool = True,
) -> bytes:
    """An unsolicited neighbour advertisement for *target* to ff02::1 from *source* (the
    interface's link-local address) and *mac*: ICMPv6 136, hop limit 255, Override set,
    Router set if *router*, with a target link-layer address option (86 bytes)."""
    return _c.unsolicited_na(
        _mac(mac), _packed(source, 6, "source"), _packed(target, 6, "target"), router
    )


__all__ = ["gratuitous_arp", "unsolicited_na", "vrrp_mac"]
