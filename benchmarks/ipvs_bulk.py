"""Bulk IPVS programming and listing: pyipvs against ipvsadm, pyroute2 and a C floor.

Run where ip_vs exists (as root), e.g. in the test VM::

    scripts/kernel-tier.sh -- .venv/bin/python benchmarks/ipvs_bulk.py

Workloads (each tool on a fresh network namespace, all in the same run):

* ``add 2000x4``: 2,000 TCP services, 4 real servers each (10,000 operations);
* ``add 10000x0``: 10,000 services, no real servers;
* ``dump 10000x4``: list 10,000 services with 4 real servers each (table built by the floor).

Peers: ``ipvsadm -R`` / ``ipvsadm -L -n`` (the process's wall time), pyroute2's ``IPVS`` (one
request per operation; a dump plus one GET_DEST dump per service), and benchmarks/c/ipvs_floor.c
(compiled here with gcc: one socket, batched, nothing else). pyipvs and pyroute2 are timed
around the work only (handle/socket creation excluded), ipvsadm includes its process start.
``PYROUTE2_MAX_OPS`` caps the pyroute2 add runs (its time is then scaled linearly, which
favours pyroute2 since the kernel's per-operation cost grows with the table).
"""

from __future__ import annotations

import ipaddress
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from pyipvs import Ipvs, RealServer, VirtualService, ops

HERE = Path(__file__).resolve().parent
BASE = int(ipaddress.IPv4Address("10.0.0.0"))
DEST_BASE = int(ipaddress.IPv4Address("172.16.0.1"))
PYROUTE2_MAX_OPS = int(os.environ.get("PYROUTE2_MAX_OPS", "10000"))
PYROUTE2_TIMEOUT = float(os.environ.get("PYROUTE2_TIMEOUT", "900"))


def svc_host(i: int) -> str:
    return str(ipaddress.IPv4Address(BASE + i))


def dest_host(k: int) -> str:
    return str(ipaddress.IPv4Address(DEST_BASE + k))


class Netns:
    def __init__(self) -> None:
        self.name = f"bench-{uuid.uuid4().hex[:8]}"
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)

    def run(self, *argv: str, stdin: str | None = None, timeout: float | None = None) -> str:
        return subprocess.run(
            ["ip", "netns", "exec", self.name, *argv],
            input=stdin,
            check=True,
            capture_output=True,
            text=True,
            timeout=timeout,
        ).stdout

    def close(self) -> None:
        subprocess.run(["ip", "netns", "delete", self.name], check=False)


def build_floor() -> str:
    out = Path(tempfile.gettempdir()) / "pyipvs_ipvs_floor"
    src = HERE / "c" / "ipvs_floor.c"
    subprocess.run(["gcc", "-O2", "-o", str(out), str(src)], check=True)
    return str(out)


def floor_seconds(ns: Netns, floor: str, *args: str) -> float:
    words = ns.run(floor, *args).split()
    return float(words[1])


# ---- the tools ----


def pyipvs_add(ns: Netns, nsvc: int, ndest: int) -> float:
    batch: list[ops.Operation] = []
    for i in range(nsvc):
        vs = VirtualService("tcp", svc_host(i), 80)
        batch.append(ops.AddService(vs))
        batch += [ops.AddRealServer(vs, RealServer(dest_host(k), 80)) for k in range(ndest)]
    with Ipvs(netns=ns.name) as ipvs:
        t0 = time.perf_counter()
        results = ipvs.apply(batch)
        elapsed = time.perf_counter() - t0
    assert all(r.ok for r in results), [r for r in results if not r.ok][:3]
    return elapsed


def ipvsadm_rules(nsvc: int, ndest: int) -> str:
    lines = []
    for i in range(nsvc):
        lines.append(f"-A -t {svc_host(i)}:80 -s wlc")
        lines += [f"-a -t {svc_host(i)}:80 -r {dest_host(k)}:80 -g -w 1" for k in range(ndest)]
    return "\n".join(lines) + "\n"


def ipvsadm_add(ns: Netns, nsvc: int, ndest: int) -> float:
    rules = ipvsadm_rules(nsvc, ndest)
    t0 = time.perf_counter()
    ns.run("ipvsadm", "-R", stdin=rules)
    return time.perf_counter() - t0


PYROUTE2_ADD = """
import socket, sys, time
from pyroute2 import IPVS, IPVSDest, IPVSService
nsvc, ndest, limit = map(int, sys.argv[1:4])
base = int.from_bytes(socket.inet_aton("10.0.0.0"), "big")
dbase = int.from_bytes(socket.inet_aton("172.16.0.1"), "big")
h = lambda n: socket.inet_ntoa(n.to_bytes(4, "big"))
work = []
for i in range(nsvc):
    s = IPVSService(addr=h(base + i), port=80, protocol=socket.IPPROTO_TCP)
    work.append((s, None))
    work += [(s, IPVSDest(addr=h(dbase + k), port=80)) for k in range(ndest)]
work = work[:limit]
ipvs = IPVS()
t0 = time.perf_counter()
for s, d in work:
    if d is None:
        ipvs.service("add", service=s)
    else:
        ipvs.dest("add", service=s, dest=d)
print(time.perf_counter() - t0, len(work))
"""

