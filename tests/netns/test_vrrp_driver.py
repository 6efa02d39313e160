# SPDX-License-Identifier: Apache-2.0
"""The asyncio driver between network namespaces: two routers and a client on one bridge.

Each router is a VrrpDriver in its own namespace (a subprocess running RUNNER); the bridge lives
in a fourth namespace. The tests check the elected master, where the virtual address really
is (``ip addr``), and that the client's ARP cache follows the gratuitous ARPs.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
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
POKE = (
    "import socket, sys; a = sys.argv[1]; "
    "socket.socket(10 if ':' in a else 2, 2).sendto(b'x', (a, 9))"
)
VIP = "10.77.0.5"
VIP6 = "2001:db8:77::5"
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


def _add_port(lan_bridge: str, ns: str, port: str, host: int) -> None:
    sh("ip", "-n", lan_bridge, "link", "add", port, "type", "veth", "peer", "name", "eth0",
       "netns", ns)  # fmt: skip
    sh("ip", "-n", lan_bridge, "link", "set", port, "master", "br0", "up")
    sh("ip", "-n", ns, "addr", "add", f"10.77.0.{host}/24", "dev", "eth0")
    # Fixed link-local and global addresses without DAD: usable at once.
    sh("ip", "-n", ns, "addr", "add", f"fe80::{host}/64", "dev", "eth0", "nodad")
    sh("ip", "-n", ns, "addr", "add", f"2001:db8:77::{host}/64", "dev", "eth0", "nodad")
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
            # No DAD: the kernel's own EUI-64 link-local would stay tentative for a while and
            # keepalived's IPv6 sends fail with EINVAL until it is not.
            for scope in ("all", "default"):
                sh("ip", "netns", "exec", name, "sysctl", "-qw",
                   f"net.ipv6.conf.{scope}.accept_dad=0")  # fmt: skip
        sh("ip", "-n", bridge, "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", bridge, "link", "set", "br0", "up")
        _add_port(bridge, client, "pcl", 10)
        _add_port(bridge, routers["lb1"], "p1", 2)
        _add_port(bridge, routers["lb2"], "p2", 3)
        yield Lan(tag, bridge, client, routers)
    finally:
        for name in names:
            subprocess.run(["ip", "netns", "delete", name], check=False)


class Lines:
    """A subprocess's output lines, read by a thread so that waits can give up (no hang)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def until(self, predicate: Callable[[str], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not any(predicate(line) for line in self.seen):
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"gave up waiting for {what}: {self.seen[-20:]}") from None
            if line is None:
                raise AssertionError(f"exited before {what}: {self.seen[-20:]}")
            self.seen.append(line)

    def rest(self, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return self.seen
            if line is None:
                return self.seen
            self.seen.append(line)


class Router:
    def __init__(
        self, lan: Lan, name: str, config: dict[str, object], peers: tuple[str, ...] = ()
    ) -> None:
        spec = {"config": config, "interface": "eth0", "peers": list(peers)}
        command = ["ip", "netns", "exec", lan.ns(name), sys.executable, "-c", RUNNER,
                   json.dumps(spec)]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.lines = Lines(self.process)
        self.report: dict[str, object] = {}

    def wait_for(self, state: str) -> None:
        """Waits for *state* among the changes since the last :meth:`forget`."""
        self.lines.until(lambda line: line == f"STATE {state}", state)

    def forget(self) -> None:
        self.lines.seen.clear()

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=WAIT)
        for line in self.lines.rest(WAIT):
            if line.startswith("REPORT "):
                self.report = json.loads(line[len("REPORT ") :])

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=WAIT)


def config(address: str, priority: int, version: int) -> dict[str, object]:
    v6 = ":" in address
    return {
        "vrid": 77,
        "priority": priority,
        "addresses": [VIP6 if v6 else VIP],
        "primary_address": address,
        "version": version,
        "advert_interval": 1.0 if version == 2 else 0.1,
    }


