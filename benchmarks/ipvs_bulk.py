"""Bulk IPVS programming and listing: pyipvs against ipvsadm, pyroute2 and a C floor.

Run where ip_vs exists (as root), e.g. in the test VM (settings go through ``env``: the VM
does not inherit the caller's environment)::

    scripts/kernel-tier.sh -- env REPEAT=7 .venv/bin/python benchmarks/ipvs_bulk.py

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

pyipvs is timed two ways on the adds: ``apply`` of operations made beforehand (each operation
is encoded when it is made, so this is what the batching itself costs), and ``ops+apply``,
making the operations from value objects that already exist and applying them (what a program
that holds its desired state as VirtualService / RealServer objects pays; the nests of each
value object are encoded then, once).

Every timing is the median of ``REPEAT`` runs (default 3), the tools taking turns so that a
noisy moment hits them alike; pyroute2 runs once (it takes minutes). The scheduler module is
loaded before anything is timed, so no tool pays for the first ``modprobe ip_vs_wlc``.
"""

from __future__ import annotations

import ipaddress
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import syscalls
from where import print_where, take_json_path, write_json

from pyipvs import InconsistentListing, Ipvs, RealServer, VirtualService, ops

HERE = Path(__file__).resolve().parent
BASE = int(ipaddress.IPv4Address("10.0.0.0"))
DEST_BASE = int(ipaddress.IPv4Address("172.16.0.1"))
PYROUTE2_MAX_OPS = int(os.environ.get("PYROUTE2_MAX_OPS", "10000"))
PYROUTE2_TIMEOUT = float(os.environ.get("PYROUTE2_TIMEOUT", "900"))
REPEAT = int(os.environ.get("REPEAT", "3"))


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


def value_objects(nsvc: int, ndest: int) -> list[tuple[VirtualService, list[RealServer]]]:
    return [
        (
            VirtualService("tcp", svc_host(i), 80),
            [RealServer(dest_host(k), 80) for k in range(ndest)],
        )
        for i in range(nsvc)
    ]


def operations(table: list[tuple[VirtualService, list[RealServer]]]) -> list[ops.Operation]:
    batch: list[ops.Operation] = []
    for vs, servers in table:
        batch.append(ops.AddService(vs))
        batch += [ops.AddRealServer(vs, rs) for rs in servers]
    return batch


def pyipvs_apply(ns: Netns, nsvc: int, ndest: int) -> float:
    """apply() of operations made beforehand."""
    batch = operations(value_objects(nsvc, ndest))
    with Ipvs(netns=ns.name) as ipvs:
        t0 = time.perf_counter()
        results = ipvs.apply(batch)
        elapsed = time.perf_counter() - t0
    assert results.ok, results.failures[:3]
    return elapsed


def pyipvs_ops_apply(ns: Netns, nsvc: int, ndest: int) -> float:
    """Operations made from existing value objects, then apply()."""
    table = value_objects(nsvc, ndest)
    with Ipvs(netns=ns.name) as ipvs:
        t0 = time.perf_counter()
        results = ipvs.apply(operations(table))
        elapsed = time.perf_counter() - t0
    assert results.ok, results.failures[:3]
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


def settle(ns: Netns) -> None:
    """Waits until the kernel lists the new table consistently (kernel 7.2's dump right after a
    burst can repeat services; table() would re-read or raise InconsistentListing): every tool
    then dumps the same settled table, and the timings measure dumping, not waiting."""
    with Ipvs(netns=ns.name) as ipvs:
        for _ in range(10):
            try:
                ipvs.services()
                return
            except InconsistentListing:
                continue
    raise SystemExit("ipvs_bulk: the kernel's listing stayed inconsistent for over 10 s")


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


# ---- syscalls per operation (strace; separate runs, never timed) ----

ADD_SETUP = """
import sys
sys.path.insert(0, {here!r})
from ipvs_bulk import operations, value_objects
from pyipvs import Ipvs
batch = operations(value_objects(2000, 4))
ipvs = Ipvs()
"""


