# SPDX-License-Identifier: Apache-2.0
"""The shared scheduler: one run per distinct check, spread starts, deadlines, the watchdog.

The probes here are scripted doubles (the scheduler is what is under test); the checkers
themselves are tested against real servers in tests/netns/test_check_probes.py.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from dataclasses import dataclass

import pytest

from pyipvs.check import Check, CheckEvent, CheckScheduler, ProbeResult, Schedule, Transition
from pyipvs.check.watchdog import Watchdog

RUNS: Counter[str] = Counter()
SCRIPTS: dict[str, list[bool]] = {}


@dataclass(frozen=True)
class ScriptedProbe:
    name: str
    hang: bool = False
    explode: bool = False
    deadline: float | None = None
    kind = "SCRIPTED"

    async def run(self) -> ProbeResult:
        RUNS[self.name] += 1
        if self.hang:
            await asyncio.sleep(3600)
        if self.explode:
            raise RuntimeError("bug in a probe")
        script = SCRIPTS.get(self.name, [])
        return ProbeResult(script.pop(0) if script else True)


FAST = Schedule(delay_loop=0.005, retry=0, delay_before_retry=0.005, warmup=0.0)


async def run_until(scheduler: CheckScheduler, done: asyncio.Event) -> None:
    task = asyncio.ensure_future(scheduler.run())
    try:
        await asyncio.wait_for(done.wait(), 20)
    finally:
        scheduler.stop()
        await task


@pytest.fixture(autouse=True)
def _reset() -> None:
    RUNS.clear()
    SCRIPTS.clear()


def test_equal_checks_run_once_and_every_subscriber_hears_the_verdict() -> None:
    SCRIPTS["rs1"] = [True, False, True]
    heard: dict[str, list[Transition | None]] = {"vs1": [], "vs2": [], "vs3": []}
    done = asyncio.Event()

    def listener(vs: str) -> object:
        def hear(event: CheckEvent) -> None:
            heard[vs].append(event.transition)
            if all(len(v) == 2 for v in heard.values()):
                done.set()

        return hear

    async def main() -> None:
        scheduler = CheckScheduler(rng=random.Random(1))
        for vs in heard:  # three virtual servers name the same real server with the same check
            scheduler.subscribe(Check(ScriptedProbe("rs1"), FAST), listener(vs))  # type: ignore[arg-type]
        assert scheduler.checks == 1
        await run_until(scheduler, done)

    asyncio.run(main())
    assert heard == {vs: [Transition.DOWN, Transition.UP] for vs in heard}
    # one probe per round, not one per virtual server: 3 scripted results reached 3 listeners
    assert 3 <= RUNS["rs1"] < 3 * 3


def test_different_schedules_are_different_checks() -> None:
    scheduler = CheckScheduler()
    scheduler.subscribe(Check(ScriptedProbe("a"), FAST), lambda e: None)
    scheduler.subscribe(Check(ScriptedProbe("a"), Schedule(delay_loop=1)), lambda e: None)
    scheduler.subscribe(Check(ScriptedProbe("b"), FAST), lambda e: None)
    assert scheduler.checks == 3


def test_last_unsubscribe_retires_the_check() -> None:
    scheduler = CheckScheduler()
    check = Check(ScriptedProbe("a"), FAST)
    first = scheduler.subscribe(check, lambda e: None)
    second = scheduler.subscribe(check, lambda e: None)
    scheduler.unsubscribe(first)
    assert scheduler.checks == 1
    scheduler.unsubscribe(second)
    assert scheduler.checks == 0


def test_first_runs_are_spread_over_warmup_by_the_injected_rng() -> None:
    def dues(seed: int) -> list[float]:
        clock = iter([100.0] * 1000).__next__
        scheduler = CheckScheduler(rng=random.Random(seed), clock=clock)
        checks = [Check(ScriptedProbe(f"rs{i}"), Schedule(delay_loop=6)) for i in range(50)]
        for check in checks:
            scheduler.subscribe(check, lambda e: None)
        return [scheduler.next_due(c) for c in checks]

    first = dues(7)
    assert first == dues(7) != dues(8)
    assert all(100.0 <= due <= 106.0 for due in first)
    assert len(set(first)) == 50


def test_a_hanging_probe_is_cancelled_at_its_deadline_and_counts_as_failed() -> None:
    events: list[CheckEvent] = []
    done = asyncio.Event()

    def hear(event: CheckEvent) -> None:
        events.append(event)
        done.set()

    async def main() -> CheckScheduler:
        scheduler = CheckScheduler()
        scheduler.subscribe(Check(ScriptedProbe("h", hang=True, deadline=0.05), FAST), hear)
        await run_until(scheduler, done)
        return scheduler

    scheduler = asyncio.run(main())
    assert events[0].transition is Transition.DOWN
    assert "deadline" in events[0].result.reason
    assert scheduler.overruns >= 1


def test_a_probe_that_raises_is_a_logged_failure_and_the_schedule_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    done = asyncio.Event()
    seen: list[CheckEvent] = []

    def broken_listener(event: CheckEvent) -> None:
        raise ValueError("listener bug")

    def hear(event: CheckEvent) -> None:
        seen.append(event)
        done.set()

    async def main() -> None:
        scheduler = CheckScheduler()
        check = Check(ScriptedProbe("x", explode=True), FAST)
        scheduler.subscribe(check, broken_listener)
        scheduler.subscribe(check, hear)
        await run_until(scheduler, done)

    with caplog.at_level(logging.ERROR, logger="pyipvs.check"):
        asyncio.run(main())
    assert seen[0].result.reason == "probe error: RuntimeError"
    assert "probe raised" in caplog.text and "listener failed" in caplog.text


def test_lateness_is_measured_for_every_run() -> None:
    done = asyncio.Event()

    async def main() -> dict[str, float]:
        scheduler = CheckScheduler()
        for i in range(20):
            scheduler.subscribe(Check(ScriptedProbe(f"l{i}"), FAST), lambda e: None)

        async def stop_later() -> None:
            while scheduler.runs < 200:
                await asyncio.sleep(0.01)
            done.set()

        stopper = asyncio.ensure_future(stop_later())
        await run_until(scheduler, done)
        await stopper
        return scheduler.stats()

    stats = asyncio.run(main())
    assert stats["runs"] >= 200 and stats["checks"] == 20
    assert 0.0 <= stats["lateness_p50"] <= stats["lateness_p99"] <= stats["lateness_max"]
    assert stats["stalls"] == 0.0


def test_watchdog_reports_a_stalled_loop_once_per_stall(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    watchdog = Watchdog(lambda: now[0], interval=0.5, stall_after=2.0)
    with caplog.at_level(logging.ERROR, logger="pyipvs.check"):
        now[0] = 1.0
        assert not watchdog.look()
        now[0] = 3.0
        assert watchdog.look() and watchdog.look()
        assert watchdog.stalls == 1
        watchdog.last_beat = 3.0  # the loop beats again
        assert not watchdog.look()
        now[0] = 9.0
        assert watchdog.look()
    assert watchdog.stalls == 2
    assert caplog.text.count("stalled") == 2


def test_watchdog_thread_notices_a_blocked_event_loop(caplog: pytest.LogCaptureFixture) -> None:
    import time

    async def main() -> CheckScheduler:
        scheduler = CheckScheduler(watchdog_interval=0.05, stall_after=0.1)
        task = asyncio.ensure_future(scheduler.run())
        await asyncio.sleep(0.2)
        time.sleep(1.0)  # a blocking call on the loop: exactly what must not pass silently
        await asyncio.sleep(0.1)
        scheduler.stop()
        await task
        return scheduler

    with caplog.at_level(logging.WARNING, logger="pyipvs.check"):
        scheduler = asyncio.run(main())
    assert scheduler.watchdog.stalls >= 1
    assert "stalled" in caplog.text
