# SPDX-License-Identifier: Apache-2.0
"""TCP_CHECK at ``delay_loop 1`` on N real servers: pyipvs-keepalived -C vs keepalived -C.

Both read the same keepalived.conf (one virtual server, N real servers on loopback aliases
127.0.1.x, ports 20001...) and program IPVS, one after the other. An acceptor process
counts the connections each makes. Measured over ``--seconds`` after a warm-up of two
delay_loops: checks per second (accepted connections), CPU seconds per second of the checker
process (from /proc), and for pyipvs the p99 lateness of checks against their schedule (its
SIGUSR1 stats). Needs ip_vs: run it in the kernel tier's VM, e.g.

    PYIPVS_UML_CPU=0 scripts/kernel-tier.sh -- .venv/bin/python benchmarks/checker_tcp.py \
        --servers 10000 --seconds 10 --warmup 12
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import multiprocessing
import os
import platform
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

PORTS_PER_ADDRESS = 20
FIRST_PORT = 20001


def targets(count: int) -> list[tuple[str, int]]:
    return [
        (
            f"127.0.{1 + i // (PORTS_PER_ADDRESS * 250)}.{1 + (i // PORTS_PER_ADDRESS) % 250}",
            FIRST_PORT + i % PORTS_PER_ADDRESS,
        )
        for i in range(count)
    ]


def config(count: int, virtual_servers: int = 1) -> str:
    """One virtual server with ``count`` real servers, or ``virtual_servers`` that all name
    the same ``count`` real servers (keepalived checks each pair; pyipvs each server once)."""
    servers = "".join(
        f"    real_server {a} {p} {{\n        TCP_CHECK {{\n            connect_timeout 2\n"
        f"        }}\n    }}\n"
        for a, p in targets(count)
    )
    blocks = "".join(
        f"virtual_server 10.0.{1 + v // 250}.{1 + v % 250} 80 {{\n    delay_loop 1\n"
        f"    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n{servers}}}\n"
        for v in range(virtual_servers)
    )
    return "global_defs {\n    router_id bench\n}\n" + blocks


def acceptor(count: int, control: Connection, ready: object) -> None:
    """Listening sockets drained by accept + close in an epoll loop (no
    asyncio: the acceptor shares the VM's one CPU with the checker). Between "start" and
    "stop" it counts connections and, per real server, the interval between two checks."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    poller = select.epoll()
    # one listener per port on every address (a listener per real server does not fit the
    # guest's descriptor limit at 10,000); the accepted socket's own address names the server
    index_of = {target: index for index, target in enumerate(targets(count))}
    listeners: dict[int, socket.socket] = {}
    for port in range(FIRST_PORT, FIRST_PORT + PORTS_PER_ADDRESS):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM | socket.SOCK_NONBLOCK)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("0.0.0.0", port))
        sock.listen(4096)
        listeners[sock.fileno()] = sock
        poller.register(sock.fileno(), select.EPOLLIN)
    poller.register(control.fileno(), select.EPOLLIN)
    last = [0.0] * count
    gaps: list[float] = []
    accepted = 0
    ready.set()  # type: ignore[attr-defined]
    while True:
        events = poller.poll()
        now = time.monotonic()
        for fd, _ in events:
            if fd == control.fileno():
                if control.recv() == "stop":
                    control.send((accepted, gaps))
                gaps, accepted = [], 0
                continue
            sock = listeners[fd]
            while True:
                try:
                    conn, _ = sock.accept()
                except BlockingIOError:
                    break
                index = index_of.get(conn.getsockname(), -1)
                conn.close()
                accepted += 1
                if index < 0:
                    continue
                if last[index]:
                    gaps.append(now - last[index])
                last[index] = now


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[int((len(ordered) - 1) * q)] if ordered else float("nan")


def in_table() -> int:
    """Real servers in the IPVS table now (the benchmark runs in the checkers' namespace)."""
    from pyipvs import Ipvs

    with Ipvs() as ipvs:
        return sum(len(ipvs.real_servers(vs)) for vs in ipvs.services())