PYROUTE2_DUMP = """
import time
from pyroute2 import IPVS, IPVSDest, IPVSService
ipvs = IPVS()
t0 = time.perf_counter()
n = 0
for m in ipvs.service("dump"):
    s = IPVSService.from_message(m)
    n += 1 + sum(1 for d in ipvs.dest("dump", service=s) if IPVSDest.from_message(d))
print(time.perf_counter() - t0, n)
"""


def pyroute2_add(ns: Netns, nsvc: int, ndest: int) -> float:
    total = nsvc * (1 + ndest)
    limit = min(total, PYROUTE2_MAX_OPS)
    try:
        out = ns.run(
            sys.executable, "-c", PYROUTE2_ADD, str(nsvc), str(ndest), str(limit),
            timeout=PYROUTE2_TIMEOUT,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return math.inf  # printed as "> timeout"
    seconds, done = out.split()
    return float(seconds) * total / int(done)


def pyipvs_dump(ns: Netns) -> float:
    with Ipvs(netns=ns.name) as ipvs:
        t0 = time.perf_counter()
        table = ipvs.table()
        elapsed = time.perf_counter() - t0
    assert sum(1 + len(v) for v in table.values()) == 50_000, len(table)
    return elapsed


def ipvsadm_dump(ns: Netns) -> float:
    t0 = time.perf_counter()
    out = ns.run("ipvsadm", "-L", "-n")
    elapsed = time.perf_counter() - t0
    assert out.count("->") == 40_001, out.count("->")  # 40k dests + the title line
    return elapsed


def pyroute2_dump(ns: Netns) -> float:
    try:
        out = ns.run(sys.executable, "-c", PYROUTE2_DUMP, timeout=PYROUTE2_TIMEOUT)
    except subprocess.TimeoutExpired:
        return math.inf  # printed as "> timeout"
    seconds, n = out.split()
    assert int(n) == 50_000, n
    return float(seconds)


# ---- the run ----


def measure(setup: Callable[[Netns], None] | None, work: Callable[[Netns], float]) -> float:
    ns = Netns()
    try:
        if setup is not None:
            setup(ns)
        seconds = work(ns)
    finally:
        ns.close()
    name = getattr(work, "__name__", "work")
    print(f"  measured {name}: {seconds:.3f} s", file=sys.stderr, flush=True)
    return seconds


def main() -> None:
    floor = build_floor()
    rows = []
    for nsvc, ndest in ((2000, 4), (10000, 0)):
        label = f"add {nsvc}x{ndest} ({nsvc * (1 + ndest)} ops)"
        rows.append(
            (
                label,
                measure(None, lambda ns, a=nsvc, b=ndest: pyipvs_add(ns, a, b)),
                measure(
                    None,
                    lambda ns, a=nsvc, b=ndest: floor_seconds(ns, floor, "add", f"{a}", f"{b}"),
                ),
                measure(None, lambda ns, a=nsvc, b=ndest: ipvsadm_add(ns, a, b)),
                measure(None, lambda ns, a=nsvc, b=ndest: pyroute2_add(ns, a, b)),
            )
        )

    def populate(ns: Netns) -> None:
        floor_seconds(ns, floor, "add", "10000", "4")

    rows.append(
        (
            "dump 10000x4 (50000 items)",
            measure(populate, pyipvs_dump),
            measure(populate, lambda ns: floor_seconds(ns, floor, "dump")),
            measure(populate, ipvsadm_dump),
            measure(populate, pyroute2_dump),
        )
    )
    print_table(rows)


def print_table(rows: list[tuple[str, float, float, float, float]]) -> None:
    head = (
        f"{'workload':<30} {'pyipvs':>9} {'C floor':>9} {'ipvsadm':>9} {'pyroute2':>9}"
        f" {'pyipvs/floor':>13} {'ipvsadm/pyipvs':>15} {'pyroute2/pyipvs':>16}"
    )
    print(f"kernel {os.uname().release}; seconds")
    print(head)
    print("-" * len(head))
    for label, ours, floor, adm, pr2 in rows:
        if math.isinf(pr2):  # timed out: a lower bound
            pr2_text, ratio = f">{PYROUTE2_TIMEOUT:.0f}", f">{PYROUTE2_TIMEOUT / ours:.0f}"
        else:
            pr2_text, ratio = f"{pr2:.3f}", f"{pr2 / ours:.1f}"
        print(
            f"{label:<30} {ours:9.3f} {floor:9.3f} {adm:9.3f} {pr2_text:>9}"
            f" {ours / floor:13.2f} {adm / ours:15.1f} {ratio:>16}"
        )


if __name__ == "__main__":
    main()
