# SPDX-License-Identifier: Apache-2.0
"""Thin layer over csrc/vrrp.c (the frames a new master sends: :mod:`pyipvs._bindings.garp`).

Parsing is the hot path of a VRRP receiver, so :class:`Parser` keeps its C structures allocated
once and returns a plain tuple of the advert's fields (unpacked in one ``struct`` call from the
C output); a packet to drop raises :class:`~pyipvs.errors.VrrpPacketError` (its drop code mapped
by :func:`~pyipvs._bindings.check.drop_error`). Nothing here hands cdata to the callers.
"""

from __future__ import annotations

import struct
from array import array
from collections.abc import Callable, Sequence
from functools import partial
from itertools import accumulate
from typing import Any

from pyipvs._bindings.check import check_rc, drop_error
from pyipvs._native import ffi, lib

MAX_ADDRS = int(lib.PYIPVS_VRRP_MAX_ADDRS)
MAX_PACKET = int(lib.PYIPVS_VRRP_MAX_PACKET)
V3_MAX_INTERVAL = int(lib.PYIPVS_VRRP_V3_MAX_INTERVAL)
DROP_COUNT = int(lib.PYIPVS_VRRP_DROP_COUNT)

F_V3_CHECKSUM_AS_V2 = int(lib.PYIPVS_VRRP_F_V3_CHECKSUM_AS_V2)
F_CHECK_AUTH = int(lib.PYIPVS_VRRP_F_CHECK_AUTH)
F_CHECK_ADDRESSES = int(lib.PYIPVS_VRRP_F_CHECK_ADDRESSES)
F_STRICT_ADDRESSES = int(lib.PYIPVS_VRRP_F_STRICT_ADDRESSES)
F_IGNORE_TTL = int(lib.PYIPVS_VRRP_F_IGNORE_TTL)
R_ADDRESS_MISMATCH = int(lib.PYIPVS_VRRP_R_ADDRESS_MISMATCH)
R_FIRST_NOT_LINK_LOCAL = int(lib.PYIPVS_VRRP_R_FIRST_NOT_LINK_LOCAL)

# struct pyipvs_vrrp_advert, field for field (native order; the struct has no padding).
ADVERT = struct.Struct("=8B6H8s16s16s")
if ADVERT.size != ffi.sizeof("struct pyipvs_vrrp_advert"):  # pragma: no cover - build check
    raise ImportError("struct pyipvs_vrrp_advert does not match its Python layout")

# struct pyipvs_vrrp_value: what VrrpPacket is built from, in one read.
VALUE = struct.Struct("=dI2H8B")
if VALUE.size != ffi.sizeof("struct pyipvs_vrrp_value"):  # pragma: no cover - build check
    raise ImportError("struct pyipvs_vrrp_value does not match its Python layout")

# The cdef spells struct pyipvs_vrrp_recent's message length as a literal.
if int(lib.PYIPVS_VRRP_RECENT_LEN) != 64:  # pragma: no cover - build check
    raise ImportError("struct pyipvs_vrrp_recent does not match its cdef")

# Index of each field in an ADVERT tuple.
VERSION, VRID, PRIORITY, NADDRS, AUTH_TYPE, FAMILY, HOP_LIMIT, REPORT = range(8)
INTERVAL, CHECKSUM, MESSAGE_OFFSET, MESSAGE_LEN, ADDRS_OFFSET, _RESERVED = range(8, 14)
AUTH_DATA, SRC, DST = range(14, 17)

Fields = tuple[Any, ...]

_parse_ip = lib.pyipvs_vrrp_parse_ip
_parse_ip_value = lib.pyipvs_vrrp_parse_ip_value
_parse_message = lib.pyipvs_vrrp_parse_message
_unpack_advert = ADVERT.unpack_from


def _byte_len(data: bytes | bytearray | memoryview) -> int:
    return data.nbytes if isinstance(data, memoryview) else len(data)


def _as_c_buffer(data: bytes | bytearray | memoryview) -> Any:
    # bytes go to C as they are; writable or sliced buffers need a cffi view.
    return data if type(data) is bytes else ffi.from_buffer(data)


