# SPDX-License-Identifier: Apache-2.0
"""Receiving advertisements: :class:`VrrpParser` validates one packet or a batch in C."""

from __future__ import annotations

import ipaddress
import math
import struct
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyipvs._bindings import check as _check
from pyipvs._bindings import vrrp as _c
from pyipvs.errors import PyipvsValueError
from pyipvs.vrrp import packet as _value_module
from pyipvs.vrrp.packet import AddressLike, IPAddress, VrrpPacket, VrrpReceived

#: Drop reasons by code (``enum pyipvs_vrrp_drop``), with what each means.
DROP_REASONS: tuple[tuple[str, str], ...] = _check.DROP_REASONS
REASON_NAMES: tuple[str, ...] = tuple(name for name, _ in DROP_REASONS)

_new = object.__new__
_IPv4 = ipaddress.IPv4Address
_IPv6 = ipaddress.IPv6Address

(VERSION, VRID, PRIORITY, NADDRS, AUTH_TYPE, FAMILY, HOP_LIMIT, REPORT, INTERVAL, CHECKSUM) = range(
    10
)
_MESSAGE_OFFSET, _ADDRS_OFFSET, _AUTH, _SRC, _DST = 10, 12, 14, 15, 16
_ZERO_AUTH = bytes(8)


def _public_ipv4(value: int) -> IPAddress:
    return _IPv4(value)


def _public_ipv6(value: int) -> IPAddress:
    return _IPv6(value)


def _trusted_ipv4(value: int) -> IPAddress:
    # The C parser hands over a 32-bit integer: the constructor's type and range checks
    # would only repeat what is known. Used only if _trusted_constructors_work() says so.
    address = _new(_IPv4)
    address._ip = value  # type: ignore[attr-defined]
    return address


def _trusted_ipv6(value: int) -> IPAddress:
    address = _new(_IPv6)
    address._ip = value  # type: ignore[attr-defined]
    address._scope_id = None  # type: ignore[attr-defined]
    return address


def _trusted_constructors_work() -> bool:
    """Whether this Python's ipaddress objects are what the trusted constructors make: the
    same value, text, packed form, hash and comparisons as the public constructors give."""
    samples4 = (0, 1, 0xC0000264, 0xE0000012, 0xFFFFFFFF)
    samples6 = (0, 1, 0xFE80 << 112 | 1, 0x20010DB8 << 96 | 5, (1 << 128) - 1)
    try:
        pairs: list[tuple[Any, Any]] = [(_trusted_ipv4(v), _IPv4(v)) for v in samples4]
        pairs += [(_trusted_ipv6(v), _IPv6(v)) for v in samples6]
    except (AttributeError, TypeError):  # pragma: no cover - another ipaddress layout
        return False
    return all(
        type(a) is type(b)
        and a == b
        and not a < b
        and hash(a) == hash(b)
        and str(a) == str(b)
        and repr(a) == repr(b)
        and a.packed == b.packed
        and int(a) == int(b)
        and a.is_private == b.is_private
        and a.__reduce__() == b.__reduce__()
        for a, b in pairs
    )


if _trusted_constructors_work():
    _ipv4, _ipv6 = _trusted_ipv4, _trusted_ipv6
else:  # pragma: no cover - another ipaddress layout
    _ipv4, _ipv6 = _public_ipv4, _public_ipv6

# Unpackers of n IPv4 addresses (as integers) or n IPv6 addresses (as 64-bit halves).
_ADDRS4 = tuple(struct.Struct(f">{n}I").unpack_from for n in range(_c.MAX_ADDRS + 1))
_ADDRS6 = tuple(struct.Struct(f">{2 * n}Q").unpack_from for n in range(_c.MAX_ADDRS + 1))


def _decode_addresses(
    data: bytes | bytearray | memoryview, start: int, count: int, family: int
) -> tuple[IPAddress, ...]:
    if family == 4:
        return tuple(map(_ipv4, _ADDRS4[count](data, start)))
    halves = _ADDRS6[count](data, start)
    return tuple(_ipv6(hi << 64 | lo) for hi, lo in zip(halves[::2], halves[1::2], strict=True))


def _value(
    version: int,
    vrid: int,
    priority: int,
    addresses: tuple[IPAddress, ...],
    interval: float,
    auth_type: int,
    auth_data: bytes,
    checksum: int,
) -> VrrpPacket:
    # Builds the frozen value without __init__: the C parser has validated every field.
    # Storing into the new instance's __dict__ is the quickest way in (see _ip_parser).
    p = _new(VrrpPacket)
    d = p.__dict__
    d["version"] = version
    d["vrid"] = vrid
    d["priority"] = priority
    d["addresses"] = addresses
    d["advert_interval"] = interval
    d["auth_type"] = auth_type
    d["auth_data"] = auth_data
    d["checksum"] = checksum
    return p


