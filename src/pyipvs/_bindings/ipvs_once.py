# SPDX-License-Identifier: Apache-2.0
"""pyipvsadm's one-shot paths in C (csrc/ipvs_once.c, csrc/ipvs_list.c), for a process that
makes one change, one listing or one restore and exits: requests from plain values (the
attribute nests of the C codec, joined as ipvs_requests joins them), one change sent, ``-L -n``
made whole, ``-R``'s requests sent as one batch.

Nothing but the compiled module is imported: the whole point is the start-up cost of a
one-shot process. The values come already checked (the caller takes only command lines whose
shape guarantees them) and the answers are raw return codes: the caller never raises them, it
runs the command again through the full path (:class:`pyipvs.Ipvs`, where
:func:`~pyipvs._bindings.check.check_rc` maps codes to exceptions), which gives the kernel's
answer and ipvsadm's message for it; only ``-R``'s per-line codes are reported, as messages.
"""

from __future__ import annotations

import sys
from _thread import _local  # threading.local itself, without threading.py's import cost

from pyipvs._native import ffi, lib

# include/uapi/linux/ip_vs.h (the same numbers as ipvs_requests, which costs more to import)
CMD_NEW_SERVICE, CMD_SET_SERVICE, CMD_DEL_SERVICE = 1, 2, 3
CMD_NEW_DEST, CMD_SET_DEST, CMD_DEL_DEST = 5, 6, 7
AF_INET = 2
_REQUEST_ROOM = 512  # csrc/ipvs_batch.c's REQ_MAX: the largest single request


class _Scratch(_local):
    """Per-thread output buffers (cffi releases the GIL during C calls)."""

    def __init__(self) -> None:
        self.out = ffi.new("uint8_t[]", _REQUEST_ROOM)
        self.whole = ffi.buffer(self.out)
        self.full_len = ffi.new("size_t *")


_scratch = _Scratch()


def service_nests(service: dict[str, object]) -> tuple[bytes, bytes]:
    """(whole, key-only) IPVS_CMD_ATTR_SERVICE nests of the ``struct pyipvs_ipvs_svc`` fields
    (the codec of ipvs_requests.service_nests); (b"", b"") if they do not encode."""
    svc = ffi.new("struct pyipvs_ipvs_svc *", service)
    return _nests(lib.pyipvs_ipvs_svc_nests, svc, ffi.sizeof("struct pyipvs_ipvs_svc"))


def dest_nests(dest: dict[str, object]) -> tuple[bytes, bytes]:
    """(whole, key-only) IPVS_CMD_ATTR_DEST nests of the ``struct pyipvs_ipvs_dest`` fields."""
    dst = ffi.new("struct pyipvs_ipvs_dest *", dest)
    return _nests(lib.pyipvs_ipvs_dest_nests, dst, ffi.sizeof("struct pyipvs_ipvs_dest"))


def _nests(encode: object, struct: object, size: int) -> tuple[bytes, bytes]:
    scratch = _scratch
    total = encode(ffi.cast("uint8_t *", struct), size, scratch.out, _REQUEST_ROOM,  # type: ignore[operator]
                   scratch.full_len)  # fmt: skip
    if total <= 0:
        return b"", b""
    both: bytes = scratch.whole[:total]
    cut = scratch.full_len[0]
    return both[:cut], both[cut:]


# The netlink and genl headers of a request (type, flags, seq, pid 0: the sender stamps them),
# as ipvs_requests.request spells them, after the length.
_GENL_VERSION = 1
_HEADER_LEN = 20
_HEADER_TAIL = [bytes((0,) * 12) + bytes((command, _GENL_VERSION, 0, 0)) for command in range(18)]


def message(command: int, attributes: bytes) -> bytes:
    """A request: length, the rest of the headers, attributes (ipvs_requests.request)."""
    length = (_HEADER_LEN + len(attributes)).to_bytes(4, sys.byteorder)  # host order
    return length + _HEADER_TAIL[command] + attributes


