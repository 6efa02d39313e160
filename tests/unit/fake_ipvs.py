"""An in-memory stand-in for :class:`pyipvs.Ipvs`, enough to drive pyipvsadm without a kernel.

It keeps services and real servers in kernel order (services: newest first is NOT modelled;
callers give the order they want listed with ``--nosort``) and answers the table-changing
operations with the errno the kernel gives (verified in the VM, see docs/reference/ipvs.md).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field, replace

from pyipvs import ops
from pyipvs.errors import KernelError
from pyipvs.model import RealServer, SyncDaemon, Timeouts, VirtualService

KNOWN_SCHEDULERS = {
    "rr",
    "wrr",
    "lc",
    "wlc",
    "lblc",
    "lblcr",
    "dh",
    "sh",
    "sed",
    "nq",
    "fo",
    "ovf",
    "mh",
}


@dataclass
class Info:
    version: str = "1.2.1"
    conn_table_size: int = 4096


@dataclass
class FakeIpvs:
    entries: list[tuple[VirtualService, list[RealServer]]] = field(default_factory=list)
    timeout_values: Timeouts = field(default_factory=lambda: Timeouts(900, 120, 300))
    daemons: list[SyncDaemon] = field(default_factory=list)
    closed: bool = False

    # ---- reads ----
    def info(self) -> Info:
        return Info()

    def services(self) -> list[VirtualService]:
        return [vs for vs, _ in self.entries]

    def _find(self, vs: VirtualService) -> int:
        for i, (have, _) in enumerate(self.entries):
            if have.key == vs.key:
                return i
        raise KernelError(errno.ESRCH)

    def table(self) -> dict[VirtualService, list[RealServer]]:
        return {vs: list(rs) for vs, rs in self.entries}

    def get_service(self, vs: VirtualService) -> VirtualService:
        return self.entries[self._find(vs)][0]

    def real_servers(self, vs: VirtualService) -> list[RealServer]:
        try:
            return list(self.entries[self._find(vs)][1])
        except KernelError:
            return []

    def timeouts(self) -> Timeouts:
        return self.timeout_values

    def sync_daemons(self) -> list[SyncDaemon]:
        return list(self.daemons)

    def start_sync_daemon(self, daemon: SyncDaemon) -> None:
        if daemon.interface not in ("lo", "dummy0"):
            raise KernelError(errno.ENODEV)
        if any(d.state == daemon.state for d in self.daemons):
            raise KernelError(errno.EEXIST)
        self.daemons.append(daemon)

    def stop_sync_daemon(self, state: str, syncid: int | None = None) -> None:
        running = [d for d in self.daemons if d.state == state]
        if not running:
            raise KernelError(errno.ESRCH)
        self.daemons.remove(running[0])

    def close(self) -> None:
        self.closed = True

    # ---- writes ----
    def apply(self, operations: list[ops.Operation]) -> list[ops.OperationResult]:
        results = []
        for i, op in enumerate(operations):
            try:
                self._apply_one(op)
                results.append(ops.OperationResult(i, op))
            except KernelError as exc:
                results.append(ops.OperationResult(i, op, exc))
        return results

    def _apply_one(self, op: ops.Operation) -> None:
        if isinstance(op, ops.Flush):
            self.entries.clear()
        elif isinstance(op, ops.SetTimeouts):
            t, old = op.timeouts, self.timeout_values
            self.timeout_values = Timeouts(
                t.tcp or old.tcp, t.tcp_fin or old.tcp_fin, t.udp or old.udp
            )
        elif isinstance(op, ops.Zero):
            if op.vs is not None:
                self._find(op.vs)
        elif isinstance(op, ops.AddService):
            if any(vs.key == op.vs.key for vs, _ in self.entries):
                raise KernelError(errno.EEXIST)
            if op.vs.scheduler not in KNOWN_SCHEDULERS or op.vs.pe_name not in (None, "sip"):
                raise KernelError(errno.ENOENT)
            self.entries.insert(0, (op.vs, []))
        elif isinstance(op, ops.EditService):
            i = self._find(op.vs)
            self.entries[i] = (op.vs, self.entries[i][1])
        elif isinstance(op, ops.DeleteService):
            del self.entries[self._find(op.vs)]
        else:
            self._apply_server(op)

    def _apply_server(self, op: ops.Operation) -> None:
        assert isinstance(op, (ops.AddRealServer, ops.EditRealServer, ops.DeleteRealServer))
        servers = self.entries[self._find(op.vs)][1]
        upper, lower = op.rs.upper_threshold, op.rs.lower_threshold
        if not isinstance(op, ops.DeleteRealServer) and upper and lower > upper:
            raise KernelError(errno.ERANGE)
        where = [i for i, rs in enumerate(servers) if rs.key == op.rs.key]
        if isinstance(op, ops.AddRealServer):
            if where:
                raise KernelError(errno.EEXIST)
            if op.rs.address.is_multicast:
                raise KernelError(errno.EINVAL)
            servers.insert(0, op.rs)
        elif not where:
            raise KernelError(errno.ENOENT)
        elif isinstance(op, ops.EditRealServer):
            servers[where[0]] = replace(op.rs)
        else:
            del servers[where[0]]
