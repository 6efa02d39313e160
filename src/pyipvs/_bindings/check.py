"""The one place where C return codes become exceptions."""

from __future__ import annotations

import errno
import os

from pyipvs.errors import KernelError, PermissionDenied, ProtocolError

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
