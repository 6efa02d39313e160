# SPDX-License-Identifier: Apache-2.0
"""Reading a load balancer's VRRP state: pyipvs-keepalived's status socket vs keepalived
2.2.7's JSON signal, measured in the same run.

Both run two VRRP instances (both master) on a veth in a namespace of their own: keepalived
``-P``, and our drivers with ObservedVrrpInstance behind ``vrrp.sock``. One read is, for us,
connect + one JSON document + parse (:func:`read_status`); for keepalived what an exporter does:
send SIGRTMIN+2 to the parent, wait until ``keepalived.json`` holds a complete document, parse.
A read of keepalived's file before it was complete (empty or truncated) is counted and
retried. Root, no
ip_vs needed::

    sudo .venv/bin/python benchmarks/status_read.py [--reads 200] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from where import print_where, take_json_path, write_json

from pyipvs.daemon.state.server import read_status

KEEPALIVED_CONF = """
global_defs {
    router_id bench
}
vrrp_instance VI_1 {
    state MASTER
    interface d0
    virtual_router_id 51
    priority 150
    version 3
    advert_int 1
    virtual_ipaddress {
        10.0.0.5
    }
}
vrrp_instance VI_2 {
    state MASTER
    interface d0
    virtual_router_id 52
    priority 150
    version 3
    advert_int 1
    virtual_ipaddress {
        10.0.1.5
    }
}
"""
OURS = """
import asyncio, signal, sys
from pyipvs.daemon.state.vrrp import ObservedVrrpInstance
from pyipvs.daemon.state.wiring import vrrp_status_server
from pyipvs.vrrp import VrrpConfig
from pyipvs.vrrp.driver import VrrpDriver

async def main():
    instances, drivers = {}, {}
    for name, vrid, vip in (("VI_1", 51, "10.0.0.5"), ("VI_2", 52, "10.0.1.5")):
        config = VrrpConfig(vrid=vrid, priority=150, addresses=(vip,),
                            primary_address="192.0.2.1", version=3)
        instances[name] = ObservedVrrpInstance(config)
        drivers[name] = VrrpDriver(instances[name], "d0")
    server = vrrp_status_server(instances, drivers, sys.argv[1])
    await server.start()
    for driver in drivers.values():
        await driver.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("READY", flush=True)
    await stop.wait()
    for driver in drivers.values():
        await driver.stop()
    await server.close()

