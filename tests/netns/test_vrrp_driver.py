# SPDX-License-Identifier: Apache-2.0
"""The asyncio driver between network namespaces: two routers and a client on one bridge.

Each router is a VrrpDriver in its own namespace (a subprocess running RUNNER); the bridge lives
in a fourth namespace. The tests check the elected master, where the virtual address really
is (``ip addr``), and that the client's ARP cache follows the gratuitous ARPs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

RUNNER = """
import asyncio, json, signal, sys
from pyipvs.vrrp import VrrpConfig, VrrpInstance
from pyipvs.vrrp.driver import VrrpDriver

spec = json.loads(sys.argv[1])

async def main():
    instance = VrrpInstance(VrrpConfig(**spec["config"]))
    driver = VrrpDriver(instance, spec["interface"], unicast_peers=spec.get("peers", ()))
    driver.subscribe(lambda change: print("STATE", change.new, flush=True))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await driver.start()
    await stop.wait()
    await driver.stop()
    report = {"sent": instance.counters.adverts_sent, "codec_drops": driver.codec_drops,
              "drops": instance.counters.drops, "wakeups": driver.lateness.wakeups}
    print("REPORT", json.dumps(report), flush=True)

asyncio.run(main())
"""
POKE = "import socket, sys; socket.socket(2, 2).sendto(b'x', (sys.argv[1], 9))"
VIP = "10.77.0.5"
WAIT = 30.0  # generous upper bound for waits (never asserted as a timing)


@dataclass
class Lan:
    tag: str
    bridge: str
    client: str
    routers: dict[str, str]  # name -> namespace

    def ns(self, name: str) -> str:
        return self.routers[name]


def sh(*args: str, check: bool = True) -> str:
    return subprocess.run(args, check=check, capture_output=True, text=True).stdout


def _add_port(lan_bridge: str, ns: str, port: str, address: str) -> None:
    sh("ip", "-n", lan_bridge, "link", "add", port, "type", "veth", "peer", "name", "eth0",
       "netns", ns)  # fmt: skip
    sh("ip", "-n", lan_bridge, "link", "set", port, "master", "br0", "up")
    sh("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
    sh("ip", "-n", ns, "link", "set", "eth0", "up")
    sh("ip", "-n", ns, "link", "set", "lo", "up")


@pytest.fixture
def lan(root: None) -> Iterator[Lan]:
    tag = f"{os.getpid()}{uuid.uuid4().hex[:4]}"
    bridge, client = f"vrbr{tag}", f"vrcl{tag}"
    routers = {"lb1": f"vrl1{tag}", "lb2": f"vrl2{tag}"}
    names = [bridge, client, *routers.values()]
    try:
        for name in names:
            sh("ip", "netns", "add", name)
        sh("ip", "-n", bridge, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", bridge, "link", "set", "br0", "up")
        _add_port(bridge, client, "pcl", "10.77.0.10")
        _add_port(bridge, routers["lb1"], "p1", "10.77.0.2")
        _add_port(bridge, routers["lb2"], "p2", "10.77.0.3")
        yield Lan(tag, bridge, client, routers)
    finally:
        for name in names:
            subprocess.run(["ip", "netns", "delete", name], check=False)


class Router:
    def __init__(self, lan: Lan, name: str, config: dict[str, object]) -> None:
        spec = {"config": config, "interface": "eth0"}
        command = ["ip", "netns", "exec", lan.ns(name), sys.executable, "-c", RUNNER,
                   json.dumps(spec)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.states: list[str] = []
        self.report: dict[str, object] = {}

    def wait_for(self, state: str) -> None:
        assert self.process.stdout is not None
        while state not in self.states:
            line = self.process.stdout.readline()
            assert line, f"router exited before reaching {state}: {self.states}"
            if line.startswith("STATE "):
                self.states.append(line.split()[1])

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=WAIT)
        for line in out.splitlines():
            if line.startswith("STATE "):
                self.states.append(line.split()[1])
            elif line.startswith("REPORT "):
                self.report = json.loads(line[len("REPORT ") :])

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=WAIT)


def config(address: str, priority: int, version: int) -> dict[str, object]:
    return {
        "vrid": 77,
        "priority": priority,
        "addresses": [VIP],
        "primary_address": address,
        "version": version,
        "advert_interval": 1.0 if version == 2 else 0.1,
    }


def has_vip(ns: str) -> bool:
    return f"inet {VIP}/32" in sh("ip", "-n", ns, "-4", "addr", "show", "dev", "eth0")


def mac(ns: str) -> str:
    return json.loads(sh("ip", "-j", "-n", ns, "link", "show", "eth0"))[0]["address"]


def client_sees(lan: Lan, router: str) -> None:
    """Waits until the client's ARP entry for the VIP is *router*'s MAC (then returns)."""
    expected = mac(lan.ns(router))
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        # Traffic to the VIP makes the client resolve it (there is no ping on the test host);
        # afterwards gratuitous ARPs update the entry.
        sh("ip", "netns", "exec", lan.client, sys.executable, "-c", POKE, VIP)
        entry = sh("ip", "-n", lan.client, "neigh", "show", VIP, "dev", "eth0")
        if f"lladdr {expected}" in entry:
            return
        time.sleep(0.05)
    raise AssertionError(f"client ARP entry never pointed at {router}: {entry!r}")


def wait_until(predicate: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


@pytest.mark.parametrize("version", [2, 3])
def test_election_failover_preemption_and_graceful_stop(lan: Lan, version: int) -> None:
    lb1 = Router(lan, "lb1", config("10.77.0.2", 150, version))
    lb2 = Router(lan, "lb2", config("10.77.0.3", 100, version))
    try:
        lb1.wait_for("MASTER")
        lb2.wait_for("BACKUP")
        wait_until(lambda: has_vip(lan.ns("lb1")), "VIP on lb1")
        assert not has_vip(lan.ns("lb2"))
        client_sees(lan, "lb1")

        # The master dies without a word: lb2 takes over after Master_Down_Interval.
        lb1.kill()
        lb2.wait_for("MASTER")
        wait_until(lambda: has_vip(lan.ns("lb2")), "VIP on lb2")
        client_sees(lan, "lb2")

        # lb1 comes back with a higher priority and preempts; lb2 gives the VIP up.
        lb1 = Router(lan, "lb1", config("10.77.0.2", 150, version))
        lb1.wait_for("MASTER")
        lb2.states.clear()
        lb2.wait_for("BACKUP")
        wait_until(lambda: not has_vip(lan.ns("lb2")), "VIP removed from lb2")
        client_sees(lan, "lb1")

        # Graceful stop: priority 0, VIP removed, lb2 master again.
        lb1.terminate()
        assert not has_vip(lan.ns("lb1"))
        lb2.states.clear()
        lb2.wait_for("MASTER")
        wait_until(lambda: has_vip(lan.ns("lb2")), "VIP on lb2 again")
        client_sees(lan, "lb2")
        assert lb1.report["codec_drops"] == {}
        # While preempting, lb1 discarded lb2's lower-priority adverts (RFC 5798 6.4.2).
        assert set(lb1.report["drops"]) <= {"lower_priority"}  # type: ignore[arg-type]
    finally:
        for router in (lb1, lb2):
            if router.process.poll() is None:
                router.terminate()
    assert lb2.report["codec_drops"] == {}
    assert lb2.report["sent"] > 0
