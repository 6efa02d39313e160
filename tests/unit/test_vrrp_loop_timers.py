# SPDX-License-Identifier: Apache-2.0
"""The driver's timers (timerfds on the loop): each expiry once, never before its deadline,
re-arming and cancelling forget the old deadline, and the loop runs on while one is armed."""

from __future__ import annotations

import asyncio

from pyipvs.vrrp.loop_timers import LoopTimers


async def _collect(arm: list[tuple[str, float]], cancel: tuple[str, ...] = ()) -> list[tuple]:
    loop = asyncio.get_running_loop()
    fired: list[tuple[str, float, float]] = []
    timers = LoopTimers(loop, lambda name, deadline: fired.append((name, deadline, loop.time())))
    for name, delay in arm:
        timers.arm(name, loop.time() + delay)
    for name in cancel:
        timers.cancel(name)
    await asyncio.sleep(0.08)
    timers.close()
    return fired


def test_each_timer_fires_once_and_not_before_its_deadline() -> None:
    fired = asyncio.run(_collect([("advert", 0.01), ("down", 0.02)]))
    assert [name for name, _, _ in fired] == ["advert", "down"]
    assert all(at >= deadline for _, deadline, at in fired)


def test_re_arming_replaces_the_deadline() -> None:
    fired = asyncio.run(_collect([("down", 0.005), ("down", 0.03)]))
    assert len(fired) == 1
    name, deadline, at = fired[0]
    assert name == "down"
    assert at >= deadline  # the second deadline: the first would have fired 25 ms before it


def test_a_cancelled_timer_does_not_fire() -> None:
    fired = asyncio.run(_collect([("advert", 0.01), ("down", 0.01)], cancel=("down",)))
    assert [name for name, _, _ in fired] == ["advert"]


def test_a_past_deadline_fires_at_once() -> None:
    fired = asyncio.run(_collect([("down", -1.0)]))
    assert [name for name, _, _ in fired] == ["down"]


def test_the_loop_runs_other_work_while_a_timer_waits() -> None:
    async def run() -> list[str]:
        loop = asyncio.get_running_loop()
        order: list[str] = []
        timers = LoopTimers(loop, lambda name, _: order.append(name))
        timers.arm("down", loop.time() + 0.03)
        loop.call_soon(order.append, "soon")
        await asyncio.sleep(0.06)
        timers.close()
        return order

    assert asyncio.run(run()) == ["soon", "down"]


def test_armed_lists_what_is_pending() -> None:
    async def run() -> tuple[dict[str, float], dict[str, float]]:
        loop = asyncio.get_running_loop()
        timers = LoopTimers(loop, lambda name, deadline: None)
        deadline = loop.time() + 10
        timers.arm("down", deadline)
        timers.arm("advert", deadline)
        timers.cancel("advert")
        before = timers.armed()
        timers.close()
        return before, {"down": deadline}

    got, want = asyncio.run(run())
    assert got == want
