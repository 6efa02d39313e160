# SPDX-License-Identifier: Apache-2.0
"""The scheduler against a real HTTP server: a check named by several virtual servers hits
the server once per round, and a server that goes away is seen down by every subscriber."""

from __future__ import annotations

import asyncio
import random

from check_servers import PageServer, in_netns, serving

from pyipvs.check import (
    Check,
    CheckEvent,
    CheckScheduler,
    HttpProbe,
    HttpUrl,
    Schedule,
    Target,
    Transition,
)


def test_shared_http_check_hits_the_server_once_per_round(netns: str) -> None:
    def body() -> tuple[list[tuple[str, Transition | None]], int, int]:
        server = PageServer(("127.0.0.1", 0))
        heard: list[tuple[str, Transition | None]] = []
        with serving(server) as port:
            probe = HttpProbe(Target("127.0.0.1", port, connect_timeout=2), (HttpUrl("/"),))
            check = Check(probe, Schedule(delay_loop=0.02, retry=0, warmup=0.0))

            async def main() -> int:
                scheduler = CheckScheduler(rng=random.Random(3))
                for vs in ("vs-a", "vs-b", "vs-c", "vs-d"):
                    scheduler.subscribe(check, lambda e, vs=vs: heard.append((vs, e.transition)))
                task = asyncio.ensure_future(scheduler.run())
                while scheduler.runs < 10:
                    await asyncio.sleep(0.01)
                scheduler.stop()
                await task
                return scheduler.runs

            runs = asyncio.run(main())
        return heard, runs, len(server.requests)

    heard, runs, requests = in_netns(netns, body)
    assert heard == []  # it stayed up: no transition to report
    # one GET per round for four subscribers (a round in flight at stop may not be counted)
    assert runs <= requests <= runs + 1


def test_every_subscriber_hears_a_real_server_going_down(netns: str) -> None:
    def body() -> list[CheckEvent]:
        server = PageServer(("127.0.0.1", 0))
        events: list[CheckEvent] = []
        with serving(server) as port:
            pass  # the server is gone once serving() returns
        probe = HttpProbe(Target("127.0.0.1", port, connect_timeout=2), (HttpUrl("/"),))
        check = Check(probe, Schedule(delay_loop=0.02, retry=1, delay_before_retry=0.01))

        async def main() -> None:
            scheduler = CheckScheduler()
            scheduler.subscribe(check, events.append)
            scheduler.subscribe(check, events.append)
            task = asyncio.ensure_future(scheduler.run())
            while len(events) < 2:
                await asyncio.sleep(0.01)
            scheduler.stop()
            await task

        asyncio.run(main())
        return events

    events = in_netns(netns, body)
    assert [e.transition for e in events] == [Transition.DOWN, Transition.DOWN]
    assert events[0].result.reason == "connection refused"
