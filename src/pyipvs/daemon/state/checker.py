# SPDX-License-Identifier: Apache-2.0
"""The ``checkers`` and ``ipvs`` sections of a status document.

:func:`checker_section` reads a running :class:`~pyipvs.daemon.check.process.CheckerProcess`:
every virtual server, its real servers and each one's checkers with their last result,
latency and flaps, and the scheduler's own lateness. :func:`ipvs_section` describes a kernel
table as :meth:`pyipvs.Ipvs.table` returns it; :class:`CountingIpvs` wraps the checker's
table handle to count the operations it applies and the errors the kernel answers.
"""

from __future__ import annotations

import errno
from collections.abc import Mapping, Sequence
from typing import Any

from pyipvs import RealServer, VirtualService
from pyipvs.check import Check, CheckScheduler
from pyipvs.check.latency import LatencyHistogram
from pyipvs.daemon.check.from_config import ServiceSpec, describe_service
from pyipvs.daemon.check.process import CheckerProcess, IpvsTable
from pyipvs.daemon.check.reconcile import server_key
from pyipvs.ipvs import ops

#: The loop's lateness percentiles are over this many last runs: a request runs on the
#: checker's loop, and sorting the whole window (100,000 runs) there takes tens of ms.
LATENESS_WINDOW = 4096


class CountingIpvs:
    """An :class:`~pyipvs.daemon.check.process.IpvsTable` that counts what goes through it:
    operations applied by kind, failures by kind and errno name, listings made."""

    def __init__(self, ipvs: IpvsTable) -> None:
        self.ipvs = ipvs
        self.operations: dict[str, int] = {}
        self.errors: dict[str, dict[str, int]] = {}
        self.listings = 0

    def services(self) -> list[VirtualService]:
        self.listings += 1
        return self.ipvs.services()

    def real_servers(self, vs: VirtualService) -> list[RealServer]:
        return self.ipvs.real_servers(vs)

    def apply(self, operations: Sequence[ops.Operation]) -> ops.BatchResults:
        for operation in operations:
            kind = type(operation).__name__
            self.operations[kind] = self.operations.get(kind, 0) + 1
        results = self.ipvs.apply(operations)
        for failure in results.failures:
            kind = type(failure.operation).__name__
            code = failure.error.errno if failure.error is not None else None
            name = errno.errorcode.get(code, str(code)) if code is not None else "unknown"
            by_errno = self.errors.setdefault(kind, {})
            by_errno[name] = by_errno.get(name, 0) + 1
        return results

    def table(self) -> dict[VirtualService, list[RealServer]]:
        """The kernel's table through this handle (one listing)."""
        return {vs: self.real_servers(vs) for vs in self.services()}


def checker_section(process: CheckerProcess) -> dict[str, Any]:
    """The checker child's state: ``{"loop": ..., "latency": ..., "virtual_servers": [...]}``."""
    scheduler = process.scheduler
    return {
        "loop": scheduler.stats(recent=LATENESS_WINDOW),
        "latency": {kind: histogram_status(h) for kind, h in sorted(scheduler.latency.items())},
        "syncs": process.syncs,
        "virtual_servers": [
            _virtual_server(process, index, spec) for index, spec in enumerate(process.specs)
        ],
    }


def histogram_status(histogram: LatencyHistogram) -> dict[str, Any]:
    """A :class:`~pyipvs.check.latency.LatencyHistogram` as JSON: ``inf`` is the string
    ``"+Inf"`` (JSON has no infinity)."""
    return {
        "buckets": [["+Inf" if b == float("inf") else b, n] for b, n in histogram.cumulative()],
        "sum": histogram.sum,
        "count": histogram.count,
    }


def _virtual_server(process: CheckerProcess, index: int, spec: ServiceSpec) -> dict[str, Any]:
    programmed = {server_key(rs): rs.weight for rs in process.programmed.get(spec.service, [])}
    pool = process.pools[index]
    sorry = spec.pool.sorry_server
    return {
        "name": spec.label,
        "service": service_status(spec.service),
        "quorum": pool.quorum,
        "sorry_server": None if sorry is None else _address(sorry),
        "sorry_server_active": sorry is not None and server_key(sorry) in programmed,
        "real_servers": [
            _real_server(process, index, member.member.server, member.checks, programmed)
            for member in spec.members
        ],
    }


def _real_server(
    process: CheckerProcess,
    index: int,
    server: RealServer,
    checks: Sequence[Check],
    programmed: Mapping[tuple[object, ...], int],
) -> dict[str, Any]:
    key = server_key(server)
    health = process.health.get((index, key))
    return {
        "address": str(server.address),
        "port": server.port,
        "up": None if health is None else health.up,
        "configured_weight": server.weight,
        "dynamic_weight": None if health is None else health.weight,
        "programmed_weight": programmed.get(key),
        "checkers": [_checker(process.scheduler, check) for check in checks],
    }


def _checker(scheduler: CheckScheduler, check: Check) -> dict[str, Any]:
    probe = check.probe
    target = getattr(probe, "target", None)
    try:
        state = scheduler.state(check)
    except KeyError:  # not subscribed (yet, or no more)
        state = None
    last = state.last if state is not None else None
    return {
        "type": probe.kind,
        "target": target.describe() if target is not None else getattr(probe, "command", None),
        "up": None if state is None else state.up,
        "last_result": None if last is None else {"ok": last.ok, "reason": last.reason},
        "latency": None if state is None else state.latency,
        "flaps": 0 if state is None else state.flaps,
        "delay_loop": check.schedule.delay_loop,
    }


def ipvs_section(
    table: Mapping[VirtualService, Sequence[RealServer]] | None,
    counters: CountingIpvs | None = None,
    *,
    error: str | None = None,
) -> dict[str, Any]:
    """The kernel's table (as :meth:`pyipvs.Ipvs.table` returns it; ``None`` when it could
    not be read, then *error* says why) and, from *counters*, the operations applied."""
    return {
        "error": error,
        "services": None
        if table is None
        else [
            {**service_status(vs), "real_servers": [_kernel_server(rs) for rs in servers]}
            for vs, servers in table.items()
        ],
        "operations": dict(counters.operations) if counters is not None else None,
        "errors": {k: dict(v) for k, v in counters.errors.items()} if counters else None,
    }


def service_status(vs: VirtualService) -> dict[str, Any]:
    return {
        "name": describe_service(vs),
        "protocol": vs.protocol,
        "address": None if vs.address is None else str(vs.address),
        "port": vs.port,
        "fwmark": vs.fwmark,
        "scheduler": vs.scheduler,
        "persistence_timeout": vs.persistence_timeout,
    }


def _kernel_server(rs: RealServer) -> dict[str, Any]:
    return {
        **_address(rs),
        "weight": rs.weight,
        "forward": rs.forward,
        "active_connections": rs.active_connections,
        "inactive_connections": rs.inactive_connections,
    }


def _address(rs: RealServer) -> dict[str, Any]:
    return {"address": str(rs.address), "port": rs.port}