class Parser:
    """One receiver configuration (``struct pyipvs_vrrp_expect``) and its output buffers."""

    def __init__(
        self,
        flags: int = 0,
        version: int = 0,
        vrid: int = 0,
        v2_interval: int = 0,
        auth_type: int = 0,
        auth_data: bytes = b"",
        addrs4: bytes = b"",
        addrs6: bytes = b"",
    ) -> None:
        self._keep = (ffi.new("uint8_t[]", addrs4 or b"\0"), ffi.new("uint8_t[]", addrs6 or b"\0"))
        expect = ffi.new("struct pyipvs_vrrp_expect *")
        expect.flags = flags
        expect.version = version
        expect.vrid = vrid
        expect.v2_interval = v2_interval
        expect.auth_type = auth_type
        expect.auth_data = auth_data.ljust(8, b"\0")
        expect.naddrs4 = len(addrs4) // 4
        expect.naddrs6 = len(addrs6) // 16
        expect.addrs4 = self._keep[0]
        expect.addrs6 = self._keep[1]
        self._expect = expect
        self._out = ffi.new("struct pyipvs_vrrp_advert *")
        self._out_view = ffi.buffer(self._out)
        self._value = ffi.new("struct pyipvs_vrrp_value *")
        self._recent = ffi.new("struct pyipvs_vrrp_recent *")
        self._batch: Batch | None = None

    def value_reader(self) -> tuple[Callable[[bytes], int], Callable[[], Fields]]:
        """The per-packet fast path as two plain functions, for callers to bind once.

        ``accept(packet)`` runs every check in one C call and returns 0, or the message's
        serial (see ``pyipvs_vrrp_parse_ip_value``: equal serials, equal messages); a packet
        to drop raises :class:`~pyipvs.errors.VrrpPacketError`. ``read()`` then gives the
        accepted packet's value fields: interval (float seconds), first IPv4 address (int),
        checksum, addrs_offset, version, vrid, priority, naddrs, auth_type, family,
        hop_limit, report."""
        parse, expect, out, value, recent = (
            _parse_ip_value, self._expect, self._out, self._value, self._recent,
        )  # fmt: skip

        def accept(packet: bytes) -> int:
            serial: int = parse(packet, len(packet), expect, out, value, recent)
            if serial < 0:
                raise drop_error(serial)
            return serial

        return accept, partial(VALUE.unpack_from, ffi.buffer(self._value))

    def parse_ip(self, packet: bytes) -> Fields:
        """The advert's fields (indexes above); raises VrrpPacketError for a packet to drop."""
        rc = _parse_ip(packet, len(packet), self._expect, self._out)
        if rc:
            raise drop_error(rc)
        return _unpack_advert(self._out_view)

    def parse_message(
        self, message: bytes, family: int, src: bytes, dst: bytes, hop_limit: int
    ) -> Fields:
        rc = _parse_message(
            message, len(message), family, src, dst, hop_limit, self._expect, self._out
        )
        if rc:
            raise drop_error(rc)
        return _unpack_advert(self._out_view)

    def batch(self, capacity: int) -> Batch:
        """Output arrays for up to *capacity* packets, reused between calls."""
        if self._batch is None or self._batch.capacity < capacity:
            self._batch = Batch(self._expect, capacity)
        return self._batch


