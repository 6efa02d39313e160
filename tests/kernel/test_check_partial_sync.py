# SPDX-License-Identifier: Apache-2.0
"""A verdict syncs only its own virtual server (one service dump, one destination dump), and
the periodic resync still restores what was deleted behind our back elsewhere (keepalived
#1877), against a real ip_vs table in a fresh namespace."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Sequence

from check_servers import in_netns

from pyipvs import Ipvs, RealServer, VirtualService
from pyipvs.check import CheckScheduler
from pyipvs.config import parse_config
from pyipvs.daemon.check.from_config import services_from_config
from pyipvs.daemon.check.process import CheckerProcess
from pyipvs.ipvs import ops

PATIENCE = 30.0  # seconds a change may take to show; generous, never a timing assertion

CONFIG = """
virtual_server 10.0.0.5 80 {{
    delay_loop 0.2
    lb_algo rr
    protocol TCP
    real_server 127.0.0.2 {a} {{
        TCP_CHECK {{
            connect_timeout 3
            retry 0
        }}
    }}
}}
virtual_server 10.0.0.6 80 {{
    delay_loop 0.2
    lb_algo rr
    protocol TCP
    real_server 127.0.0.3 {b} {{
        TCP_CHECK {{
            connect_timeout 3
            retry 0
        }}
    }}
}}
"""


class ListingCounter:
    """The real handle, counting the destination dumps the process asks for."""

    def __init__(self, ipvs: Ipvs) -> None:
        self.ipvs = ipvs
        self.dumps: list[str] = []

    def services(self) -> list[VirtualService]:
        return self.ipvs.services()

    def real_servers(self, vs: VirtualService) -> list[RealServer]:
        self.dumps.append(str(vs.address))
        return self.ipvs.real_servers(vs)

    def apply(self, operations: Sequence[ops.Operation]) -> ops.BatchResults:
        return self.ipvs.apply(operations)


def servers_of(ipvs: Ipvs, address: str) -> list[str]:
    for vs in ipvs.services():
        if str(vs.address) == address:
            return sorted(f"{rs.address}:{rs.port}" for rs in ipvs.real_servers(vs))
    return []


def until(ipvs: Ipvs, address: str, wanted: list[str]) -> list[str]:
    deadline = time.monotonic() + PATIENCE
    while (now := servers_of(ipvs, address)) != wanted and time.monotonic() < deadline:
        time.sleep(0.05)
    return now


def test_a_verdict_syncs_its_service_and_the_resync_restores_the_rest(ipvs_netns: str) -> None:
    seen: dict[str, object] = {}

    def body() -> None:
        a = socket.create_server(("127.0.0.2", 0))
        b = socket.create_server(("127.0.0.3", 0))
        a_port, b_port = a.getsockname()[1], b.getsockname()[1]
        specs = services_from_config(parse_config(CONFIG.format(a=a_port, b=b_port)).config)
        with Ipvs() as handle, Ipvs() as observer:
            counting = ListingCounter(handle)
            # no periodic resync during the test: only verdicts sync, until we ask for one
            process = CheckerProcess(specs, counting, CheckScheduler(), resync_interval=3600)
            loop = asyncio.new_event_loop()
            runner = threading.Thread(target=loop.run_until_complete, args=(process.run(),))
            runner.start()
            try:
                seen["start"] = until(observer, "10.0.0.6", [f"127.0.0.3:{b_port}"])
                observer.delete_real_server(specs[1].service, RealServer("127.0.0.3", b_port))
                counting.dumps.clear()
                a.close()  # A's only server fails: its verdict's sync removes it
                seen["a down"] = until(observer, "10.0.0.5", [])
                seen["dumps"] = list(counting.dumps)
                seen["b meanwhile"] = servers_of(observer, "10.0.0.6")
                loop.call_soon_threadsafe(process.sync)  # the periodic resync, now
                seen["b restored"] = until(observer, "10.0.0.6", [f"127.0.0.3:{b_port}"])
            finally:
                loop.call_soon_threadsafe(process.stop)
                runner.join(PATIENCE)
                loop.close()
                a.close()
                b.close()
        seen["b"] = f"127.0.0.3:{b_port}"

    in_netns(ipvs_netns, body)
    assert seen["start"] == [seen["b"]]
    assert seen["a down"] == []
    assert seen["dumps"] == ["10.0.0.5"]  # the verdict listed its own service only
    assert seen["b meanwhile"] == []  # not repaired by A's sync
    assert seen["b restored"] == [seen["b"]]


def test_a_reload_lists_only_the_virtual_servers_it_changed(ipvs_netns: str) -> None:
    seen: dict[str, object] = {}

    def body() -> None:
        a = socket.create_server(("127.0.0.2", 0))
        b = socket.create_server(("127.0.0.3", 0))
        a_port, b_port = a.getsockname()[1], b.getsockname()[1]
        text = CONFIG.format(a=a_port, b=b_port)
        specs = services_from_config(parse_config(text).config)
        heavier = text.replace(
            f"real_server 127.0.0.2 {a_port} {{",
            f"real_server 127.0.0.2 {a_port} {{\n        weight 5",
        )
        without_b = heavier[: heavier.index("virtual_server 10.0.0.6")]
        with Ipvs() as handle, Ipvs() as observer:
            counting = ListingCounter(handle)
            process = CheckerProcess(specs, counting, CheckScheduler(), resync_interval=3600)
            loop = asyncio.new_event_loop()
            runner = threading.Thread(target=loop.run_until_complete, args=(process.run(),))
            runner.start()

            def reload(config: str) -> None:
                new = services_from_config(parse_config(config).config)
                loop.call_soon_threadsafe(process.reload, new)

            try:
                seen["start"] = until(observer, "10.0.0.6", [f"127.0.0.3:{b_port}"])
                observer.delete_real_server(specs[1].service, RealServer("127.0.0.3", b_port))
                counting.dumps.clear()
                reload(heavier)  # A's weight changes, B is configured as before
                deadline = time.monotonic() + PATIENCE
                while weight_of(observer, "10.0.0.5") != 5 and time.monotonic() < deadline:
                    time.sleep(0.05)
                seen["a weight"] = weight_of(observer, "10.0.0.5")
                seen["dumps after reload"] = list(counting.dumps)
                seen["b meanwhile"] = servers_of(observer, "10.0.0.6")
                counting.dumps.clear()
                reload(without_b)  # B goes: its service is listed to be deleted
                deadline = time.monotonic() + PATIENCE
                while "10.0.0.6" in addresses(observer) and time.monotonic() < deadline:
                    time.sleep(0.05)
                seen["services"] = addresses(observer)
                seen["dumps after dropping b"] = list(counting.dumps)
            finally:
                loop.call_soon_threadsafe(process.stop)
                runner.join(PATIENCE)
                loop.close()
                a.close()
                b.close()

    in_netns(ipvs_netns, body)
    assert seen["a weight"] == 5
    assert seen["dumps after reload"] == ["10.0.0.5"]  # not B, configured as before
    assert seen["b meanwhile"] == []  # B's deleted entry waits for the periodic resync
    assert seen["services"] == ["10.0.0.5"]
    assert seen["dumps after dropping b"] == ["10.0.0.6"]


def weight_of(ipvs: Ipvs, address: str) -> int | None:
    for vs in ipvs.services():
        if str(vs.address) == address:
            return next((rs.weight for rs in ipvs.real_servers(vs)), None)
    return None


def addresses(ipvs: Ipvs) -> list[str]:
    return sorted(str(vs.address) for vs in ipvs.services())
