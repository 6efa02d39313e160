# SPDX-License-Identifier: Apache-2.0
"""The checker process: checks -> real server health -> pools -> reconcile -> IPVS.

Every verdict marks the table dirty; a sync lists the kernel, computes the desired table from
the pools, and applies the difference in one batch. A periodic sync (``resync_interval``)
repairs what someone changed behind our back. Only owned entries are touched on start and
stop, unless ``flush_on_start`` / ``flush_on_stop`` (``lvs_flush``, ``lvs_flush_on_stop``).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import logging
import resource
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

from pyipvs import RealServer, VirtualService
from pyipvs.check import Check, CheckEvent, CheckScheduler, ServerHealth, Subscription, Transition
from pyipvs.check.scheduler import Listener
from pyipvs.daemon.bulklog import log_sequence
from pyipvs.daemon.check.from_config import ServiceSpec, describe_server
from pyipvs.daemon.check.pool import Health, PoolState, weight_sum
from pyipvs.daemon.check.reconcile import (
    LiveTable,
    Owned,
    ServiceKey,
    check_listing,
    owned_from,
    reconcile,
    server_key,
    service_key,
)
from pyipvs.errors import InconsistentListing
from pyipvs.ipvs import ops

log = logging.getLogger("pyipvs.daemon")

_BENIGN = {  # keepalived treats these as success (ipvswrapper.c)
    ops.AddService: errno.EEXIST,
    ops.AddRealServer: errno.EEXIST,
    ops.DeleteService: errno.ENOENT,
    ops.DeleteRealServer: errno.ENOENT,
}
_LISTING_RETRIES = 5
#: The periodic resync (no verdict asked for it) may take at most this share of the time: a
#: listing is one dump per virtual server, so 2,000 of them every 2 s kept a UML guest 28 %
#: busy while idle. A verdict's sync is never delayed by this.
RESYNC_SHARE = 0.02


def resync_wait(interval: float, last_sync: float) -> float:
    """Seconds until the next periodic resync: *interval*, or longer when the last sync took
    *last_sync* seconds, so that periodic resyncs use at most :data:`RESYNC_SHARE` of a CPU."""
    return max(interval, last_sync / RESYNC_SHARE)


class IpvsTable(Protocol):
    def services(self) -> list[VirtualService]: ...
    def real_servers(self, vs: VirtualService) -> list[RealServer]: ...
    def apply(self, operations: Sequence[ops.Operation]) -> ops.BatchResults: ...


ServerId = tuple[int, tuple[object, ...]]  # (spec index, real server key)


class CheckerProcess:
    def __init__(
        self,
        specs: Sequence[ServiceSpec],
        ipvs: IpvsTable,
        scheduler: CheckScheduler,
        *,
        flush_on_start: bool = False,
        flush_on_stop: bool = False,
        release_on_stop: bool = True,
        resync_interval: float = 2.0,
    ) -> None:
        self.specs = list(specs)
        self.ipvs = ipvs
        self.scheduler = scheduler
        self.flush_on_start = flush_on_start
        self.flush_on_stop = flush_on_stop
        self.release_on_stop = release_on_stop
        self.resync_interval = resync_interval
        self.health: dict[ServerId, ServerHealth] = {}
        self.pools = [PoolState(spec.pool) for spec in self.specs]
        self.owned = _owned(self.specs)
        self.programmed: dict[VirtualService, list[RealServer]] = {}
        self.syncs = 0
        self._dirty = asyncio.Event()
        self._subscriptions: list[Subscription] = []
        self._stopping = False
        self._last_health: dict[int, dict[tuple[object, ...], Health]] = {}
        self._retiring: Owned | None = None  # what a reload dropped: deleted at the next sync
        # The desired table as last evaluated, and the pools whose health changed since: a
        # verdict re-evaluates, lists and reconciles only its own virtual server (100 of them
        # sharing 2,000 real servers took 6 s a verdict when every sync did everything).
        self._table: dict[VirtualService, list[RealServer]] | None = None
        self._stale: set[int] = set()
        #: called after every sync, once the quorums are evaluated (daemon/bgp's announcer)
        self.after_sync: list[Callable[[], None]] = []

    # -- health ----------------------------------------------------------------------------
    def subscribe(self) -> None:
        for index, spec in enumerate(self.specs):
            for member in spec.members:
                key = member.member.key
                starts = {str(n): self._starts_up(c) for n, c in enumerate(member.checks)}
                self.health[(index, key)] = ServerHealth.starting(starts)
                for n, check in enumerate(member.checks):
                    listener = self._listener((index, key), str(n), spec)
                    self._subscriptions.append(self.scheduler.subscribe(check, listener))

    def _starts_up(self, check: Check) -> bool:
        """A check that already runs (shared, or kept across a reload) keeps its state."""
        try:
            return self.scheduler.state(check).up
        except KeyError:
            return not check.schedule.alpha

    def reload(self, specs: Sequence[ServiceSpec]) -> None:
        """New configuration: checks equal to running ones keep their state and schedule
        (subscribed before the old ones are dropped); entries no longer configured go at the
        next sync; a pool keeps its quorum state when its service stays.

        Only what the reload changed is evaluated, listed and reconciled: a virtual server
        configured exactly as before keeps its table (reading the whole table was most of a
        reload of 2,000 services); the periodic resync still compares everything."""
        old_subscriptions, old_owned = self._subscriptions, self.owned
        quorum = {
            service_key(s.service): p.quorum for s, p in zip(self.specs, self.pools, strict=True)
        }
        before = {service_key(s.service): s for s in self.specs}
        pending = {service_key(self.specs[i].service) for i in self._stale}
        self.specs = list(specs)
        self.pools = [PoolState(s.pool, quorum.get(service_key(s.service))) for s in self.specs]
        self.health = {}
        self._subscriptions = []
        self.subscribe()
        for subscription in old_subscriptions:
            self.scheduler.unsubscribe(subscription)
        self.owned = _owned(self.specs)
        self._keep_unchanged(before, pending)
        self._retiring = Owned(
            old_owned.services - self.owned.services, old_owned.servers - self.owned.servers
        )
        self._dirty.set()

    def _keep_unchanged(
        self, before: Mapping[ServiceKey, ServiceSpec], pending: set[ServiceKey]
    ) -> None:
        """After a reload: the table entries of specs equal to their old selves are kept; the
        others (and those a verdict was pending for) are evaluated at the next sync."""
        if self._table is None:
            return  # never synced: everything is evaluated anyway
        table: dict[VirtualService, list[RealServer]] = {}
        self._stale = set()
        for index, spec in enumerate(self.specs):
            key = service_key(spec.service)
            old = self._table.get(spec.service)
            if old is not None and before.get(key) == spec and key not in pending:
                table[spec.service] = old
            else:
                self._stale.add(index)
        self._table = table

    def _listener(self, server: ServerId, checker: str, spec: ServiceSpec) -> Listener:
        def hear(event: CheckEvent) -> None:
            _log_checker(event)
            weight = event.weight if event.up else None
            transition = self.health[server].update(checker, event.up, weight)
            if transition is not None:  # the real server's notify_up / notify_down
                scripts = spec.notify_up if transition is Transition.UP else spec.notify_down
                script = scripts.get(server[1])
                if script:
                    run_notify(script)
            self._stale.add(server[0])
            self._dirty.set()

        return hear

    def desired(self) -> tuple[dict[VirtualService, list[RealServer]], list[tuple[int, str]]]:
        """The table wanted now, and the quorum changes this evaluation made."""
        table: dict[VirtualService, list[RealServer]] = {}
        changes: list[tuple[int, str]] = []
        for index, spec in enumerate(self.specs):
            servers, change = self._evaluate(index)
            if change:
                changes.append((index, change))
            table[spec.service] = servers
        return table, changes

    def _evaluate(self, index: int) -> tuple[list[RealServer], str | None]:
        """One pool's servers from its members' health, and its quorum change if any."""
        spec, pool = self.specs[index], self.pools[index]
        health = {}
        for member in spec.members:
            key = member.member.key
            state = self.health.get((index, key))
            if state is not None:
                health[key] = Health(state.up, state.weight)
        first = pool.quorum is None
        servers, change = pool.evaluate(health)
        if first and not change:
            self._log_quorum(index, bool(pool.quorum), health)
        self._last_health[index] = health
        return servers, change

    def _refresh(self) -> set[int] | None:
        """Brings the desired table up to date: the pools whose health changed, or all of
        them (first sync, reload). Returns the pools evaluated; None for all."""
        stale, self._stale = self._stale, set()
        if self._table is None:
            table, changes = self.desired()
            for index, change in changes:
                self._quorum_changed(index, change)
            self._table = table
            return None
        for index in sorted(stale):
            servers, quorum_change = self._evaluate(index)
            if quorum_change:
                self._quorum_changed(index, quorum_change)
            self._table[self.specs[index].service] = servers
        return stale

    # -- the kernel ------------------------------------------------------------------------
    def live(self, only: set[ServiceKey] | None = None) -> LiveTable:
        """The kernel's table, checked; with ``only``, the real servers of those services
        alone are listed (one dump each: the whole table is one dump per service)."""
        for attempt in range(_LISTING_RETRIES):
            try:
                services = self.ipvs.services()
                if only is not None:
                    services = [vs for vs in services if service_key(vs) in only]
                return check_listing((vs, self.ipvs.real_servers(vs)) for vs in services)
            except InconsistentListing as exc:
                log.warning("IPVS listing inconsistent (%s); listing again", exc)
                if attempt == _LISTING_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def sync(self, partial: bool = False) -> list[ops.Operation]:
        """One reconcile pass; returns the operations applied. ``partial`` (a verdict's sync)
        lists and reconciles only the virtual servers whose pools changed; the periodic sync
        (the default) compares the whole table, so what someone changed behind our back is
        repaired there."""
        evaluated = self._refresh()
        assert self._table is not None
        desired: Mapping[VirtualService, list[RealServer]] = self._table
        owned = self.owned
        only = None
        if partial and evaluated is not None:
            only = {service_key(self.specs[i].service) for i in evaluated}
            if self._retiring is not None:  # what a reload dropped is listed to be deleted
                only |= self._retiring.services | {vs for vs, _rs in self._retiring.servers}
            # every configured service listed is desired too: else it would look dropped
            desired = {
                s.service: desired[s.service] for s in self.specs if service_key(s.service) in only
            }
        if self._retiring is not None:
            owned = Owned(
                owned.services | self._retiring.services, owned.servers | self._retiring.servers
            )
        operations = reconcile(desired, self.live(only), owned)
        self._retiring = None
        if operations:
            self._apply(operations)
        changed = None if evaluated is None else [self.specs[i].service for i in evaluated]
        self._log_table_changes(self._table, changed)
        self.programmed = dict(self._table)
        self.syncs += 1
        for hook in self.after_sync:
            hook()
        return operations

    def _apply(self, operations: list[ops.Operation]) -> None:
        results = self.ipvs.apply(operations)
        for failure in results.failures:
            code = failure.error.errno if failure.error is not None else None
            if _BENIGN.get(type(failure.operation)) == code:
                continue
            log.error("IPVS: %s failed: %s", failure.operation, failure.error)

    # -- lifecycle -------------------------------------------------------------------------
    async def run(self) -> None:
        """Programs the table, runs the checks, keeps the table in line until :meth:`stop`."""
        if self.flush_on_start:
            self.ipvs.apply([ops.Flush()])
        with collector_paused():  # its passes over 200,000 new members cost more than them
            self.subscribe()
            took = self._timed_sync(self.sync)
        # The configuration, the checks and the table are long-lived: out of the collector's
        # sight, a full collection no longer walks them (it stalled thousands of checks).
        gc.freeze()
        _raise_file_limit(self.scheduler.checks)
        checks = asyncio.ensure_future(self.scheduler.run())
        next_full = time.monotonic() + resync_wait(self.resync_interval, took)
        try:
            while not self._stopping:
                # verdicts sync their own virtual servers at once; the whole table is compared
                # on time even while verdicts keep coming
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(
                        self._dirty.wait(), max(0.0, next_full - time.monotonic())
                    )
                self._dirty.clear()
                if self._stopping:
                    break
                if time.monotonic() < next_full:
                    self._sync_logged(partial=True)
                    continue
                took = self._timed_sync(self._sync_logged)
                next_full = time.monotonic() + resync_wait(self.resync_interval, took)
        finally:
            self.scheduler.stop()
            await checks
            self._release()

    @staticmethod
    def _timed_sync(sync: Callable[[], object]) -> float:
        start = time.monotonic()
        sync()
        return time.monotonic() - start

    def _sync_logged(self, partial: bool = False) -> None:
        try:
            self.sync(partial)
        except Exception:  # the kernel refused or the listing stayed inconsistent: next round
            log.exception("IPVS sync failed; retrying at the next round")

    def stop(self) -> None:
        self._stopping = True
        self._dirty.set()

    def _release(self) -> None:
        for subscription in self._subscriptions:
            self.scheduler.unsubscribe(subscription)
        self._subscriptions.clear()
        if self.flush_on_stop:
            self.ipvs.apply([ops.Flush()])
        elif self.release_on_stop:
            for spec in self.specs:
                for rs in self.programmed.get(spec.service, []):
                    log.info(
                        "Shutting down service %s from VS %s",
                        describe_server(rs, spec.service.protocol),
                        spec.label,
                    )
            operations = reconcile({}, self.live(), self.owned)
            if operations:
                self._apply(operations)

    # -- logs and scripts, as keepalived words them ----------------------------------------
    def _log_table_changes(
        self,
        desired: Mapping[VirtualService, list[RealServer]],
        services: Sequence[VirtualService] | None,
    ) -> None:
        """Logs what changed since the last sync in ``services`` (None: every service)."""
        labels = {service_key(s.service): s.label for s in self.specs}
        lines: list[tuple[str, tuple[object, ...]]] = []
        for vs in desired if services is None else services:
            servers = desired[vs]
            if self.programmed.get(vs) is servers:
                continue  # not evaluated again: the same list
            label = labels.get(service_key(vs), str(vs))
            lines += _changes(self.programmed.get(vs, []), servers, vs.protocol, label)
        log_sequence(log, logging.INFO, lines)  # 200,000 lines at a first sync: in batches

    def _quorum_changed(self, index: int, change: str) -> None:
        spec = self.specs[index]
        self._log_quorum(index, change == "quorum_up", self._last_health.get(index, {}))
        script = spec.quorum_up if change == "quorum_up" else spec.quorum_down
        if script:
            run_notify(script)

    def _log_quorum(self, index: int, up: bool, health: dict[tuple[object, ...], Health]) -> None:
        spec = self.specs[index]
        pool = spec.pool
        total = weight_sum(pool, health)
        if up:
            log.info(
                "Gained quorum %d+%d=%d <= %d for VS %s",
                pool.quorum,
                pool.hysteresis,
                pool.quorum + pool.hysteresis,
                total,
                spec.label,
            )
        else:
            log.info(
                "Lost quorum %d-%d=%d > %d for VS %s",
                pool.quorum,
                pool.hysteresis,
                pool.quorum - pool.hysteresis,
                total,
                spec.label,
            )


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic collector paused while the start makes long-lived, acyclic objects (the
    configuration's specs, the subscriptions, the first table): with 100 virtual servers of
    2,000 real servers, its passes took half of the subscription time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _raise_file_limit(checks: int) -> None:
    """A socket per TCP check in flight: the soft limit on descriptors raised towards the hard
    one as keepalived raises it for its checker (set_checker_max_fds)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = checks + 1024
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def _owned(specs: Sequence[ServiceSpec]) -> Owned:
    return owned_from(
        {
            spec.service: [m.member.server for m in spec.members]
            + ([spec.pool.sorry_server] if spec.pool.sorry_server else [])
            for spec in specs
        }
    )


def _changes(
    before_list: Sequence[RealServer],
    servers: Sequence[RealServer],
    protocol: str | None,
    label: str,
) -> Iterator[tuple[str, tuple[object, ...]]]:
    """One virtual server's table changes as keepalived logs them: (template, arguments)."""
    before = {server_key(rs): rs for rs in before_list}
    after = {server_key(rs): rs for rs in servers}
    for key, rs in after.items():
        old = before.get(key)
        if old is None:
            yield "Adding service %s to VS %s", (describe_server(rs, protocol), label)
        elif old.weight != rs.weight:
            yield (
                "Changing weight from %d to %d for service %s of VS %s",
                (old.weight, rs.weight, describe_server(rs, protocol), label),
            )
    for key, rs in before.items():
        if key not in after:
            yield "Removing service %s from VS %s", (describe_server(rs, protocol), label)


def _log_checker(event: CheckEvent) -> None:
    probe = event.check.probe
    target = getattr(probe, "target", None)
    name = target.describe() if target is not None else getattr(probe, "command", "")
    retries = event.check.schedule.retry
    if event.transition is Transition.UP:
        if probe.kind == "TCP_CHECK":
            log.info("TCP connection to %s success.", name)
        elif probe.kind in ("HTTP_GET", "SSL_GET"):
            log.info("Remote Web server %s succeed on service.", name)
        else:
            log.info("%s on service %s succeed.", probe.kind, name)
    elif event.transition is Transition.DOWN:
        if probe.kind == "TCP_CHECK":
            log.info("TCP_CHECK on service %s failed.", name)
        elif probe.kind in ("HTTP_GET", "SSL_GET"):
            log.info("HTTP_CHECK on service %s failed after %d retries.", name, retries)
        else:
            log.info("%s on service %s failed (%s).", probe.kind, name, event.result.reason)
    log.debug("%s %s: %s", probe.kind, name, event.result.reason)


def run_notify(command: str) -> None:
    """Runs a notify script without waiting (keepalived forks it and reaps it later)."""
    try:
        subprocess.Popen(command, shell=True, start_new_session=True)
    except OSError as exc:
        log.error("cannot run notify script %r: %s", command, exc)
