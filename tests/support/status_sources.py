# SPDX-License-Identifier: Apache-2.0
"""Sections built from real objects, for the status, view and metrics tests.

:func:`checker_up_then_down` runs a real CheckerProcess whose TCP_CHECK probes a real TCP
server on 127.0.0.1 and snapshots it while the server is up and after it went away. The
process's health side runs (subscriptions, scheduler, listeners); its IPVS side is the kernel
tier's, so the table handle here refuses use.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import Any

from pyipvs.check import CheckScheduler
from pyipvs.config import parse_config
from pyipvs.daemon.check.from_config import services_from_config
from pyipvs.daemon.check.process import CheckerProcess
from pyipvs.daemon.state.checker import checker_section

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


def checker_up_then_down() -> tuple[int, dict[str, Any], dict[str, Any]]:
    """``(port, section while up, section after the server closed)``."""
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
    return port, up, down