def send(message: bytes) -> int:
    """Open, resolve the family, send message, read its ACK, close: 0 or -errno."""
    return int(lib.pyipvs_ipvs_once_send(message, len(message)))


# ---- ipvsadm -L -n in one call (csrc/ipvs_list.c) ----

ENOSPC = 28  # errno.ENOSPC on Linux: an array or the text was too small
# Not zeroed: the C side writes what it reads, and pages never touched are never faulted in (in
# User-Mode Linux every fresh page costs a fault the guest kernel handles).
_uncleared = ffi.new_allocator(should_clear_after_alloc=False)
_FIRST_SERVICES = 1 << 14
_DEST_PER_SERVICE = 4
_GROWTHS = 3  # x4 each: up to 1M services
_RECV = 65536  # two datagrams of PYIPVS_NL_RECV_MIN (csrc/ipvs.c reads two per receive)


def listing(nosort: bool) -> bytes | None:
    """``ipvsadm -L -n``'s text for the current namespace (with ``--nosort``: in the kernel's
    order), or None when the caller must take the full path: any failure, a service the
    kernel listed twice, a protocol ipvsadm's listing has no name for."""
    services = _FIRST_SERVICES
    rbuf = _uncleared("uint8_t[]", _RECV)
    for _ in range(_GROWTHS + 1):
        dests = services * _DEST_PER_SERVICE
        keep = [
            _uncleared("struct pyipvs_ipvs_svc[]", services),
            _uncleared("struct pyipvs_ipvs_dest[]", dests),
            _uncleared("uint32_t[]", 3 * (services + dests) + 1),
            _uncleared("char[]", 256 + 160 * services + 128 * dests),
        ]
        state = ffi.new("struct pyipvs_ipvs_list *")
        state.svcs, state.dests, state.order, state.text = keep
        state.svc_cap, state.dest_cap, state.text_cap = services, dests, len(keep[3])
        state.nosort = nosort
        rc = lib.pyipvs_ipvs_once_list(state, rbuf, _RECV)
        if rc == 0:
            return ffi.buffer(state.text, state.text_len)[:]
        if rc != -ENOSPC:
            return None
        services *= 4
    return None


# ---- ipvsadm -R in two calls (csrc/ipvs_once.c) ----

NOT_RUN, UNKNOWN = 1, 2  # csrc/ipvs_batch.h: PYIPVS_BATCH_NOT_RUN, PYIPVS_BATCH_UNKNOWN
_BARRIER_ROOM = 1024  # as pyipvs._bindings.ipvs sizes a batch's send buffer
_MAX_CHUNK_BYTES = 4 << 20


class Restore:
    """ipvsadm's ipvs_init, then one batch of requests, on a socket of its own."""

    def __init__(self) -> None:
        self._nl = ffi.new("struct pyipvs_nl *")
        self._family = ffi.new("uint16_t *")

    def open(self) -> bool:
        """Open, resolve the family, ask GET_INFO; False if any of it failed (closed then)."""
        return int(lib.pyipvs_ipvs_once_open(self._nl, self._family)) == 0

    def close(self) -> None:
        lib.pyipvs_nl_close(self._nl)

    def run(self, requests: list[bytes]) -> tuple[int, list[int]]:
        """Sends the requests without stopping at a failure, then closes: (rc, one code per
        request), as pyipvs_ipvs_batch_run reports them (0, -errno, NOT_RUN or UNKNOWN)."""
        joined, count = b"".join(requests), len(requests)
        results = ffi.new("int32_t[]", max(count, 1))
        room = min(_MAX_CHUNK_BYTES, len(joined) + 4 * count + _BARRIER_ROOM)
        sbuf = _uncleared("uint8_t[]", room)
        rc = lib.pyipvs_ipvs_once_batch(
            self._nl, self._family[0], joined, len(joined), count, results, sbuf, room
        )
        return int(rc), list(ffi.unpack(results, count))
