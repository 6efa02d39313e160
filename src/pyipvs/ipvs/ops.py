# SPDX-License-Identifier: Apache-2.0
"""Operations for :meth:`pyipvs.Ipvs.apply`: small frozen dataclasses, one per change.

Each operation is encoded into its request message when it is made (the services' and real
servers' attribute nests are encoded once per object and shared by every operation on them),
so applying a list of them is a join and one call into C. A list of these is sent in batches
(many requests per ``sendmsg``); the outcome of each comes back in :class:`BatchResults`, one
:class:`OperationResult` per operation, with the operation's index in the list.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from pyipvs._bindings import ipvs_requests as _req
from pyipvs.errors import KernelError, PyipvsValueError
from pyipvs.ipvs import convert as _convert
from pyipvs.ipvs.model import RealServer, Timeouts, VirtualService, require

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import ClassVar, overload


class _Encoded:
    """Pickling and copying leave the cached request out; it is encoded again on load (a
    pickle may come from another version of pyipvs, whose encoding was not this one's)."""

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_request"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    def __post_init__(self) -> None:  # pragma: no cover - every operation defines it
        raise NotImplementedError


def _keep_request(op: object, request: bytes) -> None:
    # Not a field: equality, hashing and repr ignore it, dataclasses.replace() recomputes it.
    # (Written to __dict__ directly: the frozen dataclass refuses setattr.)
    op.__dict__["_request"] = request


_FULL, _KEY = 0, 1  # index into the (full, key-only) nests of a value object


@dataclass(frozen=True)
class _ServiceOp(_Encoded):
    vs: VirtualService

    if TYPE_CHECKING:  # class constants of each operation, not fields (no ClassVar at run time)
        command: ClassVar[int]
        action: ClassVar[str]
        nest: ClassVar[int]
    nest = _KEY  # the whole service, or only its key

    def __post_init__(self) -> None:
        vs = self.vs
        if not isinstance(vs, VirtualService):
            require("vs", vs, VirtualService)
        nests = vs.__dict__.get("_nests") or _convert.service_nests(vs)
        _keep_request(self, _req.request(self.command, nests[self.nest]))


@dataclass(frozen=True)
class _RealServerOp(_Encoded):
    vs: VirtualService
    rs: RealServer

    if TYPE_CHECKING:  # class constants of each operation, not fields (no ClassVar at run time)
        command: ClassVar[int]
        action: ClassVar[str]
        nest: ClassVar[int]
    nest = _KEY  # the whole real server, or only its key

    def __post_init__(self) -> None:
        vs, rs = self.vs, self.rs
        if not isinstance(vs, VirtualService) or not isinstance(rs, RealServer):
            require("vs", vs, VirtualService)
            require("rs", rs, RealServer)
        service_key = (vs.__dict__.get("_nests") or _convert.service_nests(vs))[_KEY]
        dest = (rs.__dict__.get("_nests") or _convert.dest_nests(rs))[self.nest]
        _keep_request(self, _req.request(self.command, service_key + dest))


@dataclass(frozen=True)
class AddService(_ServiceOp):
    """Add a virtual service (IPVS_CMD_NEW_SERVICE)."""

    command = _req.CMD_NEW_SERVICE
    action = "add_service"
    nest = _FULL


@dataclass(frozen=True)
class EditService(_ServiceOp):
    """Change the scheduler, persistence, flags or PE of a service (IPVS_CMD_SET_SERVICE)."""

    command = _req.CMD_SET_SERVICE
    action = "edit_service"
    nest = _FULL


@dataclass(frozen=True)
class DeleteService(_ServiceOp):
    """Delete a virtual service and its real servers (IPVS_CMD_DEL_SERVICE)."""

    command = _req.CMD_DEL_SERVICE
    action = "delete_service"


@dataclass(frozen=True)
class AddRealServer(_RealServerOp):
    """Add a real server to a service (IPVS_CMD_NEW_DEST)."""

    command = _req.CMD_NEW_DEST
    action = "add_real_server"
    nest = _FULL


@dataclass(frozen=True)
class EditRealServer(_RealServerOp):
    """Change a real server's weight, method, thresholds or tunnel (IPVS_CMD_SET_DEST)."""

    command = _req.CMD_SET_DEST
    action = "edit_real_server"
    nest = _FULL


@dataclass(frozen=True)
class DeleteRealServer(_RealServerOp):
    """Remove a real server from a service (IPVS_CMD_DEL_DEST)."""

    command = _req.CMD_DEL_DEST
    action = "delete_real_server"


@dataclass(frozen=True)
class Zero(_Encoded):
    """Zero the counters of one service, or of everything when ``vs`` is None (IPVS_CMD_ZERO)."""

    vs: VirtualService | None = None

    command = _req.CMD_ZERO
    action = "zero"

    def __post_init__(self) -> None:
        key = b""
        if self.vs is not None:
            require("vs", self.vs, VirtualService)
            key = _convert.service_nests(self.vs)[_KEY]
        _keep_request(self, _req.request(self.command, key))


@dataclass(frozen=True)
class Flush(_Encoded):
    """Delete every service of the namespace (IPVS_CMD_FLUSH)."""

    command = _req.CMD_FLUSH
    action = "flush"

    def __post_init__(self) -> None:
        _keep_request(self, _req.request(self.command))


@dataclass(frozen=True)
class SetTimeouts(_Encoded):
    """Set the TCP, TCP FIN and UDP timeouts; 0 leaves one alone (IPVS_CMD_SET_CONFIG)."""

    timeouts: Timeouts

    command = _req.CMD_SET_CONFIG
    action = "set_timeouts"

    def __post_init__(self) -> None:
        require("timeouts", self.timeouts, Timeouts)
        _keep_request(self, _req.request(self.command, _convert.timeout_attributes(self.timeouts)))


def made_from_trusted(
    cls: type[_RealServerOp | _ServiceOp], vs: VirtualService, rs: RealServer | None = None
) -> Operation:
    """cls(vs) or cls(vs, rs), made without the dataclass __init__ and its checks: for callers
    that made vs and rs themselves (pyipvsadm's ``-R`` fast path, 10,000 lines a file). The
    request is the one __post_init__ would encode, from the nests kept on the objects."""
    op = object.__new__(cls)
    values = op.__dict__
    nests = vs.__dict__.get("_nests") or _convert.service_nests(vs)
    values["vs"] = vs
    if rs is None:
        values["_request"] = _req.request(cls.command, nests[cls.nest])
    else:
        dest = (rs.__dict__.get("_nests") or _convert.dest_nests(rs))[cls.nest]
        values["rs"] = rs
        values["_request"] = _req.request(cls.command, nests[_KEY] + dest)
    return op  # type: ignore[return-value]


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

    @classmethod
    def ok_result(cls, index: int, operation: Operation) -> OperationResult:
        """A success result, built without the dataclass __init__ (batch hot path)."""
        result = object.__new__(cls)
        result.__dict__.update(index=index, operation=operation, error=None)
        return result


#: The request message of an operation, as encoded when it was made.
request_of: Callable[[Operation], bytes] = operator.attrgetter("_request")


def join_requests(operations: list[Operation]) -> bytes:
    """The requests of operations back to back, as csrc/ipvs_batch.c takes them.

    :raises PyipvsValueError: naming ``operations[i]`` for anything that is not an operation.
    """
    try:
        return b"".join(map(request_of, operations))
    except (AttributeError, TypeError):
        pass
    for i, op in enumerate(operations):
        if not isinstance(op, _OPERATION_TYPES):
            raise PyipvsValueError(f"operations[{i}]: {op!r} is not a pyipvs.ops operation")
        if not isinstance(op.__dict__.get("_request"), bytes):
            _encode_late(i, op)
    return b"".join(map(request_of, operations))


def _encode_late(index: int, op: Operation) -> None:
    """Encodes an operation that was made without __init__ (object.__new__, say)."""
    try:
        op.__post_init__()
    except AttributeError:
        raise PyipvsValueError(
            f"operations[{index}]: a {type(op).__name__} without its fields"
        ) from None


_OPERATION_TYPES = (_ServiceOp, _RealServerOp, Zero, Flush, SetTimeouts)

ErrorOf = Callable[[Operation, int], KernelError]


class BatchResults(Sequence[OperationResult]):
    """The outcome of one :meth:`Ipvs.apply`: one :class:`OperationResult` per operation that
    ran, in order (all of them, unless ``stop_on_error`` stopped at a failure).

    Results are made when they are looked at, so a batch of any size costs nothing per
    successful operation until it is read. :attr:`ok` and :attr:`failures` answer the usual
    questions without going through the successes.
    """

    __slots__ = ("_codes", "_error_of", "_failed", "_failures", "_operations", "_ran")

    def __init__(
        self,
        operations: Sequence[Operation],
        codes: Sequence[int],
        ran: int,
        failed: int,
        error_of: ErrorOf,
    ) -> None:
        self._operations = operations
        self._codes = codes  # per operation: 0, or what the C batch reported (ipvs_batch.h)
        self._ran = ran
        self._failed = failed
        self._error_of = error_of
        self._failures: dict[int, OperationResult] = {}

    @property
    def ok(self) -> bool:
        """Every operation ran and succeeded (known without looking at any result)."""
        return self._failed == 0 and self._ran == len(self._operations)

    @property
    def failures(self) -> list[OperationResult]:
        """The results whose operation failed, in order (only those are made)."""
        if not self._failed:
            return []
        codes = self._codes
        return [self._failure(i) for i in range(self._ran) if codes[i]]

    def _failure(self, index: int) -> OperationResult:
        result = self._failures.get(index)
        if result is None:
            op = self._operations[index]
            error = self._error_of(op, self._codes[index])
            result = self._failures[index] = OperationResult(index, op, error)
        return result

    def __len__(self) -> int:
        return self._ran

    if TYPE_CHECKING:  # overloads for type checkers only (mypy merges them with the def below)

        @overload
        def __getitem__(self, index: int) -> OperationResult: ...

        @overload
        def __getitem__(self, index: slice) -> list[OperationResult]: ...

    def __getitem__(self, index: int | slice) -> OperationResult | list[OperationResult]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._ran))]
        i = operator.index(index)
        if i < 0:
            i += self._ran
        if not 0 <= i < self._ran:
            raise IndexError("result index out of range")
        if self._codes[i]:
            return self._failure(i)
        return OperationResult.ok_result(i, self._operations[i])

    def __iter__(self) -> Iterator[OperationResult]:
        make, operations, codes = OperationResult.ok_result, self._operations, self._codes
        for i in range(self._ran):
            yield self._failure(i) if codes[i] else make(i, operations[i])

    def __eq__(self, other: object) -> bool:
        """Equal to any sequence of the same results (a list of them, say)."""
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # mutable-looking sequence: not hashable

    def __repr__(self) -> str:
        return f"<BatchResults ran={self._ran} of {len(self._operations)}, failed={self._failed}>"


__all__ = [
    "AddRealServer",
    "AddService",
    "BatchResults",
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