def _packet(f: tuple[Any, ...], data: bytes | bytearray | memoryview, base: int) -> VrrpPacket:
    """The value of an accepted advert from its ADVERT fields and the buffer it came from."""
    start = base + f[_ADDRS_OFFSET]
    addresses = _decode_addresses(data, start, f[NADDRS], f[FAMILY])
    if f[VERSION] == 2:
        # RFC 3768 5.3.10: with auth type 0 the field is ignored on receipt.
        auth = f[_AUTH] if f[AUTH_TYPE] else _ZERO_AUTH
        interval = float(f[INTERVAL])
        return _value(2, f[VRID], f[PRIORITY], addresses, interval, f[AUTH_TYPE], auth, f[CHECKSUM])
    interval = f[INTERVAL] / 100
    return _value(3, f[VRID], f[PRIORITY], addresses, interval, 0, b"", f[CHECKSUM])


def _ip_parser(c: _c.Parser) -> Callable[[bytes | bytearray | memoryview], VrrpPacket]:
    """VrrpParser.parse_ip for one parser: every check in one C call, then the value from one
    flat read of the C output, with the fewest Python steps (this is the per-packet path)."""
    accept, read = c.value_reader()
    new, cls, zero_auth, decode = _new, VrrpPacket, _ZERO_AUTH, _decode_addresses
    trusted4 = _ipv4 is _trusted_ipv4
    # Per VRID: (serial, value) of the last accepted message. C compares every accepted
    # message with the last one of its VRID and returns the same serial when they are
    # identical (its low 8 bits are the VRID): a master's periodic advert is then answered
    # with the value already built. A value is a function of the message bytes alone, and
    # frozen, so it can be shared.
    last: list[tuple[int, VrrpPacket | None]] = [(0, None)] * 256

    def parse_ip(packet: bytes | bytearray | memoryview) -> VrrpPacket:
        if type(packet) is not bytes:
            packet = bytes(packet)
        serial = accept(packet)  # raises VrrpPacketError for a packet to drop
        if serial:
            seen, value = last[serial & 0xFF]
            if seen == serial:
                return value  # type: ignore[return-value]  # set with its serial
        (interval, first, checksum, at, version, vrid, priority, naddrs, auth_type, family,
         _, _) = read()  # fmt: skip
        if naddrs == 1 and family == 4 and trusted4:
            address = new(_IPv4)  # _trusted_ipv4, inline
            address._ip = first  # type: ignore[attr-defined]
            addresses: tuple[IPAddress, ...] = (address,)
        else:
            addresses = decode(packet, at, naddrs, family)
        if version == 2:
            # RFC 3768 5.3.10: with auth type 0 the field is ignored on receipt.
            auth = zero_auth
            if auth_type:
                at += 4 * naddrs
                auth = packet[at : at + 8]
        else:
            auth = b""
        # As _value, inline: measured to be the costliest Python step of the path.
        p = new(cls)
        d = p.__dict__
        d["version"] = version
        d["vrid"] = vrid
        d["priority"] = priority
        d["addresses"] = addresses
        d["advert_interval"] = interval
        d["auth_type"] = auth_type
        d["auth_data"] = auth
        d["checksum"] = checksum
        if serial:
            last[vrid] = (serial, p)
        return p

    return parse_ip


def _address(raw: bytes, family: int) -> IPAddress:
    return _IPv4(raw[:4]) if family == 4 else _IPv6(raw)


def _received(f: tuple[Any, ...], data: bytes | bytearray | memoryview, base: int) -> VrrpReceived:
    report = f[REPORT]
    return VrrpReceived(
        packet=_packet(f, data, base),
        source=_address(f[_SRC], f[FAMILY]),
        destination=_address(f[_DST], f[FAMILY]),
        hop_limit=f[HOP_LIMIT],
        address_mismatch=bool(report & _c.R_ADDRESS_MISMATCH),
        first_address_not_link_local=bool(report & _c.R_FIRST_NOT_LINK_LOCAL),
    )


def _packed_address(value: AddressLike, name: str) -> tuple[int, bytes]:
    try:
        address = value if isinstance(value, _IPv4 | _IPv6) else ipaddress.ip_address(value)
    except ValueError as exc:
        raise PyipvsValueError(f"{name}: {exc}") from None
    return address.version, address.packed


