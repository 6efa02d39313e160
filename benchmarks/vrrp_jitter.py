# SPDX-License-Identifier: Apache-2.0
"""Advert jitter and false failovers under CPU load: pyipvs-keepalived -P vs keepalived 2.2.7 -P.

The topology of ``vrrp_failover.py`` (lb1, lb2 and a sniffer's namespace on one bridge). Each
tool runs as both routers: master (priority 150) in lb1 and backup (priority 100) in lb2,
VRRPv3 at ``advert_int 0.01``, both pinned with taskset to one CPU that a busy-looping process,
pinned there too, keeps saturated. The sniffer (on no pinned CPU) takes each advert's kernel
receive time (``SO_TIMESTAMPNS``), so its own scheduling does not matter.

* Jitter: the master's intervals between adverts, p50 / p99 / max (the RFC's figure is 10 ms).
* Gaps: master intervals over 3 x advert_int (a backup of priority 254 would take over).
* False failovers: how often the backup sent an advert (it became master while the master
  lived; each run of backup adverts counts once). Target 0.

The tools take turns in segments (``--segment`` seconds) until each has run ``--minutes``, so a
change in the machine's load hits both alike. Needs root.

    .venv/bin/python benchmarks/vrrp_jitter.py --minutes 10       # the real run
    .venv/bin/python benchmarks/vrrp_jitter.py --minutes 0.5      # a smoke run
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vrrp_failover import BACKUP_IP, MASTER_IP, WAIT, Output, entering, lan, start
from where import print_where, take_json_path, write_json

INTERVAL = 0.01
SNIFFER = """
import socket, struct
SO_TIMESTAMPNS = 35
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
s.bind(("eth0", 0))
print("READY", flush=True)
while True:
    frame, ancillary, _, _ = s.recvmsg(2048, 64)
    if len(frame) < 37 or frame[23] != 112:
        continue
    sec, nsec = next(struct.unpack("@qq", d[:16]) for _, kind, d in ancillary
                     if kind == SO_TIMESTAMPNS)
    print("ADV", sec + nsec / 1e9, socket.inet_ntoa(frame[26:30]), frame[14 + 20 + 2],
          flush=True)
"""
HOG = "while True: pass"


@dataclass
class Tally:
    """One tool's adverts over all its segments."""

    intervals: list[float] = field(default_factory=list)
    #: the backup's takeovers while the master lived (a run of its adverts counts once)
    false_failovers: int = 0
    seconds: float = 0.0
    adverts: int = 0
    #: routers that exited on their own during a segment (e.g. killed by the kernel)
    deaths: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drain(sniff: Output) -> list[tuple[float, str, int]]:
    """Every advert the sniffer has printed so far: (kernel time, source, priority)."""
    adverts = []
    while True:
        try:
            line = sniff.lines.get_nowait()
        except queue.Empty:
            return adverts
        _, at, source, priority = line.split()
        adverts.append((float(at), source, int(priority)))