def has_vip(ns: str, vip: str = VIP) -> bool:
    family, prefix = ("-6", 128) if ":" in vip else ("-4", 32)
    return f" {vip}/{prefix} " in sh("ip", "-n", ns, family, "addr", "show", "dev", "eth0")


def mac(ns: str) -> str:
    return json.loads(sh("ip", "-j", "-n", ns, "link", "show", "eth0"))[0]["address"]


def client_sees(lan: Lan, router: str, vip: str = VIP) -> None:
    """Waits until the client's ARP / ND entry for *vip* is *router*'s MAC (then returns)."""
    expected = mac(lan.ns(router))
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        # Traffic to the VIP makes the client resolve it (there is no ping on the test host);
        # afterwards gratuitous ARPs update the entry.
        sh("ip", "netns", "exec", lan.client, sys.executable, "-c", POKE, vip)
        entry = sh("ip", "-n", lan.client, "neigh", "show", vip, "dev", "eth0")
        if f"lladdr {expected}" in entry:
            return
        time.sleep(0.05)
    raise AssertionError(f"client neighbour entry never pointed at {router}: {entry!r}")


def wait_until(predicate: object, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError(f"never happened: {what}")


CASES = [
    pytest.param(2, 4, False, id="v2-ipv4-multicast"),
    pytest.param(3, 4, False, id="v3-ipv4-multicast"),
    pytest.param(3, 6, False, id="v3-ipv6-multicast"),
    pytest.param(3, 4, True, id="v3-ipv4-unicast"),
    pytest.param(3, 6, True, id="v3-ipv6-unicast"),
]


@pytest.mark.parametrize(("version", "family", "unicast"), CASES)
def test_election_failover_preemption_and_graceful_stop(
    lan: Lan, version: int, family: int, unicast: bool
) -> None:
    one, two = ("fe80::2", "fe80::3") if family == 6 else ("10.77.0.2", "10.77.0.3")
    vip = VIP6 if family == 6 else VIP
    peers_of = {"lb1": (two,) if unicast else (), "lb2": (one,) if unicast else ()}

    def start(name: str, address: str, priority: int) -> Router:
        return Router(lan, name, config(address, priority, version), peers_of[name])

    lb1, lb2 = start("lb1", one, 150), start("lb2", two, 100)
    try:
        lb1.wait_for("MASTER")
        lb2.wait_for("BACKUP")
        wait_until(lambda: has_vip(lan.ns("lb1"), vip), "VIP on lb1")
        assert not has_vip(lan.ns("lb2"), vip)
        client_sees(lan, "lb1", vip)

        # The master dies without a word: lb2 takes over after Master_Down_Interval.
        lb1.kill()
        lb2.wait_for("MASTER")
        wait_until(lambda: has_vip(lan.ns("lb2"), vip), "VIP on lb2")
        client_sees(lan, "lb2", vip)

        # lb1 comes back with a higher priority and preempts; lb2 gives the VIP up.
        lb1 = start("lb1", one, 150)
        lb1.wait_for("MASTER")
        lb2.forget()
        lb2.wait_for("BACKUP")
        wait_until(lambda: not has_vip(lan.ns("lb2"), vip), "VIP removed from lb2")
        client_sees(lan, "lb1", vip)

        # Graceful stop: priority 0, VIP removed, lb2 master again.
        lb1.terminate()
        assert not has_vip(lan.ns("lb1"), vip)
        lb2.forget()
        lb2.wait_for("MASTER")
        wait_until(lambda: has_vip(lan.ns("lb2"), vip), "VIP on lb2 again")
        client_sees(lan, "lb2", vip)
        assert lb1.report["codec_drops"] == {}
        # While preempting, lb1 discarded lb2's lower-priority adverts (RFC 5798 6.4.2).
        assert set(lb1.report["drops"]) <= {"lower_priority"}  # type: ignore[arg-type]
    finally:
        for router in (lb1, lb2):
            if router.process.poll() is None:
                router.terminate()
    assert lb2.report["codec_drops"] == {}
    assert lb2.report["sent"] > 0