@dataclass(frozen=True)
class VrrpBatchResult:
    """What :meth:`VrrpParser.parse_batch` found.

    :ivar total: packets parsed.
    :ivar accepted: packets that passed every check.
    :ivar counts: packets per drop reason name (only reasons that occurred; ``"accept"`` for
        accepted packets).
    :ivar reasons: one reason code per packet, in order (index into :data:`REASON_NAMES`).
    """

    total: int
    accepted: int
    counts: dict[str, int]
    reasons: bytes
    _parser: VrrpParser = field(repr=False, compare=False)
    _buffer: bytes | bytearray | memoryview = field(repr=False, compare=False)

    def reason(self, index: int) -> str:
        """The drop reason name of packet *index* (``"accept"`` if accepted)."""
        return REASON_NAMES[self.reasons[index]]

    def received(self) -> Iterator[VrrpReceived]:
        """The accepted packets, decoded. Valid until the parser's next batch."""
        batch = self._parser._c.batch(self.total)
        for i, code in enumerate(self.reasons):
            if code == 0:
                yield _received(batch.fields(i), self._buffer, batch.offset(i))


class VrrpParser:
    """A receiver's configuration, compiled once: parse and validate advertisements against it.

    A parser reuses its output buffers: use one per thread (the
    :meth:`VrrpPacket.from_ip` shortcuts already do).

    Every argument is optional; ``None`` skips that check.

    :param v3_ipv4_pseudo_header: VRRPv3 over IPv4 checksums include the IPv4 pseudo-header
        (keepalived's, FRR's, tshark's default); ``False`` expects none (RFC 9568, Cisco,
        Juniper; keepalived's ``v3_checksum_as_v2``).
    :param version: accept only this version.
    :param vrid: accept only this VRID (RFC 3768 7.1 item 5).
    :param advert_interval: v2 only: drop adverts with another interval (RFC 3768 7.1 item 8).
    :param auth_type: v2: drop adverts with another authentication type (RFC 3768 5.3.6).
    :param auth_data: v2 with auth_type 1: the password (up to 8 bytes, zero-padded).
    :param addresses: compare the address list; a mismatch is reported in
        :attr:`VrrpReceived.address_mismatch`.
    :param strict_addresses: drop a mismatching list unless the sender has priority 255
        (RFC 3768 7.1 item 7) instead of only reporting it.
    :param check_ttl: ``False`` accepts any TTL / hop limit (keepalived does for unicast peers).
    """

    def __init__(
        self,
        *,
        v3_ipv4_pseudo_header: bool = True,
        version: int | None = None,
        vrid: int | None = None,
        advert_interval: float | None = None,
        auth_type: int | None = None,
        auth_data: bytes | str | None = None,
        addresses: Sequence[AddressLike] | None = None,
        strict_addresses: bool = False,
        check_ttl: bool = True,
    ) -> None:
        flags = 0 if v3_ipv4_pseudo_header else _c.F_V3_CHECKSUM_AS_V2
        flags |= 0 if check_ttl else _c.F_IGNORE_TTL
        password = auth_data.encode() if isinstance(auth_data, str) else (auth_data or b"")
        if len(password) > 8:
            raise PyipvsValueError("auth_data: at most 8 bytes")
        if auth_type is not None:
            flags |= _c.F_CHECK_AUTH
        addrs4, addrs6 = b"", b""
        if addresses is not None:
            flags |= _c.F_CHECK_ADDRESSES | (_c.F_STRICT_ADDRESSES if strict_addresses else 0)
            packed = [_packed_address(a, "addresses") for a in addresses]
            addrs4 = b"".join(p for v, p in packed if v == 4)
            addrs6 = b"".join(p for v, p in packed if v == 6)
            if addrs4 and addrs6:
                raise PyipvsValueError("addresses: mixes IPv4 and IPv6")
        self._c = _c.Parser(
            flags=flags,
            version=_in_range("version", version, 2, 3),
            vrid=_in_range("vrid", vrid, 1, 255),
            v2_interval=_in_range("advert_interval", advert_interval, 1, 255),
            auth_type=_in_range("auth_type", auth_type, 0, 1),
            auth_data=password,
            addrs4=addrs4,
            addrs6=addrs6,
        )
        self._fast_parse_ip = _ip_parser(self._c)
        # Instances answer parse_ip without the method's extra call.
        self.parse_ip = self._fast_parse_ip  # type: ignore[method-assign,assignment]

    def parse_ip(self, packet: bytes | bytearray | memoryview) -> VrrpPacket:
        """Validates a whole IP packet; see :meth:`VrrpPacket.from_ip`.

        Every check runs on every call. When the message (the bytes after the IP header) is
        identical to the last one this parser accepted for its VRID, as a master's periodic
        advertisement is, the value decoded then is returned again (values are frozen)."""
        return self._fast_parse_ip(packet)

    def receive_ip(self, packet: bytes | bytearray | memoryview) -> VrrpReceived:
        """As :meth:`parse_ip`, with the source address and the non-fatal findings."""
        return _received(self._c.parse_ip(bytes(packet)), packet, 0)

    def parse_payload(
        self,
        message: bytes | bytearray | memoryview,
        *,
        src: AddressLike,
        dst: AddressLike,
        hop_limit: int,
    ) -> VrrpPacket:
        """Validates a bare VRRP message; see :meth:`VrrpPacket.from_payload`."""
        return self.receive_payload(message, src=src, dst=dst, hop_limit=hop_limit).packet

    def receive_payload(
        self,
        message: bytes | bytearray | memoryview,
        *,
        src: AddressLike,
        dst: AddressLike,
        hop_limit: int,
    ) -> VrrpReceived:
        """As :meth:`parse_payload`, with the source address and the non-fatal findings."""
        family, src_packed = _packed_address(src, "src")
        dst_family, dst_packed = _packed_address(dst, "dst")
        if family != dst_family:
            raise PyipvsValueError("src, dst: one IPv4 and one IPv6 address")
        hops = _in_range("hop_limit", hop_limit, 0, 255)
        f = self._c.parse_message(bytes(message), family, src_packed, dst_packed, hops)
        return _received(f, message, 0)

    def parse_batch(
        self,
        packets: Sequence[bytes] | bytes | bytearray | memoryview,
        lengths: Sequence[int] | None = None,
        *,
        stride: int | None = None,
        offsets: Sequence[int] | None = None,
    ) -> VrrpBatchResult:
        """Validates many whole IP packets in one C call (a receiver draining its socket).

        Either a sequence of packets, or one buffer with the packets' *lengths* and where each
        starts: every *stride* bytes (``recvmmsg`` slots), at *offsets*, or back to back.
        """
        buffer, lengths, offsets = _layout(packets, lengths, stride, offsets)
        batch = self._c.batch(len(lengths))
        return self._result(buffer, lengths, batch.parse(buffer, offsets, lengths))

    def parse_payload_batch(
        self,
        messages: Sequence[bytes] | bytes | bytearray | memoryview,
        lengths: Sequence[int] | None = None,
        *,
        sources: Sequence[AddressLike] | bytes,
        hop_limits: Sequence[int] | bytes | int,
        destinations: Sequence[AddressLike] | bytes | AddressLike | None = None,
        family: int = 6,
        stride: int | None = None,
        offsets: Sequence[int] | None = None,
    ) -> VrrpBatchResult:
        """Validates many bare VRRP messages of one *family* in one C call (an IPv6 raw socket
        drained with ``recvmmsg``), laid out as for :meth:`parse_batch`.

        *sources* and *destinations* are addresses, or packed: 16 bytes per message (IPv4 in
        the first 4). *destinations* defaults to the group; one address applies to every
        message, as one *hop_limits* value does.
        """
        if family not in (4, 6):
            raise PyipvsValueError(f"family: expected 4 or 6, got {family!r}")
        buffer, lengths, offsets = _layout(messages, lengths, stride, offsets)
        count = len(lengths)
        if destinations is None:
            destinations = "ff02::12" if family == 6 else "224.0.0.18"
        hops = _hop_bytes(hop_limits, count)
        batch = self._c.batch(count)
        srcs = _packed_many(sources, family, count, "sources")
        dsts = _packed_many(destinations, family, count, "destinations")
        outcome = batch.parse_messages(buffer, offsets, lengths, family, srcs, dsts, hops)
        return self._result(buffer, lengths, outcome)

    def _result(
        self,
        buffer: bytes | bytearray | memoryview,
        lengths: Sequence[int],
        outcome: tuple[int, bytes, list[int]],
    ) -> VrrpBatchResult:
        accepted, reasons, counts = outcome
        named = {REASON_NAMES[i]: n for i, n in enumerate(counts) if n}
        return VrrpBatchResult(len(lengths), accepted, named, reasons, self, buffer)


