# SPDX-License-Identifier: Apache-2.0
"""The TCP_CHECK callback path (:mod:`pyipvs.check.tcp_batch`) in a fresh namespace: success,
refusal, and a timeout on an address nobody answers for, by the C connects and by the Python
sockets of targets with a source address; also through the scheduler, which takes that path
for every TcpProbe."""

from __future__ import annotations

import asyncio
import random
import socket
import subprocess

from check_servers import in_netns

from pyipvs.check import Check, CheckEvent, CheckScheduler, ProbeResult, Schedule, Target, TcpProbe
from pyipvs.check.tcp_batch import TcpConnector

LO = "127.0.0.1"


def swallowing_route(netns: str) -> str:
    """10.9.0.0/24 on a veth pair: nobody answers for 10.9.0.2, the connect never completes
    within the checks' timeout (the kernel gives up on ARP only after seconds)."""
    for command in (
        ["ip", "-n", netns, "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
        ["ip", "-n", netns, "addr", "add", "10.9.0.1/24", "dev", "v0"],
        ["ip", "-n", netns, "link", "set", "v0", "up"],
        ["ip", "-n", netns, "link", "set", "v1", "up"],
    ):
        subprocess.run(command, check=True)
    return "10.9.0.2"


def test_connector_success_refusal_timeout(netns: str) -> None:
    silent = swallowing_route(netns)

    def body() -> dict[str, ProbeResult]:
        listener = socket.create_server((LO, 0))
        listener6 = socket.create_server(("::1", 0), family=socket.AF_INET6)
        closed = socket.create_server((LO, 0))
        refused_port = closed.getsockname()[1]
        closed.close()

        async def main() -> dict[str, ProbeResult]:
            connector = TcpConnector(asyncio.get_running_loop())
            results: dict[str, ProbeResult] = {}
            finished = asyncio.Event()
            port = listener.getsockname()[1]
            targets = {
                "up": Target(LO, port, connect_timeout=5),
                "up over IPv6": Target("::1", listener6.getsockname()[1], connect_timeout=5),
                # a source address: a Python socket in the same epoll set as the C connects
                "up from a source": Target(LO, port, bindto=LO, connect_timeout=5),
                "refused from a source": Target(LO, refused_port, bindto=LO, connect_timeout=5),
                "refused": Target(LO, refused_port, connect_timeout=5),
                "silent": Target(silent, 80, connect_timeout=0.3),
            }

            def record(name: str) -> object:
                def done(result: ProbeResult) -> None:
                    results[name] = result
                    if len(results) == len(targets):
                        finished.set()

                return done

            for name, target in targets.items():
                TcpProbe(target).start(connector, record(name))  # type: ignore[arg-type]
            await asyncio.wait_for(finished.wait(), 10)
            assert connector.in_flight == 0
            connector.close()
            return results

        try:
            return asyncio.run(main())
        finally:
            listener.close()
            listener6.close()

    results = in_netns(netns, body)
    assert results["up"].ok and results["up"].reason == "connected"
    assert results["up over IPv6"].ok
    assert results["up from a source"].ok
    assert results["refused from a source"].reason == "connection refused"
    assert not results["refused"].ok and results["refused"].reason == "connection refused"
    assert not results["silent"].ok and results["silent"].reason == "timeout"


def test_scheduler_takes_the_callback_path_and_counts_transitions(netns: str) -> None:
    def body() -> tuple[list[bool], int]:
        listener = socket.create_server((LO, 0))
        port = listener.getsockname()[1]

        async def main() -> tuple[list[bool], int]:
            scheduler = CheckScheduler(rng=random.Random(7))
            events: list[bool] = []
            check = Check(TcpProbe(Target(LO, port, connect_timeout=2)), Schedule(0.05, 0, 0.05))

            def hear(event: CheckEvent) -> None:
                events.append(event.up)

            scheduler.subscribe(check, hear)
            task = asyncio.ensure_future(scheduler.run())
            while scheduler.runs < 3:
                await asyncio.sleep(0.02)
            listener.close()  # now refused: down at the next run (retry 0)
            while not events:
                await asyncio.sleep(0.02)
            scheduler.stop()
            await task
            return events, scheduler.runs

        return asyncio.run(main())

    events, runs = in_netns(netns, body)
    assert events == [False] and runs >= 4
