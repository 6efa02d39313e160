# SPDX-License-Identifier: Apache-2.0
"""The one place where C return codes become exceptions: errnos (:func:`check_rc`) and the
VRRP parser's drop codes (:func:`drop_error`)."""

from __future__ import annotations

import errno
import os

from pyipvs.errors import (
    DaemonRunning,
    DestinationExists,
    InvalidArgument,
    KernelError,
    NoDaemon,
    NoSuchDestination,
    NoSuchService,
    OutOfRange,
    PermissionDenied,
    ProtocolError,
    ServiceExists,
    UnknownScheduler,
    VrrpPacketError,
)

# errno -> exception class for answers that callers act on. Anything else is a KernelError.
_ERRNO_CLASSES: dict[int, type[KernelError]] = {
    errno.EPERM: PermissionDenied,
    errno.EACCES: PermissionDenied,
    errno.EBADMSG: ProtocolError,
}

_MESSAGES: dict[int, str] = {
    errno.EPERM: "permission denied: managing IPVS needs CAP_NET_ADMIN (run as root)",
    errno.EACCES: "permission denied: managing IPVS needs CAP_NET_ADMIN (run as root)",
    errno.EBADMSG: "malformed reply from the kernel",
}


def register(code: int, cls: type[KernelError], message: str | None = None) -> None:
    """Lets a module map an errno to its own class (used for per-command meanings)."""
    _ERRNO_CLASSES[code] = cls
    if message is not None:
        _MESSAGES[code] = message


def error_for(
    rc: int,
    operation: str = "",
    overrides: dict[int, tuple[type[KernelError], str]] | None = None,
) -> KernelError:
    """The exception for a negative C return code; overrides give per-operation meanings."""
    code = -rc
    if overrides and code in overrides:
        cls, message = overrides[code]
        return cls(code, message, operation)
    cls = _ERRNO_CLASSES.get(code, KernelError)
    return cls(code, _MESSAGES.get(code, os.strerror(code)), operation)


def check_rc(
    rc: int,
    operation: str = "",
    overrides: dict[int, tuple[type[KernelError], str]] | None = None,
) -> int:
    """Returns rc when it is >= 0, raises the matching :class:`KernelError` otherwise."""
    if rc < 0:
        raise error_for(rc, operation, overrides)
    return rc


# Per-command meanings of IPVS errnos (include/uapi/linux/ip_vs.h commands; semantics from
# ip_vs_genl_set_cmd, verified against the kernel by tests/kernel/test_ipvs_errors.py).
Overrides = dict[int, tuple[type[KernelError], str]]

_IPVS_COMMON: Overrides = {
    errno.ESRCH: (NoSuchService, "no such virtual service"),
    errno.EINVAL: (InvalidArgument, "invalid argument"),
    errno.ERANGE: (OutOfRange, "weight or threshold out of range (lower threshold > upper?)"),
}
IPVS_OVERRIDES: dict[str, Overrides] = {
    "add_service": {
        **_IPVS_COMMON,
        errno.EEXIST: (ServiceExists, "virtual service already exists"),
        errno.ENOENT: (UnknownScheduler, "unknown scheduler or persistence engine"),
    },
    "edit_service": {
        **_IPVS_COMMON,
        errno.ENOENT: (UnknownScheduler, "unknown scheduler or persistence engine"),
    },
    "delete_service": _IPVS_COMMON,
    "get_service": _IPVS_COMMON,
    "zero": _IPVS_COMMON,
    "flush": _IPVS_COMMON,
    "set_timeouts": _IPVS_COMMON,
    "add_real_server": {
        **_IPVS_COMMON,
        errno.EEXIST: (DestinationExists, "real server already exists"),
    },
    "edit_real_server": {
        **_IPVS_COMMON,
        errno.ENOENT: (NoSuchDestination, "no such real server"),
    },
    "delete_real_server": {
        **_IPVS_COMMON,
        errno.ENOENT: (NoSuchDestination, "no such real server"),
    },
    "start_sync_daemon": {
        errno.EINVAL: (InvalidArgument, "invalid argument"),
        errno.EEXIST: (DaemonRunning, "sync daemon already running"),
    },
    "stop_sync_daemon": {
        errno.EINVAL: (InvalidArgument, "invalid argument"),
        errno.ESRCH: (NoDaemon, "no such sync daemon running"),
    },
}


def ipvs_error(rc: int, action: str, subject: str = "") -> KernelError:
    """The exception for an IPVS command (``action`` as in :data:`IPVS_OVERRIDES`)."""
    operation = f"{action} {subject}" if subject else action
    return error_for(rc, operation, IPVS_OVERRIDES.get(action))


#: VRRP drop reasons by code (``enum pyipvs_vrrp_drop`` in csrc/vrrp.h), with what each means.
DROP_REASONS: tuple[tuple[str, str], ...] = (
    ("accept", "accepted"),
    ("truncated", "shorter than its IP header, its IP length or the VRRP fixed header"),
    ("ip_header", "IP version, header length or total length inconsistent"),
    ("ip_checksum", "IPv4 header checksum wrong"),
    ("fragment", "an IPv4 fragment"),
    ("protocol", "IP protocol / next header is not 112"),
    ("ttl", "TTL / hop limit is not 255"),
    ("version", "VRRP version not 2 or 3, not the configured one, or v2 over IPv6"),
    ("type", "VRRP type is not 1 (advertisement)"),
    ("length", "message length disagrees with the address count"),
    ("no_addresses", "VRRPv3 with an address count of 0"),
    ("checksum", "VRRP checksum wrong (in the configured v3/IPv4 convention)"),
    ("vrid", "VRID 0, or not the configured one"),
    ("auth_type", "v2 authentication type unknown or not the configured one"),
    ("auth_data", "v2 simple password differs"),
    ("interval", "v2 advertisement interval differs from the configured one"),
    ("address_list", "addresses differ and the sender is not the owner (strict mode)"),
)


def drop_error(rc: int) -> VrrpPacketError:
    """The exception for the VRRP parser's negative drop code ``rc`` (a peer's packet)."""
    name, text = DROP_REASONS[-rc]
    return VrrpPacketError(name, -rc, text)
