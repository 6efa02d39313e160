# SPDX-License-Identifier: Apache-2.0
"""The VRRP advertisement as a value: :class:`VrrpPacket`, and what a receiver learns with it."""

from __future__ import annotations

import ipaddress
import threading
from dataclasses import dataclass, field
from typing import Any

from pyipvs._bindings import vrrp as _c
from pyipvs.errors import PyipvsValueError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
AddressLike = str | bytes | int | IPAddress

#: The IPv4 and IPv6 destinations of multicast advertisements (RFC 5798 section 5.1.1.2, 5.1.2.2).
VRRP_IPV4_GROUP = ipaddress.IPv4Address("224.0.0.18")
VRRP_IPV6_GROUP = ipaddress.IPv6Address("ff02::12")

_AUTH_LEN = 8
_ZERO_AUTH = bytes(_AUTH_LEN)


@dataclass(frozen=True)
class VrrpPacket:
    """One VRRP advertisement (RFC 3768 VRRPv2 or RFC 5798 / RFC 9568 VRRPv3).

    Parse with :meth:`from_ip` or :meth:`from_payload`; encode with :meth:`to_bytes` or
    :meth:`to_ip`. ``checksum`` is the value found on the wire (``None`` for a packet built in
    Python; encoders always compute it) and takes no part in equality.

    :ivar version: 2 or 3.
    :ivar vrid: virtual router identifier, 1..255.
    :ivar priority: 0..255; 255 is the address owner, 0 a master that is leaving.
    :ivar addresses: the virtual addresses, all IPv4 or all IPv6 (IPv6 needs version 3).
    :ivar advert_interval: seconds; whole seconds up to 255 for v2, centiseconds up to 40.95 for v3.
    :ivar auth_type: v2 only: 0 (none) or 1 (simple password).
    :ivar auth_data: v2 only: the 8-byte authentication field (a password is zero-padded).
    """

    version: int
    vrid: int
    priority: int
    addresses: tuple[IPAddress, ...]
    advert_interval: float
    auth_type: int = 0
    auth_data: bytes = b""
    checksum: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        # Only values built in Python come through here; parsed ones were checked in C.
        object.__setattr__(self, "addresses", _addresses(self.addresses))
        object.__setattr__(self, "auth_data", _auth_data(self))
        _check_fields(self)

    @property
    def family(self) -> int:
        """4 or 6: the address family of :attr:`addresses` (4 when there are none)."""
        return 6 if self.addresses and self.addresses[0].version == 6 else 4

    @property
    def interval_units(self) -> int:
        """:attr:`advert_interval` as carried on the wire: seconds (v2) or centiseconds (v3)."""
        return _interval_units(self.version, self.advert_interval)

    @classmethod
    def from_ip(
        cls,
        packet: bytes | bytearray | memoryview,
        *,
        v3_ipv4_pseudo_header: bool = True,
        **expect: Any,
    ) -> VrrpPacket:
        """Parses and validates a whole IPv4 or IPv6 packet, IP header included.

        Trailing bytes beyond the IP length (Ethernet padding) are ignored. Keyword arguments
        are the receiver's configuration, as for :class:`~pyipvs.vrrp.VrrpParser`.

        :raises VrrpPacketError: the packet must be dropped; ``.reason`` says why.
        """
        if expect:
            parsed: VrrpPacket = _parser_for(v3_ipv4_pseudo_header, expect).parse_ip(packet)
            return parsed
        # This thread's default parsers' parse_ip, indexed by the flag (False 0, True 1).
        parsed = _parsers.parse_ip[v3_ipv4_pseudo_header](packet)
        return parsed

    @classmethod
    def from_payload(
        cls,
        message: bytes | bytearray | memoryview,
        *,
        src: AddressLike,
        dst: AddressLike,
        hop_limit: int,
        v3_ipv4_pseudo_header: bool = True,
        **expect: Any,
    ) -> VrrpPacket:
        """Parses and validates a bare VRRP message with the source and destination addresses
        and the TTL / hop limit the socket reported (an IPv6 raw socket gives only these).

        :raises VrrpPacketError: the packet must be dropped; ``.reason`` says why.
        """
        parser = _parser_for(v3_ipv4_pseudo_header, expect)
        parsed: VrrpPacket = parser.parse_payload(message, src=src, dst=dst, hop_limit=hop_limit)
        return parsed

    def to_bytes(
        self,
        *,
        src: AddressLike | None = None,
        dst: AddressLike | None = None,
        v3_ipv4_pseudo_header: bool = True,
    ) -> bytes:
        """The VRRP message (what an IPv6 raw socket sends). VRRPv3 checksums cover the
        addresses, so v3 needs *src* (and *dst*, by default the multicast group)."""
        return _encode(self, False, src, dst, v3_ipv4_pseudo_header)

    def to_ip(
        self,
        *,
        src: AddressLike,
        dst: AddressLike | None = None,
        v3_ipv4_pseudo_header: bool = True,
    ) -> bytes:
        """The whole IPv4 or IPv6 packet: TTL / hop limit 255, TOS / traffic class 0xc0, to
        *dst* (by default 224.0.0.18 or ff02::12)."""
        return _encode(self, True, src, dst, v3_ipv4_pseudo_header)


