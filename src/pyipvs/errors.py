# SPDX-License-Identifier: Apache-2.0
"""The exception hierarchy: everything pyipvs raises derives from :class:`PyipvsError`.

Errors come in two kinds, told apart by their base class (as h11 tells ``LocalProtocolError``
from ``RemoteProtocolError``):

- :class:`LocalError`: the caller's own input was wrong: an argument
  (:class:`PyipvsValueError`, also a :class:`ValueError`, rejected before anything is sent) or
  a configuration file (:class:`ConfigError`). Fixing the call fixes it.
- :class:`RemoteError`: another party sent something: the kernel answered with an errno
  (:class:`KernelError`, also an :class:`OSError` with ``errno`` set, so ``except OSError``
  and ``except FileExistsError`` work as users expect), or a VRRP peer sent a packet that must
  be dropped (:class:`VrrpPacketError`). The call was right; a daemon counts and carries on.

The mapping from C return codes lives in one place, :func:`pyipvs._bindings.check.check_rc`.
"""

from __future__ import annotations

import errno
import os

TYPE_CHECKING = False  # typing and collections are not imported at run time: start-up cost
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


class PyipvsError(Exception):
    """Base class of every error pyipvs raises."""


class LocalError(PyipvsError):
    """The caller's input was wrong (an argument, a configuration): nothing was sent."""


class RemoteError(PyipvsError):
    """Another party's answer or packet (the kernel, a VRRP peer) is an error or malformed."""


class PyipvsValueError(LocalError, ValueError):
    """An argument was rejected before anything was sent; the message names the argument."""


class KernelError(RemoteError, OSError):
    """The kernel (or a syscall) answered with an errno.

    :ivar errno: the errno value, as for any :class:`OSError`.
    :ivar operation: what pyipvs was doing, e.g. ``"IPVS_CMD_GET_INFO"``.
    """

    default_errno = 0

    def __init__(self, code: int, message: str | None = None, operation: str = "") -> None:
        text = message or os.strerror(code)
        if operation:
            text = f"{operation}: {text}"
        super().__init__(code, text)
        self.operation = operation

    def __str__(self) -> str:
        return str(self.strerror)


class IpvsUnavailable(KernelError):
    """The kernel has no IPVS generic-netlink family: the ``ip_vs`` module is not loaded."""


class PermissionDenied(KernelError, PermissionError):
    """The caller lacks CAP_NET_ADMIN (in the initial user namespace, for IPVS)."""


class ProtocolError(KernelError):
    """A reply from the kernel was malformed or unexpected."""


class OutcomeUnknown(KernelError):
    """ENOBUFS in a batch result: the request was sent, but its answer was lost.

    pyipvs sizes batches so that this cannot happen (every possible answer fits the receive
    buffer); should it happen anyway, the operations whose answers may be lost get this error
    instead of a guess. What they did is visible only in the table: re-read it.
    """

    def __init__(self, code: int, message: str | None = None, operation: str = "") -> None:
        super().__init__(
            code,
            message
            or "outcome unknown: its answer was lost (receive buffer overrun, or the socket "
            "failed before it was read); re-read the table",
            operation,
        )


class BatchInterrupted(KernelError):
    """The netlink socket failed in the middle of :meth:`Ipvs.apply`.

    :ivar results: the :class:`~pyipvs.ops.BatchResults` known so far: exact for every chunk
        that completed, :class:`OutcomeUnknown` for the chunk in flight, nothing after it.
    """

    # results is typed as a plain sequence: this module stands below every other one (see the
    # import-linter contracts in pyproject.toml), so it names no class of pyipvs.ipvs.
    def __init__(self, code: int, results: Sequence[Any]) -> None:
        super().__init__(code, None, "apply")
        self.results = results

    def __reduce__(self) -> tuple[type[BatchInterrupted], tuple[int, Sequence[Any]]]:
        return (type(self), (self.errno or 0, self.results))


class InconsistentListing(KernelError):
    """The kernel's dump of the IPVS table kept listing a service twice.

    Kernel 7.2 can answer a dump started right after a burst of changes with some services
    repeated in place of others (and no ``NLM_F_DUMP_INTR``); a moment later it is exact.
    :meth:`Ipvs.services` and :meth:`Ipvs.table` re-read such a listing a few times, over about a
    second, and raise this when none was consistent rather than return a wrong table. The table
    itself is unharmed: retry later. errno is ``EAGAIN``.

    The checker process (:mod:`pyipvs.daemon.check.reconcile`) raises it too, after one read, when a
    listing repeats a real server within a service; it lists again before deciding anything.

    :ivar service: a service (or real server) the last read listed twice.
    """

    default_errno = errno.EAGAIN

    def __init__(self, service: str, attempts: int) -> None:
        super().__init__(
            errno.EAGAIN,
            f"the kernel's listing stayed inconsistent over {attempts} read"
            f"{'' if attempts == 1 else 's'} "
            f"({service} listed twice); retry later",
            "IPVS_CMD_GET_SERVICE dump",
        )
        self.service = service


class VrrpPacketError(RemoteError):
    """A VRRP packet that a receiver must drop (see :mod:`pyipvs.vrrp`): the peer's fault, not
    the caller's, so it is no :class:`ValueError`; a receiver counts it by ``reason``.

    :ivar reason: the drop reason's name, e.g. ``"checksum"`` or ``"ttl"``.
    :ivar code: its numeric code (``enum pyipvs_vrrp_drop`` in csrc/vrrp.h).
    """

    def __init__(self, reason: str, code: int, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.code = code


class ConfigError(LocalError):
    """A keepalived.conf could not be used; ``diagnostics`` holds every ``file:line`` problem.

    Reading a configuration never raises anything else, whatever the text.
    """

    def __init__(self, message: str, diagnostics: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


class ServiceExists(KernelError, FileExistsError):
    """EEXIST on adding a virtual service: it is already there."""


class NoSuchService(KernelError):
    """ESRCH: the virtual service does not exist."""


class NoSuchDestination(KernelError):
    """ENOENT on editing or deleting a real server: it is not in the service."""


class DestinationExists(KernelError, FileExistsError):
    """EEXIST on adding a real server: the service already has it."""


class UnknownScheduler(KernelError):
    """ENOENT on adding or editing a service: no such scheduler (or persistence engine)."""


class InvalidArgument(KernelError):
    """EINVAL: the kernel rejected an argument (missing or invalid attribute)."""


class DaemonRunning(KernelError, FileExistsError):
    """EEXIST on starting a sync daemon: one with that state is already running."""


class NoDaemon(KernelError):
    """ESRCH on stopping a sync daemon: none with that state is running."""


class OutOfRange(KernelError):
    """ERANGE: a weight or threshold is out of range (e.g. lower threshold > upper)."""


__all__ = [
    "BatchInterrupted",
    "ConfigError",
    "DaemonRunning",
    "DestinationExists",
    "InconsistentListing",
    "InvalidArgument",
    "IpvsUnavailable",
    "KernelError",
    "LocalError",
    "NoDaemon",
    "NoSuchDestination",
    "NoSuchService",
    "OutOfRange",
    "OutcomeUnknown",
    "PermissionDenied",
    "ProtocolError",
    "PyipvsError",
    "PyipvsValueError",
    "RemoteError",
    "ServiceExists",
    "UnknownScheduler",
    "VrrpPacketError",
]