class Batch:
    """Per-packet outputs of ``pyipvs_vrrp_parse_batch`` for a :class:`Parser`."""

    def __init__(self, expect: Any, capacity: int) -> None:
        self.capacity = capacity
        self._expect = expect
        self._out = ffi.new("struct pyipvs_vrrp_advert[]", capacity)
        self._out_view = ffi.buffer(self._out)
        self._reasons = ffi.new("uint8_t[]", capacity)
        self._counts = ffi.new("uint32_t[]", DROP_COUNT)
        self._offsets = array("I", bytes(4 * capacity))
        self._lengths = array("I", bytes(4 * capacity))
        self._packed = False  # the last parse had no offsets: self._offsets not filled yet
        self._count = 0

    def parse(
        self,
        buffer: bytes | bytearray | memoryview,
        offsets: Sequence[int] | None,
        lengths: Sequence[int],
    ) -> tuple[int, bytes, list[int]]:
        """Parses len(lengths) packets; offsets None means packed back to back.

        Returns (accepted, one reason code per packet, count per reason code).
        """
        count = self._prepare(offsets, lengths)
        self._packed = offsets is None
        accepted = lib.pyipvs_vrrp_parse_batch(
            _as_c_buffer(buffer),
            _byte_len(buffer),
            ffi.NULL if offsets is None else ffi.from_buffer("uint32_t[]", self._offsets),
            ffi.from_buffer("uint32_t[]", self._lengths),
            count,
            self._expect,
            self._out,
            self._reasons,
            self._counts,
        )
        return int(accepted), ffi.buffer(self._reasons, count)[:], list(self._counts)

    def parse_messages(
        self,
        buffer: bytes | bytearray | memoryview,
        offsets: Sequence[int] | None,
        lengths: Sequence[int],
        family: int,
        sources: bytes,
        destinations: bytes,
        hop_limits: bytes,
    ) -> tuple[int, bytes, list[int]]:
        """As :meth:`parse` for bare messages: sources and destinations hold 16 bytes per
        message (IPv4 in the first 4), hop_limits one byte per message."""
        count = self._prepare(offsets, lengths)
        if offsets is None:
            self._offsets[:count] = array("I", accumulate(lengths, initial=0))[:count]
        if len(sources) < 16 * count or len(destinations) < 16 * count or len(hop_limits) < count:
            raise ValueError("sources, destinations and hop_limits must cover every message")
        accepted = lib.pyipvs_vrrp_parse_message_batch(
            _as_c_buffer(buffer),
            _byte_len(buffer),
            ffi.from_buffer("uint32_t[]", self._offsets),
            ffi.from_buffer("uint32_t[]", self._lengths),
            count,
            family,
            sources,
            destinations,
            hop_limits,
            self._expect,
            self._out,
            self._reasons,
            self._counts,
        )
        return int(accepted), ffi.buffer(self._reasons, count)[:], list(self._counts)

    def _prepare(self, offsets: Sequence[int] | None, lengths: Sequence[int]) -> int:
        count = len(lengths)
        if count > self.capacity:
            raise ValueError(f"batch of {count} packets exceeds capacity {self.capacity}")
        self._lengths[:count] = lengths if isinstance(lengths, array) else array("I", lengths)
        if offsets is not None:
            self._offsets[:count] = offsets if isinstance(offsets, array) else array("I", offsets)
        self._packed = False
        self._count = count
        ffi.memmove(self._counts, bytes(4 * DROP_COUNT), 4 * DROP_COUNT)
        return count

    def fields(self, index: int) -> Fields:
        """The advert parsed at *index* by the last :meth:`parse` (meaningful if accepted)."""
        return _unpack_advert(self._out_view, index * ADVERT.size)

    def offset(self, index: int) -> int:
        """Where packet *index* of the last batch starts in its buffer."""
        if self._packed:  # back to back: C walked the lengths, Python catches up once
            count = self._count
            self._offsets[:count] = array("I", accumulate(self._lengths[:count], initial=0))[:count]
            self._packed = False
        return self._offsets[index]


def message_len(version: int, family: int, naddrs: int) -> int:
    return int(lib.pyipvs_vrrp_message_len(version, family, naddrs))


class Builder:
    """A reusable ``struct pyipvs_vrrp_advert`` input and an output buffer."""

    def __init__(self) -> None:
        self._advert = ffi.new("struct pyipvs_vrrp_advert *")
        self._view = ffi.buffer(self._advert)
        self._buf = ffi.new("uint8_t[]", MAX_PACKET)

    def build(
        self,
        whole_packet: bool,
        flags: int,
        fields: tuple[int, int, int, int, int, int, int, bytes, bytes, bytes],
        addrs: bytes,
    ) -> bytes:
        """fields: version, vrid, priority, naddrs, auth_type, family, interval, auth_data,
        src (16 bytes), dst (16 bytes)."""
        version, vrid, priority, naddrs, auth_type, family, interval, auth, src, dst = fields
        ADVERT.pack_into(
            self._view, 0, version, vrid, priority, naddrs, auth_type, family, 0, 0,
            interval, 0, 0, 0, 0, 0, auth, src, dst,
        )  # fmt: skip
        build = lib.pyipvs_vrrp_build_ip if whole_packet else lib.pyipvs_vrrp_build_message
        n = check_rc(build(self._advert, addrs, flags, self._buf, MAX_PACKET), "vrrp build")
        return ffi.buffer(self._buf, n)[:]