asyncio.run(main())
"""
PATIENCE = 30.0


def sh(*args: str) -> None:
    subprocess.run(args, check=True)


@contextlib.contextmanager
def namespace() -> Iterator[str]:
    name = f"pyipvs-bench-{uuid.uuid4().hex[:8]}"
    sh("ip", "netns", "add", name)
    try:
        sh("ip", "-n", name, "link", "set", "lo", "up")
        sh("ip", "-n", name, "link", "add", "d0", "type", "veth", "peer", "name", "d1")
        sh("ip", "-n", name, "link", "set", "d0", "up")
        sh("ip", "-n", name, "link", "set", "d1", "up")
        sh("ip", "-n", name, "addr", "add", "192.0.2.1/24", "dev", "d0")
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"never happened: {what}")
        time.sleep(0.05)


class KeepalivedReader:
    def __init__(self, netns: str, directory: Path) -> None:
        (directory / "k.conf").write_text(KEEPALIVED_CONF)
        self.json = directory / "keepalived.json"
        self.pid_file = directory / "k.pid"
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", netns, "keepalived", "-n", "-l", "-G", "-P",
             "-f", str(directory / "k.conf"), "-p", str(self.pid_file),
             "-r", str(directory / "v.pid")],
            env={**os.environ, "TMPDIR": str(directory)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.signum = signal.SIGRTMIN + 2
        self.torn = 0
        until(lambda: self.pid_file.exists() and self.pid_file.read_text().strip() != "", "pid")
        self.pid = int(self.pid_file.read_text())
        until(lambda: all(vi["data"]["state"] == 2 for vi in self.read()), "keepalived master")

    def read(self) -> list[dict[str, object]]:
        self.json.unlink(missing_ok=True)
        os.kill(self.pid, self.signum)
        deadline = time.monotonic() + PATIENCE
        torn = False
        while time.monotonic() < deadline:
            try:
                data: list[dict[str, object]] = json.loads(self.json.read_bytes())
            except FileNotFoundError:
                continue
            except ValueError:  # caught mid-write: an exporter would have parsed garbage
                torn = True
                continue
            self.torn += torn
            return data
        raise SystemExit("keepalived wrote no keepalived.json")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=PATIENCE)


def timed(reads: int, *readers: Callable[[], object]) -> list[list[float]]:
    """Times each reader *reads* times, taking turns, so a busy moment of the (shared)
    machine hits both alike."""
    samples: list[list[float]] = [[] for _ in readers]
    for _ in range(reads):
        for read, out in zip(readers, samples, strict=True):
            t0 = time.perf_counter()
            read()
            out.append(time.perf_counter() - t0)
    return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[(len(ordered) - 1) * 99 // 100]


def snapshot_costs() -> dict[str, float]:
    """What one status request costs the child's loop: building the document and its JSON,
    for 100 VRRP instances (full lateness windows) and for 2,000 checked real servers."""
    import random

    from pyipvs.check import CheckScheduler
    from pyipvs.config import parse_config
    from pyipvs.daemon.check.from_config import services_from_config
    from pyipvs.daemon.check.process import CheckerProcess
    from pyipvs.daemon.state.checker import checker_section
    from pyipvs.daemon.state.server import StatusServer, document
    from pyipvs.daemon.state.vrrp import ObservedVrrpInstance, vrrp_section
    from pyipvs.vrrp import Startup, VrrpConfig
    from pyipvs.vrrp.driver import VrrpDriver

    rng = random.Random(1)
    instances, drivers = {}, {}
    for i in range(100):
        config = VrrpConfig(
            vrid=i + 1, priority=100, addresses=(f"10.1.{i}.1",), primary_address="192.0.2.1"
        )
        instance = ObservedVrrpInstance(config)
        instance.handle(Startup(), 0.0)
        driver = VrrpDriver(instance, "eth0")
        for _ in range(100_000):
            driver.lateness.record(rng.random() * 0.002)
        instances[f"VI_{i}"], drivers[f"VI_{i}"] = instance, driver
    servers = "".join(
        f"    real_server 10.2.{i // 250}.{i % 250 + 1} 80 {{\n        TCP_CHECK {{\n"
        "            connect_timeout 2\n        }\n    }\n"
        for i in range(2000)
    )
    conf = "virtual_server 10.0.0.5 80 {\n    delay_loop 6\n    lb_algo wlc\n    lb_kind NAT\n"
    specs = services_from_config(parse_config(conf + f"    protocol TCP\n{servers}}}\n").config)
    process = CheckerProcess(specs, None, CheckScheduler())  # type: ignore[arg-type]
    process.subscribe()  # never synced: no kernel needed
    for _ in range(100_000):
        process.scheduler.lateness.add(rng.random() * 0.01)
    costs = {}
    for case, snapshot in (
        ("100 VRRP instances", lambda: document(vrrp=vrrp_section(instances, drivers))),
        ("2,000 real servers", lambda: document(checkers=checker_section(process))),
    ):
        server = StatusServer("/nonexistent", snapshot)
        costs[case] = statistics.median(timed(21, server.encoded)[0]) * 1e3
    return costs


def main() -> int:
    json_path = take_json_path("status_read", os.environ.get("PYIPVS_KERNEL_TIER", "host"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    place = print_where()
    with tempfile.TemporaryDirectory() as tmp, namespace() as ka_ns, namespace() as our_ns:
        directory = Path(tmp)
        theirs = KeepalivedReader(ka_ns, directory)
        ours = subprocess.Popen(
            ["ip", "netns", "exec", our_ns, sys.executable, "-c", OURS, str(directory)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert ours.stdout is not None and ours.stdout.readline().strip() == "READY"
            socket = directory / "vrrp.sock"
            until(
                lambda: all(
                    vi["state"] == "MASTER"
                    for vi in read_status(socket)["vrrp"]["instances"].values()
                ),
                "our instances master",
            )
            mine, keepalived = timed(args.reads, lambda: read_status(socket), theirs.read)
        finally:
            ours.send_signal(signal.SIGTERM)
            ours.wait(timeout=PATIENCE)
            theirs.stop()
    ours_ms, theirs_ms = statistics.median(mine) * 1e3, statistics.median(keepalived) * 1e3
    print(f"reads: {args.reads} each, two VRRP instances, both master")
    print(f"{'':34}{'median ms':>10}{'p99 ms':>10}")
    print(f"{'pyipvs status socket':34}{ours_ms:>10.3f}{p99(mine) * 1e3:>10.3f}")
    print(f"{'keepalived JSON signal + file':34}{theirs_ms:>10.3f}{p99(keepalived) * 1e3:>10.3f}")
    print(f"ratio (keepalived / pyipvs, medians): {theirs_ms / ours_ms:.1f}x")
    print(f"keepalived's file read before it was complete: {theirs.torn} of {args.reads} reads")
    costs = snapshot_costs()
    for case, ms in costs.items():
        print(f"one request, {case}: {ms:.1f} ms of the child's loop (document + JSON)")
    rows: list[dict[str, object]] = []
    for tool, samples in (("pyipvs status socket", mine), ("keepalived JSON signal", keepalived)):
        rows.append({"case": "median", "tool": tool, "value": statistics.median(samples) * 1e3})
        rows.append({"case": "p99", "tool": tool, "value": p99(samples) * 1e3})
    write_json(
        json_path,
        name="status_read",
        title="Reading the VRRP state (two instances)",
        where=place,
        unit="ms",
        lower_is_better=True,
        rows=rows,
        notes=f"{args.reads} reads each; keepalived's file read incomplete: {theirs.torn}; "
        + "; ".join(f"one request, {case}: {ms:.1f} ms" for case, ms in costs.items()),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