@dataclass(frozen=True)
class VrrpReceived:
    """An accepted advertisement with what the receiver needs besides its fields.

    :ivar packet: the advertisement.
    :ivar source: the sender's address (the master election compares it, RFC 5798 6.4.3).
    :ivar destination: the group or, for unicast peers, this host.
    :ivar hop_limit: TTL / hop limit as received.
    :ivar address_mismatch: the addresses differ from the configured ones (reported, as
        keepalived does, not dropped unless ``strict_addresses``).
    :ivar first_address_not_link_local: VRRPv3 over IPv6 whose first address is not the
        virtual router's link-local address (RFC 5798 section 5.2.9).
    """

    packet: VrrpPacket
    source: IPAddress
    destination: IPAddress
    hop_limit: int
    address_mismatch: bool = False
    first_address_not_link_local: bool = False


def _addresses(values: Any) -> tuple[IPAddress, ...]:
    try:
        addresses = tuple(ipaddress.ip_address(a) for a in values)
    except (TypeError, ValueError) as exc:
        raise PyipvsValueError(f"addresses: {exc}") from None
    if len({a.version for a in addresses}) > 1:
        raise PyipvsValueError("addresses: mixes IPv4 and IPv6")
    return addresses


def _auth_data(p: VrrpPacket) -> bytes:
    if p.version != 2:
        if p.auth_data or p.auth_type:
            raise PyipvsValueError("auth_type / auth_data: VRRPv3 has no authentication")
        return b""
    data = bytes(p.auth_data)
    if len(data) > _AUTH_LEN:
        raise PyipvsValueError(f"auth_data: at most {_AUTH_LEN} bytes, got {len(data)}")
    if p.auth_type == 0 and data.strip(b"\0"):
        raise PyipvsValueError("auth_data: must be empty with auth_type 0 (RFC 3768 5.3.10)")
    return data.ljust(_AUTH_LEN, b"\0")


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not isinstance(value, int) or not low <= value <= high:
        raise PyipvsValueError(f"{name}: expected {low}..{high}, got {value!r}")


def _check_fields(p: VrrpPacket) -> None:
    if p.version not in (2, 3):
        raise PyipvsValueError(f"version: expected 2 or 3, got {p.version!r}")
    _check_range("vrid", p.vrid, 1, 255)
    _check_range("priority", p.priority, 0, 255)
    _check_range("auth_type", p.auth_type, 0, 1)
    if len(p.addresses) > _c.MAX_ADDRS:
        raise PyipvsValueError(f"addresses: at most {_c.MAX_ADDRS}, got {len(p.addresses)}")
    if p.version == 2 and p.family == 6:
        raise PyipvsValueError("addresses: VRRPv2 is IPv4 only (RFC 3768)")
    if p.version == 3 and not p.addresses:
        raise PyipvsValueError("addresses: VRRPv3 needs at least one (RFC 5798 5.2.5)")
    _interval_units(p.version, p.advert_interval)