def syscalls_per_op(floor: str, populate: Callable[[Netns], None]) -> dict[str, float]:
    """Per operation (add 2000x4: 10,000 operations; dump 10000x4: 50,000 items)."""
    setup = ADD_SETUP.format(here=str(HERE))
    calls: dict[str, float] = {}

    def in_ns(work: Callable[[list[str]], float], populated: bool = False) -> float:
        ns = Netns()
        try:
            if populated:
                populate(ns)
            return work(["ip", "netns", "exec", ns.name])
        finally:
            ns.close()

    adds, items = 10_000, 50_000
    calls["add apply"] = in_ns(lambda p: syscalls.python_work(setup, "ipvs.apply(batch)", p)) / adds
    calls["add floor"] = in_ns(lambda p: syscalls.count([*p, floor, "add", "2000", "4"])) / adds
    with tempfile.NamedTemporaryFile("w", suffix=".rules") as rules:
        rules.write(ipvsadm_rules(2000, 4))
        rules.flush()
        calls["add ipvsadm -R"] = (
            in_ns(lambda p: syscalls.count([*p, "ipvsadm", "-R"], rules.name)) / adds
        )
    table = "from pyipvs import Ipvs\nipvs = Ipvs()"
    calls["dump table()"] = (
        in_ns(lambda p: syscalls.python_work(table, "ipvs.table()", p), populated=True) / items
    )
    calls["dump floor"] = in_ns(lambda p: syscalls.count([*p, floor, "dump"]), True) / items
    calls["dump ipvsadm -L -n"] = (
        in_ns(lambda p: syscalls.count([*p, "ipvsadm", "-L", "-n"]), True) / items
    )
    return calls


# ---- the run ----


def measure(setup: Callable[[Netns], None] | None, work: Callable[[Netns], float]) -> float:
    ns = Netns()
    try:
        if setup is not None:
            setup(ns)
        seconds = work(ns)
    finally:
        ns.close()
    return seconds


def medians(label: str, tools: dict[str, Callable[[], float]], once: set[str]) -> dict[str, float]:
    """Runs each tool REPEAT times (those in once: one time), taking turns; the medians."""
    runs: dict[str, list[float]] = {name: [] for name in tools}
    for round_ in range(REPEAT):
        for name, run in tools.items():
            if name in once and round_ > 0:
                continue
            runs[name].append(run())
            print(f"  {label} {name}: {runs[name][-1]:.3f} s", file=sys.stderr, flush=True)
    return {name: statistics.median(times) for name, times in runs.items()}


def warm_up(floor: str) -> None:
    """Loads the scheduler module (ip_vs_wlc) so that no timed run pays for its modprobe."""
    measure(None, lambda ns: floor_seconds(ns, floor, "add", "1", "1"))