def segment(names: dict[str, str], sniff: Output, tool: str, seconds: float, cpu: int,
            tally: Tally, extra: str = "") -> None:  # fmt: skip
    """Runs both routers of *tool* for *seconds* and adds what the sniffer saw to *tally*
    (*extra*: more global_defs lines for both)."""
    master = start(names["lb1"], tool, "m", 150, 3, INTERVAL, cpu, extra)
    master.until(entering("MASTER"), f"{tool} master")
    backup = start(names["lb2"], tool, "b", 100, 3, INTERVAL, cpu, extra)
    backup.until(entering("BACKUP"), f"{tool} backup")
    time.sleep(1.0)  # past the backup's first down timer
    drain(sniff)
    begin = time.time()
    time.sleep(seconds)
    end = time.time()
    for role, router in (("backup", backup), ("master", master)):
        status = router.process.poll()
        if status is not None:  # it died on its own during the segment: say how
            tally.deaths.append(f"{role} exited with {status}")
            print(f"{tool} {role} exited with {status} during the segment", flush=True)
        else:
            router.process.send_signal(signal.SIGTERM)
        router.process.wait(timeout=WAIT)
    time.sleep(0.2)  # the sniffer's last lines
    window = [a for a in drain(sniff) if begin <= a[0] <= end]
    last_master: float | None = None
    previous = MASTER_IP
    for at, source, priority in window:
        if source == MASTER_IP and priority > 0:
            if last_master is not None:
                tally.intervals.append(at - last_master)
            last_master = at
        elif source == BACKUP_IP and previous != BACKUP_IP:
            tally.false_failovers += 1
        previous = source
    tally.seconds += end - begin
    tally.adverts += sum(1 for a in window if a[1] == MASTER_IP)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="per tool")
    parser.add_argument("--segment", type=float, default=60.0, help="seconds per turn")
    parser.add_argument("--cpu", type=int, default=1, help="the CPU the routers and load share")
    parser.add_argument("--no-load", action="store_true", help="without the busy loop")
    parser.add_argument("--rt-priority", type=int, default=0,
                        help="vrrp_rt_priority for both tools (0: not set)")  # fmt: skip
    kind = os.environ.get("PYIPVS_KERNEL_TIER", "host")
    json_given = "--json" in sys.argv
    json_path = take_json_path("vrrp_jitter", kind)
    args = parser.parse_args()
    name = "vrrp_jitter_rt" if args.rt_priority else "vrrp_jitter"
    if not json_given:  # each variant has a result file of its own
        json_path = json_path.with_name(f"{name}.{kind}.json")
    extra = f"    vrrp_rt_priority {args.rt_priority}\n" if args.rt_priority else ""
    where = print_where()
    tallies = {"keepalived": Tally(), "pyipvs": Tally()}
    hog = None
    if not args.no_load:
        hog = subprocess.Popen(["taskset", "-c", str(args.cpu), sys.executable, "-c", HOG])
    try:
        with lan() as names:
            argv = ["ip", "netns", "exec", names["cl"], sys.executable, "-c", SNIFFER]
            sniffer = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
            sniff = Output(sniffer)
            sniff.until(lambda line: line == "READY", "sniffer")
            try:
                left = args.minutes * 60
                while left > 0:
                    seconds = min(args.segment, left)
                    for tool, tally in tallies.items():  # alternately
                        segment(names, sniff, tool, seconds, args.cpu, tally, extra)
                    left -= seconds
            finally:
                sniffer.kill()
    finally:
        if hog is not None:
            hog.kill()
    load = "no load" if args.no_load else f"CPU {args.cpu} saturated by a busy loop"
    if args.rt_priority:
        load += f", vrrp_rt_priority {args.rt_priority}"
    report(tallies, args.minutes, load, where, json_path, name)


def report(tallies: dict[str, Tally], minutes: float, load: str, where: dict[str, object],
           json_path: Path, name: str = "vrrp_jitter") -> None:  # fmt: skip
    print(f"VRRPv3 advert_int {INTERVAL * 1e3:g} ms, {minutes:g} min per tool, {load}")
    print(f"{'tool':<11} {'adverts':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
          f" {'gaps > 30 ms':>13} {'false failovers':>16}")  # fmt: skip
    rows: list[dict[str, object]] = []
    for tool, t in tallies.items():
        if not t.intervals:
            raise SystemExit(f"{tool}: no advert seen")
        p50, p99 = statistics.median(t.intervals), percentile(t.intervals, 0.99)
        worst = max(t.intervals)
        gaps = sum(1 for i in t.intervals if i > 3 * INTERVAL)
        print(f"{tool:<11} {t.adverts:>8} {p50 * 1e3:>8.2f} {p99 * 1e3:>8.2f} {worst * 1e3:>8.2f}"
              f" {gaps:>13} {t.false_failovers:>16}", flush=True)  # fmt: skip
        for case, value in (("p50", p50), ("p99", p99), ("max", worst)):
            rows.append({"case": f"interval {case}", "tool": tool, "value": round(value * 1e3, 3),
                         "gaps": gaps, "false_failovers": t.false_failovers,
                         "adverts": t.adverts, "deaths": t.deaths})  # fmt: skip
    ratio = percentile(tallies["pyipvs"].intervals, 0.99) / percentile(
        tallies["keepalived"].intervals, 0.99
    )
    print(f"p99 ratio pyipvs / keepalived: {ratio:.2f}")
    write_json(
        json_path,
        name=name,
        title="VRRP master's advert intervals under CPU load (advert_int 10 ms)"
        + (", real-time priority" if name != "vrrp_jitter" else ""),
        where=where,
        unit="ms",
        lower_is_better=True,
        rows=rows,
        notes=f"VRRPv3, {minutes:g} min per tool, {load}; false_failovers: the backup's takeovers",
    )


if __name__ == "__main__":
    main()
