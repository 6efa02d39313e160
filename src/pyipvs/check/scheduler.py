# SPDX-License-Identifier: Apache-2.0
"""One scheduler for every check of a process: shared, spread, bounded and watched.

* **Shared**: a :class:`Check` is a value (probe definition + schedule); every subscriber of an
  equal check shares one runner, so a real server named by ten virtual servers is probed once
  and its verdict reaches all ten (keepalived runs one checker per virtual server's copy).
* **Spread**: the first run of each check is delayed by a random fraction of ``warmup`` (the
  RNG is injected, so tests are reproducible).
* **Bounded**: at most ``max_concurrency`` probes in flight; a probe that outlives its deadline
  is cancelled and counts as a failure, so no check freezes its own schedule.
* **Measured**: lateness (start - due) of every run is kept; :meth:`CheckScheduler.stats`
  exports its percentiles with run counts.
* **Watched**: a watchdog thread notices an event loop that stopped turning and logs it while
  it is stuck, and once more when it turns again.

The next run is due ``delay_loop`` (or ``delay_before_retry``) after the previous one ended,
as keepalived schedules it.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pyipvs.check.latency import LatencyHistogram
from pyipvs.check.lateness import LatenessWindow
from pyipvs.check.result import ProbeResult, failed
from pyipvs.check.state import CheckerState, Schedule, Transition
from pyipvs.check.tcp_batch import LocalShortage, TcpConnector, descriptor_budget
from pyipvs.check.watchdog import Watchdog

log = logging.getLogger("pyipvs.check")
_SWEEP_INTERVAL = 0.05
#: Checks started before the loop gets a turn: finished connects are reaped (and their
#: descriptors freed) between two batches, not after 10,000 starts in one go.
_DISPATCH_BATCH = 256


class Probe(Protocol):
    """A hashable description of one probe; equal probes are run once."""

    @property
    def kind(self) -> str: ...

    async def run(self) -> ProbeResult: ...


@dataclass(frozen=True)
class Check:
    probe: Probe
    schedule: Schedule = field(default_factory=Schedule)


@dataclass(frozen=True)
class CheckEvent:
    """Sent to subscribers when a check goes up or down, or its dynamic weight changes."""

    check: Check
    result: ProbeResult
    up: bool
    transition: Transition | None
    weight: int | None


Listener = Callable[[CheckEvent], None]


def probe_deadline(probe: object) -> float:
    """How long one run may take before it is cancelled: a few I/O timeouts, or the script's
    timeout, with a margin. A probe may say itself with a ``deadline`` attribute."""
    deadline = getattr(probe, "deadline", None)
    if deadline is not None:
        return float(deadline)
    target = getattr(probe, "target", None)
    if target is not None:
        urls = len(getattr(probe, "urls", ())) or 1
        return 4.0 * float(target.connect_timeout) * urls + 1.0
    return float(getattr(probe, "timeout", 5.0)) + 2.0


@dataclass
class _Runner:
    check: Check
    state: CheckerState
    listeners: list[Listener] = field(default_factory=list)
    due: float = 0.0
    deadline: float = 0.0
    running: bool = False
    retired: bool = False
    fast: bool = False  # the probe has ``start(connector, done)``: run without a task


@dataclass(frozen=True)
class Subscription:
    check: Check
    listener: Listener


class CheckScheduler:
    def __init__(
        self,
        *,
        max_concurrency: int = 512,
        max_connects: int = 8192,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        watchdog_interval: float = 0.5,
        stall_after: float = 2.0,
    ) -> None:
        self._rng = rng or random.Random()
        self._clock = clock
        self._runners: dict[Check, _Runner] = {}
        self._heap: list[tuple[float, int, _Runner]] = []
        self._order = itertools.count()
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(max_concurrency)
        self._tasks: dict[asyncio.Task[None], float] = {}  # in flight -> deadline
        self._overdue: set[asyncio.Task[None]] = set()
        self._stopping = False
        self.lateness = LatenessWindow()
        #: probe run times by checker kind (``TCP_CHECK``, ...), for status and metrics.
        self.latency: dict[str, LatencyHistogram] = {}
        self.watchdog = Watchdog(clock, interval=watchdog_interval, stall_after=stall_after)
        self.runs = 0
        self.overruns = 0
        self._connector: TcpConnector | None = None
        # TCP connects in flight are cheap (a socket each, no task): their own, larger bound,
        # so a slow network never holds back the start of other checks (keepalived has none)
        self._max_connects = max_connects
        self._connects = 0
        self._full = False  # the connect bound was reached: dispatch waits for a finish
        self._subscribed_at: float | None = None  # first subscription before run()
        #: starts put off because this host ran out of descriptors or buffers (not failures)
        self.deferred = 0

    # -- subscriptions -------------------------------------------------------------------
    def subscribe(self, check: Check, listener: Listener) -> Subscription:
        runner = self._runners.get(check)
        if runner is None:
            runner = self._runners[check] = _Runner(check, CheckerState(check.schedule))
            runner.deadline = probe_deadline(check.probe)
            runner.fast = callable(getattr(check.probe, "start", None))
            span = check.schedule.first_delay_span
            now = self._clock()
            if self._connector is None and self._subscribed_at is None:
                self._subscribed_at = now  # before run(): see _rebase
            self._push(runner, now + self._rng.uniform(0.0, span))
        runner.listeners.append(listener)
        return Subscription(check, listener)

    def unsubscribe(self, subscription: Subscription) -> None:
        runner = self._runners.get(subscription.check)
        if runner is None:
            return
        with contextlib.suppress(ValueError):
            runner.listeners.remove(subscription.listener)
        if not runner.listeners:
            runner.retired = True
            del self._runners[subscription.check]

    def state(self, check: Check) -> CheckerState:
        return self._runners[check].state

    def next_due(self, check: Check) -> float:
        """When ``check`` runs next, on the scheduler's clock."""
        return self._runners[check].due

    @property
    def checks(self) -> int:
        """Distinct checks running (shared ones count once)."""
        return len(self._runners)

    # -- the loop ------------------------------------------------------------------------
    def _push(self, runner: _Runner, due: float) -> None:
        runner.due = due
        earliest = self._heap[0][0] if self._heap else None
        heapq.heappush(self._heap, (due, next(self._order), runner))
        if earliest is None or due < earliest:  # else the dispatcher's timer already covers it
            self._wake.set()

    def _postpone(self, runner: _Runner, now: float) -> None:
        """Tries a due check again at the next sweep; its lateness still counts from when it
        was due (``runner.due`` is kept)."""
        heapq.heappush(self._heap, (now + _SWEEP_INTERVAL, next(self._order), runner))

    async def run(self) -> None:
        """Runs checks until :meth:`stop`; then cancels the ones in flight."""
        self.watchdog.start()
        self._connector = TcpConnector(asyncio.get_running_loop())
        self._max_connects = min(self._max_connects, descriptor_budget())
        self._rebase(self._clock())
        heartbeat = asyncio.ensure_future(self.watchdog.heartbeat())
        sweeper = asyncio.ensure_future(self._sweep_overdue())
        try:
            while not self._stopping:
                await self._dispatch_due()
        finally:
            heartbeat.cancel()
            sweeper.cancel()
            self.watchdog.stop()
            self._connector.close()
            self._connector = None
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, heartbeat, sweeper, return_exceptions=True)

    def _rebase(self, now: float) -> None:
        """The first runs, spread from when their checks were subscribed, start from now:
        a start that took seconds (the first IPVS sync of 10,000 real servers) made them all
        due at once, a burst the spread is there to avoid, and a backlog shown as lateness."""
        if self._subscribed_at is None:
            return
        shift, self._subscribed_at = now - self._subscribed_at, None
        if shift <= 0:
            return
        self._heap = [(due + shift, n, runner) for due, n, runner in self._heap]  # still a heap
        for _due, _n, runner in self._heap:
            runner.due += shift

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def _dispatch_due(self) -> None:
        now = self._clock()
        started = 0
        while self._heap and self._heap[0][0] <= now:
            if started >= _DISPATCH_BATCH:  # let the loop reap what finished meanwhile
                await asyncio.sleep(0)
                if self._stopping:
                    return
                now, started = self._clock(), 0
                continue
            started += 1
            _due, _n, runner = heapq.heappop(self._heap)
            if runner.retired or runner.running:
                continue
            if runner.fast:
                if self._connects >= self._max_connects:
                    # full: back in the heap at its place, and no dispatch until a connect
                    # finishes (its lateness shows the wait)
                    heapq.heappush(self._heap, (_due, _n, runner))
                    self._full = True
                    break
                runner.running = True
                self._start_fast(runner, now)
                continue
            if self._slots.locked():
                await self._slots.acquire()  # a full pool delays the start: shown as lateness
                now = self._clock()
            else:
                await self._slots.acquire()
            runner.running = True
            task = asyncio.ensure_future(self._execute(runner, now))
            self._tasks[task] = now + runner.deadline
            task.add_done_callback(self._finished)
        self._wake.clear()
        timer = None
        if self._heap:  # a timer, not wait_for: no task per wake-up
            loop = asyncio.get_running_loop()
            # full: a finished connect wakes us, the sweep interval at the latest
            delay = _SWEEP_INTERVAL if self._full else self._heap[0][0] - now
            timer = loop.call_at(loop.time() + delay, self._wake.set)
        try:
            await self._wake.wait()
        finally:
            if timer is not None:
                timer.cancel()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)
        self._overdue.discard(task)

    async def _sweep_overdue(self) -> None:
        """Cancels probes past their deadline: one timer for all, not one per probe."""
        while True:
            await asyncio.sleep(_SWEEP_INTERVAL)
            now = self._clock()
            for task, deadline in list(self._tasks.items()):
                if now > deadline and task not in self._overdue:
                    self._overdue.add(task)
                    task.cancel()

    def _start_fast(self, runner: _Runner, started: float) -> None:
        """A probe with a callback path (TCP_CHECK): no task, no per-check timer; its
        connector guarantees an answer within ``connect_timeout``."""
        self._connects += 1

        def done(result: ProbeResult) -> None:
            self._connects -= 1
            if self._full:  # a connect slot is free: dispatch again
                self._full = False
                self._wake.set()
            runner.running = False
            assert self._connector is not None
            self._settle(runner, started, result, self._connector.now)

        assert self._connector is not None
        try:
            runner.check.probe.start(self._connector, done, started)  # type: ignore[attr-defined]
        except LocalShortage as exc:  # our shortage, not the server's failure: try again
            self._connects -= 1
            runner.running = False
            self._defer(runner, started, exc)
            return
        except Exception as exc:  # as in _execute: a logged failure, the schedule goes on
            log.exception("%s probe raised", runner.check.probe.kind)
            done(failed(f"probe error: {type(exc).__name__}"))
        self.lateness.add(started - runner.due)

    def _defer(self, runner: _Runner, now: float, exc: OSError) -> None:
        """No descriptor for a connect: the bound drops to what is in flight now, and the
        check waits for the next sweep (its lateness shows the shortage)."""
        if not self.deferred:
            log.warning(
                "cannot open a socket (%s): at most %d TCP checks in flight from now on",
                exc.strerror,
                max(1, self._connects),
            )
        self.deferred += 1
        self._max_connects = max(1, self._connects)
        self._postpone(runner, now)
        if self._connects:
            self._full = True  # the next finish wakes the dispatcher

    async def _execute(self, runner: _Runner, started: float) -> None:
        check = runner.check
        self.lateness.add(started - runner.due)
        began = self._clock()
        try:
            result = await check.probe.run()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task not in self._overdue or self._stopping:
                raise
            if task is not None and hasattr(task, "uncancel"):
                task.uncancel()
            self.overruns += 1
            log.warning("%s probe overran its deadline and was cancelled", check.probe.kind)
            result = failed("probe overran its deadline")
        except Exception as exc:  # a probe bug must not stop the schedule: a logged failure
            log.exception("%s probe raised", check.probe.kind)
            result = failed(f"probe error: {type(exc).__name__}")
        finally:
            self._slots.release()
            runner.running = False
        self._settle(runner, began, result)

    def _settle(
        self, runner: _Runner, began: float, result: ProbeResult, ended: float | None = None
    ) -> None:
        """Count a finished run, judge it, schedule the next, tell the subscribers. ``ended``
        is the connector's batch time for TCP checks (a clock read is a system call in
        User-Mode Linux: one per batch of finished connects, not one per check)."""
        if ended is None or self._clock is not time.monotonic:
            ended = self._clock()
        self.runs += 1
        self._record_latency(runner, ended - began)
        step = runner.state.observe(result)
        if not runner.retired:
            self._push(runner, ended + step.next_delay)
        if step.transition is not None or step.weight_changed:
            self._notify(runner, result, step.transition)

    def _record_latency(self, runner: _Runner, latency: float) -> None:
        runner.state.latency = latency
        kind = runner.check.probe.kind
        histogram = self.latency.get(kind)
        if histogram is None:
            histogram = self.latency[kind] = LatencyHistogram()
        histogram.add(latency)

    def _notify(self, runner: _Runner, result: ProbeResult, transition: Transition | None) -> None:
        event = CheckEvent(runner.check, result, runner.state.up, transition, runner.state.weight)
        for listener in list(runner.listeners):
            try:
                listener(event)
            except Exception:  # one subscriber's bug must not starve the others
                log.exception("check listener failed")

    def stats(self, recent: int | None = None) -> dict[str, float]:
        """Counters and lateness percentiles (seconds) for metrics and benchmarks; with
        *recent*, the percentiles are over that many last runs (cheap enough for every status
        request)."""
        return {
            "checks": float(self.checks),
            "runs": float(self.runs),
            "in_flight": float(
                len(self._tasks) + (self._connector.in_flight if self._connector else 0)
            ),
            "overruns": float(self.overruns),
            "deferred": float(self.deferred),
            "stalls": float(self.watchdog.stalls),
            "loop_lag_max": self.watchdog.max_lag,
            **self.lateness.percentiles(recent),
        }
