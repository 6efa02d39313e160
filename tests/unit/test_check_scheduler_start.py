# SPDX-License-Identifier: Apache-2.0
"""The first runs are spread from when the scheduler starts, not from when the checks were
subscribed: a start that takes seconds (the first IPVS sync of 10,000 real servers) must not
make every check due at once."""

from __future__ import annotations

import asyncio
import random

from pyipvs.check import Check, CheckScheduler, ProbeResult, Schedule


class IdleProbe:
    kind = "IDLE"

    async def run(self) -> ProbeResult:
        return ProbeResult(True)


def test_first_runs_keep_their_spread_from_the_start_of_run() -> None:
    now = [100.0]
    scheduler = CheckScheduler(rng=random.Random(5), clock=lambda: now[0])
    # distinct probes (compared by identity): 20 checks
    checks = [Check(IdleProbe(), Schedule(delay_loop=6)) for _ in range(20)]
    for check in checks:
        scheduler.subscribe(check, lambda e: None)
    before = [scheduler.next_due(c) for c in checks]
    now[0] = 150.0  # the start took 50 s

    async def main() -> list[float]:
        task = asyncio.ensure_future(scheduler.run())
        for _ in range(3):
            await asyncio.sleep(0)
        after = [scheduler.next_due(c) for c in checks]
        scheduler.stop()
        await task
        return after

    after = asyncio.run(main())
    assert all(100.0 <= due <= 106.0 for due in before)
    assert [round(a - b, 6) for a, b in zip(after, before, strict=True)] == [50.0] * 20
