# SPDX-License-Identifier: Apache-2.0
"""Out of descriptors is this host's problem, not the real servers': TCP checks that cannot
open a socket wait for one instead of failing healthy servers (a 10,000-server benchmark in a
guest limited to 4,096 descriptors failed thousands of them that way)."""

from __future__ import annotations

import asyncio
import os
import random
import resource
import socket

from check_servers import in_netns

from pyipvs.check import Check, CheckEvent, CheckScheduler, Schedule, Target, TcpProbe
from pyipvs.check.tcp_batch import FD_RESERVE, descriptor_budget

SERVERS = 60


def _open_count() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_the_connect_bound_follows_the_descriptor_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (_open_count() + FD_RESERVE + 50, hard))
        assert 40 <= descriptor_budget() <= 50
        resource.setrlimit(resource.RLIMIT_NOFILE, (_open_count() + 10, hard))
        assert descriptor_budget() == 1  # never 0: one check at a time still runs
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_checks_without_a_descriptor_wait_and_no_server_goes_down(netns: str) -> None:
    def body() -> tuple[list[CheckEvent], dict[str, float], int]:
        listener = socket.create_server(("0.0.0.0", 0), backlog=SERVERS * 4)
        port = listener.getsockname()[1]
        fillers: list[int] = []
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)

        async def main() -> tuple[list[CheckEvent], dict[str, float], int]:
            scheduler = CheckScheduler(rng=random.Random(3))
            events: list[CheckEvent] = []
            schedule = Schedule(delay_loop=0.05, retry=0, delay_before_retry=0.05, warmup=0.05)
            for i in range(SERVERS):  # 60 real servers: 127.0.0.1-60, one listener for all
                target = Target(f"127.0.0.{1 + i}", port, connect_timeout=2)
                scheduler.subscribe(Check(TcpProbe(target), schedule), events.append)
            task = asyncio.ensure_future(scheduler.run())
            while scheduler.runs < SERVERS:
                await asyncio.sleep(0.02)
            # every descriptor but two taken: most connects cannot even get a socket now
            while True:
                try:
                    fillers.append(os.open("/dev/null", os.O_RDONLY))
                except OSError:
                    break
            for _ in range(2):
                os.close(fillers.pop())
            while scheduler.deferred == 0:
                await asyncio.sleep(0.02)
            runs = scheduler.runs
            while scheduler.runs < runs + SERVERS:  # they go on, two at a time
                await asyncio.sleep(0.02)
            for fd in fillers:
                os.close(fd)
            fillers.clear()
            scheduler.stop()
            await task
            return events, scheduler.stats(), scheduler.runs - runs

        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (_open_count() + FD_RESERVE + 500, hard))
            return asyncio.run(main())
        finally:
            for fd in fillers:
                os.close(fd)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
            listener.close()

    events, stats, runs_while_short = in_netns(netns, body)
    assert stats["deferred"] > 0
    assert runs_while_short >= SERVERS
    assert [e for e in events if not e.up] == []  # not one healthy server reported down
