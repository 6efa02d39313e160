# SPDX-License-Identifier: Apache-2.0
"""The ``checkers`` section from a real CheckerProcess whose TCP_CHECK probes a real local TCP
server: up with its latency, then down (a flap) when the server goes away.

The process's health side runs (subscriptions, the scheduler, the listeners); its IPVS side
is the kernel tier's (tests/kernel/test_status_ipvs.py), so the table handle here refuses use.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from typing import Any

from pyipvs.check import CheckScheduler
from pyipvs.check.latency import LatencyHistogram
from pyipvs.config import parse_config
from pyipvs.daemon.check_process import CheckerProcess
from pyipvs.daemon.checkers_from_config import services_from_config
from pyipvs.daemon.status_check import checker_section

PATIENCE = 20.0  # seconds a change may take to show; never a timing assertion

CONFIG = """
virtual_server 10.0.0.5 80 {{
    delay_loop 0.1
    lb_algo wlc
    lb_kind NAT
    protocol TCP
    sorry_server 127.0.0.9 80
    real_server 127.0.0.1 {port} {{
        weight 20
        TCP_CHECK {{
            connect_timeout 2
            retry 0
        }}
    }}
}}
"""


class NoKernel:
    """IPVS is not under test here: any use is a test bug."""

    def services(self) -> list[Any]:
        raise AssertionError("the unit tier has no ip_vs")

    real_servers = apply = services


async def _until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not check() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


def test_a_checked_real_server_up_then_down() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    specs = services_from_config(parse_config(CONFIG.format(port=port)).config)

    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        scheduler = CheckScheduler(watchdog_interval=0.2)
        process = CheckerProcess(specs, NoKernel(), scheduler)  # type: ignore[arg-type]
        process.subscribe()
        runner = asyncio.ensure_future(scheduler.run())
        first_check = specs[0].members[0].checks[0]
        try:
            await _until(lambda: scheduler.state(first_check).latency is not None)
            up = checker_section(process)
            listener.close()
            await _until(lambda: not scheduler.state(first_check).up)
            return up, checker_section(process)
        finally:
            scheduler.stop()
            await runner

    up, down = asyncio.run(scenario())
    json.dumps(up, allow_nan=False)
    vs = up["virtual_servers"][0]
    assert vs["name"] == "[10.0.0.5]:tcp:80"
    assert vs["service"]["scheduler"] == "wlc" and vs["service"]["port"] == 80
    assert vs["sorry_server"] == {"address": "127.0.0.9", "port": 80}
    rs = vs["real_servers"][0]
    assert (rs["address"], rs["port"], rs["configured_weight"]) == ("127.0.0.1", port, 20)
    assert rs["up"] is True and rs["programmed_weight"] is None  # nothing synced here
    checker = rs["checkers"][0]
    assert checker["type"] == "TCP_CHECK"
    assert checker["target"] == f"[127.0.0.1]:tcp:{port}"
    assert checker["up"] is True and checker["flaps"] == 0
    assert checker["last_result"]["ok"] is True
    assert 0.0 <= checker["latency"] < PATIENCE
    assert up["latency"]["TCP_CHECK"]["count"] >= 1
    assert up["latency"]["TCP_CHECK"]["buckets"][-1] == [
        "+Inf",
        up["latency"]["TCP_CHECK"]["count"],
    ]
    assert up["loop"]["runs"] >= 1 and "lateness_p99" in up["loop"]

    rs = down["virtual_servers"][0]["real_servers"][0]
    assert rs["up"] is False
    assert rs["checkers"][0]["flaps"] == 1
    assert rs["checkers"][0]["last_result"]["ok"] is False


def test_the_latency_histogram_counts_at_or_under_each_bound() -> None:
    histogram = LatencyHistogram()
    for seconds in (0.0002, 0.001, 0.003, 30.0):
        histogram.add(seconds)
    buckets = dict(histogram.cumulative())
    assert buckets[0.0005] == 1
    assert buckets[0.001] == 2  # a run of exactly the bound counts in it
    assert buckets[0.005] == 3 and buckets[10.0] == 3
    assert buckets[float("inf")] == histogram.count == 4
    assert histogram.sum == 0.0002 + 0.001 + 0.003 + 30.0
