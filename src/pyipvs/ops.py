"""Operations for :meth:`pyipvs.Ipvs.apply`: small frozen dataclasses, one per change.

A list of these is sent in batches (many requests per ``sendmsg``); the result of each comes
back as an :class:`OperationResult` with the operation's index in the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyipvs.errors import KernelError, PyipvsValueError
from pyipvs.model import RealServer, Timeouts, VirtualService


def _require(argument: str, value: object, cls: type) -> None:
    if not isinstance(value, cls):
        raise PyipvsValueError(f"{argument}: {value!r} is not a {cls.__name__}")


@dataclass(frozen=True)
class _ServiceOp:
    vs: VirtualService

    def __post_init__(self) -> None:
        _require("vs", self.vs, VirtualService)


@dataclass(frozen=True)
class _RealServerOp:
    vs: VirtualService
    rs: RealServer

    def __post_init__(self) -> None:
        _require("vs", self.vs, VirtualService)
        _require("rs", self.rs, RealServer)


@dataclass(frozen=True)
class AddService(_ServiceOp):
    """Add a virtual service (IPVS_CMD_NEW_SERVICE)."""


@dataclass(frozen=True)
class EditService(_ServiceOp):
    """Change the scheduler, persistence, flags or PE of a service (IPVS_CMD_SET_SERVICE)."""


@dataclass(frozen=True)
class DeleteService(_ServiceOp):
    """Delete a virtual service and its real servers (IPVS_CMD_DEL_SERVICE)."""


@dataclass(frozen=True)
class AddRealServer(_RealServerOp):
    """Add a real server to a service (IPVS_CMD_NEW_DEST)."""


@dataclass(frozen=True)
class EditRealServer(_RealServerOp):
    """Change a real server's weight, method, thresholds or tunnel (IPVS_CMD_SET_DEST)."""


@dataclass(frozen=True)
class DeleteRealServer(_RealServerOp):
    """Remove a real server from a service (IPVS_CMD_DEL_DEST)."""


@dataclass(frozen=True)
class Zero:
    """Zero the counters of one service, or of everything when ``vs`` is None (IPVS_CMD_ZERO)."""

    vs: VirtualService | None = None

    def __post_init__(self) -> None:
        if self.vs is not None:
            _require("vs", self.vs, VirtualService)


@dataclass(frozen=True)
class Flush:
    """Delete every service of the namespace (IPVS_CMD_FLUSH)."""


@dataclass(frozen=True)
class SetTimeouts:
    """Set the TCP, TCP FIN and UDP timeouts; 0 leaves one alone (IPVS_CMD_SET_CONFIG)."""

    timeouts: Timeouts

    def __post_init__(self) -> None:
        _require("timeouts", self.timeouts, Timeouts)


Operation = (
    AddService
    | EditService
    | DeleteService
    | AddRealServer
    | EditRealServer
    | DeleteRealServer
    | Zero
    | Flush
    | SetTimeouts
)


@dataclass(frozen=True)
class OperationResult:
    """The outcome of one operation of :meth:`Ipvs.apply`.

    :ivar index: the operation's position in the list given to ``apply``.
    :ivar error: ``None`` on success, else the kernel's answer as a :class:`KernelError`
        subclass (e.g. :class:`~pyipvs.errors.ServiceExists`).
    """

    index: int
    operation: Operation
    error: KernelError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


__all__ = [
    "AddRealServer",
    "AddService",
    "DeleteRealServer",
    "DeleteService",
    "EditRealServer",
    "EditService",
    "Flush",
    "Operation",
    "OperationResult",
    "SetTimeouts",
    "Zero",
]