def _interval_units(version: int, seconds: float) -> int:
    scale, high = (1, 255) if version == 2 else (100, _c.V3_MAX_INTERVAL)
    units = round(seconds * scale)
    if not 0 <= units <= high or abs(units - seconds * scale) > 1e-6:
        unit = "whole seconds" if version == 2 else "centiseconds"
        raise PyipvsValueError(
            f"advert_interval: VRRPv{version} carries {unit} up to {high / scale:g} s, "
            f"got {seconds!r}"
        )
    return units


_PACKED: dict[tuple[AddressLike | None, int], bytes] = {}


def _packed(value: AddressLike | None, family: int, name: str) -> bytes:
    # Senders pass the same source and group every time: remember their packed form.
    key = (value, family)
    packed = _PACKED.get(key)
    if packed is None:
        packed = _pack(value, family, name)
        if len(_PACKED) >= 1024:
            _PACKED.clear()
        _PACKED[key] = packed
    return packed


def _pack(value: AddressLike | None, family: int, name: str) -> bytes:
    if value is None:
        group = VRRP_IPV6_GROUP if family == 6 else VRRP_IPV4_GROUP
        return group.packed.ljust(16, b"\0")
    try:
        address = ipaddress.ip_address(value)
    except ValueError as exc:
        raise PyipvsValueError(f"{name}: {exc}") from None
    if address.version != family:
        raise PyipvsValueError(f"{name}: expected an IPv{family} address, got {value!r}")
    return address.packed.ljust(16, b"\0")


class _PerThread(threading.local):
    # The builder's C buffers are reused, and cffi releases the GIL during the call.
    def __init__(self) -> None:
        self.builder = _c.Builder()


_per_thread = _PerThread()
_NO_SOURCE = bytes(16)


def _encoding(p: VrrpPacket) -> tuple[int, int, int, bytes]:
    """family, address count, interval units, packed addresses: computed once per value."""
    cached: tuple[int, int, int, bytes] | None = p.__dict__.get("_encoding")
    if cached is None:
        addrs = b"".join(a.packed for a in p.addresses)
        cached = (p.family, len(p.addresses), _interval_units(p.version, p.advert_interval), addrs)
        object.__setattr__(p, "_encoding", cached)
    return cached


def _encode(
    p: VrrpPacket,
    whole_packet: bool,
    src: AddressLike | None,
    dst: AddressLike | None,
    pseudo_header: bool,
) -> bytes:
    family, naddrs, units, addrs = _encoding(p)
    if src is None:
        if whole_packet or p.version == 3:
            raise PyipvsValueError("src: needed for an IP packet and for a VRRPv3 checksum")
        src_packed = _NO_SOURCE
    else:
        src_packed = _packed(src, family, "src")
    fields = (
        p.version,
        p.vrid,
        p.priority,
        naddrs,
        p.auth_type,
        family,
        units,
        p.auth_data or _ZERO_AUTH,
        src_packed,
        _packed(dst, family, "dst"),
    )
    flags = 0 if pseudo_header else _c.F_V3_CHECKSUM_AS_V2
    return _per_thread.builder.build(whole_packet, flags, fields, addrs)


# The decoders live in pyipvs.vrrp.codec, which builds VrrpPacket values and so imports this
# module; it hands them over here when it is imported (the pyipvs.vrrp package imports it), so
# the dependency goes one way only: codec -> packet.
_parsers: Any = None  # codec.per_thread: this thread's default parsers
_parser_for: Any = None  # codec.parser_for: a parser for from_ip's keyword arguments


def register_decoders(per_thread: Any, parser_for: Any) -> None:
    """Called once by :mod:`pyipvs.vrrp.codec`: the decoders behind :meth:`VrrpPacket.from_ip`
    and :meth:`VrrpPacket.from_payload`."""
    global _parsers, _parser_for
    _parsers, _parser_for = per_thread, parser_for