def main() -> None:
    where = print_where()
    json_path = take_json_path("ipvs_bulk", str(where["kind"]))
    floor = build_floor()
    warm_up(floor)
    adds = []
    for nsvc, ndest in ((2000, 4), (10000, 0)):
        label = f"add {nsvc}x{ndest} ({nsvc * (1 + ndest)} ops)"
        add_tools: dict[str, Callable[[], float]] = {
            "apply": lambda a=nsvc, b=ndest: measure(None, lambda ns: pyipvs_apply(ns, a, b)),
            "ops+apply": lambda a=nsvc, b=ndest: measure(
                None, lambda ns: pyipvs_ops_apply(ns, a, b)
            ),
            "floor": lambda a=nsvc, b=ndest: measure(
                None, lambda ns: floor_seconds(ns, floor, "add", f"{a}", f"{b}")
            ),
            "ipvsadm": lambda a=nsvc, b=ndest: measure(None, lambda ns: ipvsadm_add(ns, a, b)),
            "pyroute2": lambda a=nsvc, b=ndest: measure(None, lambda ns: pyroute2_add(ns, a, b)),
        }
        adds.append((label, medians(label, add_tools, once={"pyroute2"})))

    def populate(ns: Netns) -> None:
        floor_seconds(ns, floor, "add", "10000", "4")
        settle(ns)

    dump_tools: dict[str, Callable[[], float]] = {
        "table()": lambda: measure(populate, pyipvs_dump),
        "floor": lambda: measure(populate, lambda ns: floor_seconds(ns, floor, "dump")),
        "ipvsadm": lambda: measure(populate, ipvsadm_dump),
        "pyroute2": lambda: measure(populate, pyroute2_dump),
    }
    dump = medians("dump", dump_tools, once={"pyroute2"})
    calls = syscalls_per_op(floor, populate)
    print(f"kernel {os.uname().release}; seconds, median of {REPEAT} (pyroute2: one run)")
    print_adds(adds)
    print_dump(dump)
    per_op = ", ".join(f"{name} {value:.3g}" for name, value in calls.items())
    print(f"syscalls per operation (strace, separate untimed runs): {per_op}")
    rows: list[dict[str, object]] = [
        {"case": label, "tool": tool, "value": round(value, 4)}
        for label, t in [*adds, ("dump 10000x4 (50000 items)", dump)]
        for tool, value in t.items()
        if not math.isinf(value)
    ]
    write_json(
        json_path, name="ipvs_bulk", title="IPVS bulk operations", where=where, unit="s",
        lower_is_better=True, rows=rows,
        notes=f"medians of {REPEAT} runs; pyroute2 one run, add runs capped at"
        f" {PYROUTE2_MAX_OPS} operations and scaled linearly; syscalls per operation: {per_op}",
    )  # fmt: skip


def _pyroute2(seconds: float, ours: float) -> tuple[str, str]:
    if math.isinf(seconds):  # timed out: a lower bound
        return f">{PYROUTE2_TIMEOUT:.0f}", f">{PYROUTE2_TIMEOUT / ours:.0f}"
    return f"{seconds:.3f}", f"{seconds / ours:.1f}"


# Columns stay under 16 characters of padding: the kernel-tier runner drops longer runs of
# blanks (the VM's serial console pads lines with them).
def print_adds(rows: list[tuple[str, dict[str, float]]]) -> None:
    head = (
        f"{'workload, ops':<23} {'apply':>7} {'ops+apply':>9} {'C floor':>7} {'ipvsadm':>7}"
        f" {'pyroute2':>8} {'apply/floor':>11} {'ops+apply/floor':>15}"
        f" {'ipvsadm/apply':>13} {'pyroute2/apply':>14}"
    )
    print(head)
    print("-" * len(head))
    for label, t in rows:
        ours = t["apply"]
        pr2_text, pr2_ratio = _pyroute2(t["pyroute2"], ours)
        print(
            f"{label:<23} {ours:7.3f} {t['ops+apply']:9.3f} {t['floor']:7.3f}"
            f" {t['ipvsadm']:7.3f} {pr2_text:>8} {ours / t['floor']:11.2f}"
            f" {t['ops+apply'] / t['floor']:15.2f} {t['ipvsadm'] / ours:13.1f} {pr2_ratio:>14}"
        )


def print_dump(t: dict[str, float]) -> None:
    ours = t["table()"]
    pr2_text, pr2_ratio = _pyroute2(t["pyroute2"], ours)
    print(
        f"dump 10000x4 (50000 items): table() {ours:.3f}, C floor {t['floor']:.3f},"
        f" ipvsadm -L -n {t['ipvsadm']:.3f}, pyroute2 {pr2_text};"
        f" table()/floor {ours / t['floor']:.2f}, ipvsadm/table() {t['ipvsadm'] / ours:.1f},"
        f" pyroute2/table() {pr2_ratio}"
    )


if __name__ == "__main__":
    main()