def _layout(
    packets: Sequence[bytes] | bytes | bytearray | memoryview,
    lengths: Sequence[int] | None,
    stride: int | None,
    offsets: Sequence[int] | None,
) -> tuple[bytes | bytearray | memoryview, Sequence[int], Sequence[int] | None]:
    """One buffer, the lengths and the offsets (None: back to back) of a batch."""
    if lengths is None:
        if not isinstance(packets, Sequence) or isinstance(packets, bytes | bytearray):
            raise PyipvsValueError("lengths: needed when packets is one buffer")
        buffer: bytes | bytearray | memoryview = b"".join(packets)  # type: ignore[arg-type]
        lengths = array("I", map(len, packets))  # type: ignore[arg-type]
    else:
        buffer = packets  # type: ignore[assignment]
    if stride is not None:
        _in_range("stride", stride, 0, _UNSIGNED_MAX)
        offsets = range(0, stride * len(lengths), stride)
    _all_in_range("lengths", lengths)
    if offsets is not None:
        _all_in_range("offsets", offsets)
    return buffer, lengths, offsets


_UNSIGNED_MAX = 2**32 - 1  # lengths and offsets are C unsigned ints


def _all_in_range(name: str, values: Sequence[int]) -> None:
    """Each of ``values`` must be a C ``unsigned``: whole, 0..2**32-1 (one outside the buffer
    is the C side's business: that packet is counted as truncated). Checked at C speed."""
    if isinstance(values, range):
        if values and not (min(values) >= 0 and max(values) <= _UNSIGNED_MAX):
            raise PyipvsValueError(f"{name}: expected values 0..{_UNSIGNED_MAX}")
        return
    if isinstance(values, array):
        return
    try:
        array("I", values)
    except (OverflowError, TypeError, ValueError):
        raise PyipvsValueError(f"{name}: expected whole numbers 0..{_UNSIGNED_MAX}") from None


