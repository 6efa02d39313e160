# SPDX-License-Identifier: Apache-2.0
"""One IPVS change in one C call (csrc/ipvs_once.c), for a process that makes a single change
and exits: ``pyipvsadm -A ...`` and its kin.

Nothing but the compiled module is imported, and no Python object is made per field beyond
the two flat structs: the whole point is the start-up cost of a one-shot process. The values
come already checked (the caller takes only lines whose shape guarantees them) and the answer
is the raw return code: the caller never reports it, it runs the command again through the
full path (:class:`pyipvs.Ipvs`, where :func:`~pyipvs._bindings.check.check_rc` maps codes to
exceptions), which gives the kernel's answer and ipvsadm's message for it.
"""

from __future__ import annotations

from pyipvs._native import ffi, lib

# include/uapi/linux/ip_vs.h (the same numbers as ipvs_requests, which costs more to import)
CMD_NEW_SERVICE, CMD_SET_SERVICE, CMD_DEL_SERVICE = 1, 2, 3
CMD_NEW_DEST, CMD_SET_DEST, CMD_DEL_DEST = 5, 6, 7
AF_INET = 2
_REQUEST_ROOM = 512  # csrc/ipvs_batch.c's REQ_MAX: the largest single request


def request(
    command: int, service: dict[str, object], whole_service: bool,
    dest: dict[str, object] | None = None, whole_dest: bool = False,
) -> bytes:  # fmt: skip
    """The request message of command, as ``ipvs_requests.request`` spells it, from the fields
    of ``struct pyipvs_ipvs_svc`` (and ``struct pyipvs_ipvs_dest``); b"" if they do not fit."""
    svc = ffi.new("struct pyipvs_ipvs_svc *", service)
    dst = ffi.NULL if dest is None else ffi.new("struct pyipvs_ipvs_dest *", dest)
    out = ffi.new("uint8_t[]", _REQUEST_ROOM)
    length = lib.pyipvs_ipvs_once_request(
        command, svc, whole_service, dst, whole_dest, out, _REQUEST_ROOM
    )
    return ffi.buffer(out, length)[:] if length > 0 else b""


def send(message: bytes) -> int:
    """Open, resolve the family, send message, read its ACK, close: 0 or -errno."""
    return int(lib.pyipvs_ipvs_once_send(message, len(message)))