def measure(
    name: str, command: list[str], workdir: Path, control: Connection, seconds: float, warmup: float
) -> dict[str, float]:
    log = open(workdir / f"{name}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    checker_pid_file = workdir / f"{name}-check.pid"
    try:
        time.sleep(warmup)
        checker = int(checker_pid_file.read_text())
        control.send("start")
        cpu0, t0 = cpu_seconds(checker), time.monotonic()
        time.sleep(seconds)
        cpu1, t1 = cpu_seconds(checker), time.monotonic()
        control.send("stop")
        accepted, gaps = control.recv()
        servers_in_table = in_table()
        if name == "pyipvs":
            os.kill(checker, signal.SIGUSR1)  # its own lateness percentiles, to the log
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
        log.close()
    result = {
        "checks_per_s": accepted / (t1 - t0),
        "cpu_s_per_s": (cpu1 - cpu0) / (t1 - t0),
        # each server's interval between two checks, beyond delay_loop (1 s): how late
        "interval_over_p99_ms": (percentile(gaps, 0.99) - 1.0) * 1000,
        "interval_over_p50_ms": (percentile(gaps, 0.50) - 1.0) * 1000,
        "in_table": float(servers_in_table),
    }
    if name == "pyipvs":
        text = (workdir / f"{name}.log").read_text()
        stats = [line for line in text.splitlines() if "checker stats:" in line]
        if stats:
            print(stats[-1].split("checker stats:")[1].strip())
        found = re.findall(r"lateness_p99=([0-9.e-]+)", text)
        if found:
            result["lateness_p99_ms"] = float(found[-1]) * 1000
    return result


def syscall_us() -> float:
    start = time.perf_counter()
    for _ in range(20000):
        os.getppid()
    return (time.perf_counter() - start) / 20000 * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--virtual-servers", type=int, default=1)
    parser.add_argument(
        "--json", help="result file (default: docs/_data/bench/<benchmark>.uml.json)"
    )
    args = parser.parse_args()
    keepalived = shutil.which("keepalived", path=os.environ.get("PATH", "") + ":/usr/sbin")
    workdir = Path(tempfile.mkdtemp(prefix="checker-bench-"))
    conf = workdir / "keepalived.conf"
    conf.write_text(config(args.servers, args.virtual_servers))
    if not os.path.isdir("/dev/shm"):  # the kernel tier's guest has none: Event needs it
        os.makedirs("/dev/shm", exist_ok=True)
    ours, theirs = multiprocessing.Pipe()
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=acceptor, args=(args.servers, theirs, ready))
    server.daemon = True
    server.start()
    if not ready.wait(120) or not server.is_alive():
        # e.g. more listeners than the guest's descriptor limit: say so, never hang
        raise SystemExit(f"the acceptor did not start for {args.servers} real servers")
    common = ["-C", "-n", "-G", "-f", str(conf)]
    runs = {
        "pyipvs": [
            sys.executable,
            "-m",
            "pyipvs.cli.keepalived",
            *common,
            "-l",
            "-p",
            str(workdir / "pyipvs.pid"),
            "-c",
            str(workdir / "pyipvs-check.pid"),
        ],
    }
    if keepalived:
        runs["keepalived"] = [
            keepalived,
            *common,
            "-p",
            str(workdir / "k.pid"),
            "-c",
            str(workdir / "keepalived-check.pid"),
            "-r",
            str(workdir / "k-vrrp.pid"),
            "-b",
            str(workdir / "k-bfd.pid"),
        ]
    results = {
        name: measure(name, cmd, workdir, ours, args.seconds, warmup=args.warmup)
        for name, cmd in runs.items()
    }
    server.terminate()
    cpuinfo = Path("/proc/cpuinfo").read_text()
    kind = "uml" if "User Mode Linux" in cpuinfo or "UML" in cpuinfo else "host"
    vs_text = f", {args.virtual_servers} virtual servers" if args.virtual_servers > 1 else ""
    print(
        f"TCP_CHECK, delay_loop 1, {args.servers} real servers{vs_text}, "
        f"{args.seconds:g} s ({kind})"
    )
    print(
        f"{'checker':<12}{'checks/s':>10}{'CPU s/s':>9}{'over p50':>10}{'over p99':>10}"
        f"{'own p99':>9}{'in table':>10}"
    )
    for name, r in results.items():
        own = f"{r['lateness_p99_ms']:.0f}" if "lateness_p99_ms" in r else "n/a"
        print(
            f"{name:<12}{r['checks_per_s']:>10.0f}{r['cpu_s_per_s']:>9.3f}"
            f"{r['interval_over_p50_ms']:>10.0f}{r['interval_over_p99_ms']:>10.0f}{own:>9}"
            f"{r['in_table']:>10.0f}"
        )
    rows = []
    case = f"{args.servers} RS{vs_text.replace(' virtual servers', ' VS')}, delay_loop 1"
    units = {
        "checks_per_s": ("checks/s", 1),
        "cpu_s_per_s": ("CPU s/s", 4),
        "interval_over_p50_ms": ("p50 interval beyond delay_loop, ms", 1),
        "interval_over_p99_ms": ("p99 interval beyond delay_loop, ms", 1),
        "lateness_p99_ms": ("p99 own lateness ms (whole run)", 1),
        "in_table": ("real servers in the table", 0),
    }
    for name, r in results.items():
        tool = "pyipvs-keepalived -C" if name == "pyipvs" else "keepalived -C"
        for key, (label, digits) in units.items():
            # no interval without two checks; the plots take positive numbers only
            if key in r and not math.isnan(r[key]) and r[key] > 0:
                rows.append(
                    {"case": f"{case}: {label}", "tool": tool, "value": round(r[key], digits)}
                )
    name = benchmark_name(args.servers, args.virtual_servers)
    document = {
        "benchmark": name,
        "title": f"TCP_CHECK at delay_loop 1, {args.servers:,} real servers{vs_text}: "
        "pyipvs-keepalived -C vs keepalived -C",
        "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "where": {
            "kind": kind,
            "kernel": platform.release(),
            "cpu_pinned": kind == "uml",
            "syscall_us": round(syscall_us(), 2),
            "host": "Debian 12, 2 cores",
        },
        "unit": "mixed (see case)",
        "lower_is_better": True,
        "rows": rows,
        "notes": f"one run of {args.seconds:g} s each, after a {args.warmup:g} s warm-up; "
        "checks/s and the intervals between two checks of a server counted by an acceptor "
        "process on loopback",
    }
    target = Path(args.json or f"docs/_data/bench/{name}.uml.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2) + "\n")


def benchmark_name(servers: int, virtual_servers: int) -> str:
    """``checker_tcp`` (2,000 servers), ``checker_tcp_10000``, ``checker_tcp_100vs``: one
    result file per case, as the docs name them."""
    name = "checker_tcp" if servers == 2000 else f"checker_tcp_{servers}"
    return name + (f"_{virtual_servers}vs" if virtual_servers > 1 else "")


if __name__ == "__main__":
    main()