def _hop_bytes(hop_limits: Sequence[int] | bytes | int, count: int) -> bytes:
    try:
        hops = bytes([hop_limits]) * count if isinstance(hop_limits, int) else bytes(hop_limits)
    except ValueError:
        raise PyipvsValueError("hop_limits: expected values 0..255") from None
    if len(hops) != count:
        raise PyipvsValueError("hop_limits: expected one per message")
    return hops


def _packed_many(values: Any, family: int, count: int, name: str) -> bytes:
    if isinstance(values, bytes | bytearray):
        if len(values) < 16 * count:
            raise PyipvsValueError(f"{name}: expected 16 bytes per message")
        return bytes(values)
    if isinstance(values, str | int | _IPv4 | _IPv6):
        values = [values] * count
    if len(values) != count:
        raise PyipvsValueError(f"{name}: expected one address per message")
    packed = []
    for value in values:
        version, raw = _packed_address(value, name)
        if version != family:
            raise PyipvsValueError(f"{name}: expected IPv{family} addresses, got {value!r}")
        packed.append(raw.ljust(16, b"\0"))
    return b"".join(packed)


def _in_range(name: str, value: float | None, low: int, high: int) -> int:
    """``value`` as a whole number in low..high; anything else (NaN, infinity, a fraction, a
    non-number, a bool) is the caller's mistake, named."""
    if value is None:
        return 0
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value != int(value)
        or not low <= value <= high
    ):
        raise PyipvsValueError(f"{name}: expected {low}..{high}, got {value!r}")
    return int(value)


class _PerThread(threading.local):
    # A parser owns its C output buffer and cffi releases the GIL during the call, so the
    # parsers behind VrrpPacket.from_ip are per thread.
    def __init__(self) -> None:
        self.default = {True: VrrpParser(), False: VrrpParser(v3_ipv4_pseudo_header=False)}
        # from_ip's own path: the two parse_ip functions, indexed by v3_ipv4_pseudo_header.
        self.parse_ip: tuple[Callable[[Any], VrrpPacket], ...] = (
            self.default[False].parse_ip,
            self.default[True].parse_ip,
        )
        self.configured: dict[tuple[Any, ...], VrrpParser] = {}


per_thread: _PerThread = _PerThread()


def parser_for(pseudo_header: bool, expect: dict[str, Any]) -> VrrpParser:
    """The parser for :meth:`VrrpPacket.from_ip` keyword arguments, compiled once per thread."""
    if not expect:
        return per_thread.default[pseudo_header]
    key = (pseudo_header, *sorted((k, _hashable(v)) for k, v in expect.items()))
    configured = per_thread.configured
    parser = configured.get(key)
    if parser is None:
        if len(configured) >= 256:
            configured.clear()
        parser = configured[key] = VrrpParser(v3_ipv4_pseudo_header=pseudo_header, **expect)
    return parser


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


_value_module.register_decoders(per_thread, parser_for)
