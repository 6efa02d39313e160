# SPDX-License-Identifier: Apache-2.0
"""TCP_CHECK at ``delay_loop 1`` on N real servers: pyipvs-keepalived -C vs keepalived -C.

Both read the same keepalived.conf (one virtual server, N real servers on loopback aliases
127.0.1.x, ports 20001...) and program IPVS, one after the other. An acceptor process
counts the connections each makes. Measured over ``--seconds`` after a warm-up of two
delay_loops: checks per second (accepted connections), CPU seconds per second of the checker
process (from /proc), and for pyipvs the p99 lateness of checks against their schedule (its
SIGUSR1 stats). Needs ip_vs: run it in the kernel tier's VM, e.g.

    /tmp/umltry/run.sh '.venv/bin/python benchmarks/checker_tcp.py --servers 2000'
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
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


def config(count: int) -> str:
    servers = "".join(
        f"    real_server {a} {p} {{\n        TCP_CHECK {{\n            connect_timeout 2\n"
        f"        }}\n    }}\n"
        for a, p in targets(count)
    )
    return (
        "global_defs {\n    router_id bench\n}\n"
        "virtual_server 10.0.0.5 80 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n"
        f"    protocol TCP\n{servers}}}\n"
    )


def acceptor(counter: object, ready: object) -> None:
    class Closer(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            with counter.get_lock():  # type: ignore[attr-defined]
                counter.value += 1  # type: ignore[attr-defined]
            transport.close()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for port in range(FIRST_PORT, FIRST_PORT + PORTS_PER_ADDRESS):
            await loop.create_server(Closer, "0.0.0.0", port, backlog=4096, reuse_address=True)
        ready.set()  # type: ignore[attr-defined]
        await asyncio.Event().wait()

    asyncio.run(main())


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(
    name: str, command: list[str], workdir: Path, counter: object, seconds: float, warmup: float
) -> dict[str, float]:
    log = open(workdir / f"{name}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    checker_pid_file = workdir / f"{name}-check.pid"
    try:
        time.sleep(warmup)
        checker = int(checker_pid_file.read_text())
        cpu0, n0, t0 = cpu_seconds(checker), counter.value, time.monotonic()  # type: ignore[attr-defined]
        if name == "pyipvs":
            os.kill(checker, signal.SIGUSR1)  # stats at the start of the window...
        time.sleep(seconds)
        cpu1, n1, t1 = cpu_seconds(checker), counter.value, time.monotonic()  # type: ignore[attr-defined]
        if name == "pyipvs":
            os.kill(checker, signal.SIGUSR1)  # ...and at its end
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        log.close()
    result = {"checks_per_s": (n1 - n0) / (t1 - t0), "cpu_s_per_s": (cpu1 - cpu0) / (t1 - t0)}
    if name == "pyipvs":
        text = (workdir / f"{name}.log").read_text()
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
    parser.add_argument("--json", default="docs/_data/bench/checker_tcp.uml.json")
    args = parser.parse_args()
    keepalived = shutil.which("keepalived", path=os.environ.get("PATH", "") + ":/usr/sbin")
    workdir = Path(tempfile.mkdtemp(prefix="checker-bench-"))
    conf = workdir / "keepalived.conf"
    conf.write_text(config(args.servers))
    if not os.path.isdir("/dev/shm"):  # the kernel tier's guest has none: Value needs it
        os.makedirs("/dev/shm", exist_ok=True)
    counter = multiprocessing.Value("q", 0)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=acceptor, args=(counter, ready), daemon=True)
    server.start()
    ready.wait(30)
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
        name: measure(name, cmd, workdir, counter, args.seconds, warmup=4.0)
        for name, cmd in runs.items()
    }
    server.terminate()
    cpuinfo = Path("/proc/cpuinfo").read_text()
    kind = "uml" if "User Mode Linux" in cpuinfo or "UML" in cpuinfo else "host"
    print(f"TCP_CHECK, delay_loop 1, {args.servers} real servers, {args.seconds:g} s ({kind})")
    print(f"{'checker':<12}{'checks/s':>10}{'CPU s/s':>10}{'p99 late ms':>13}")
    for name, r in results.items():
        late = f"{r['lateness_p99_ms']:.1f}" if "lateness_p99_ms" in r else "n/a"
        print(f"{name:<12}{r['checks_per_s']:>10.0f}{r['cpu_s_per_s']:>10.3f}{late:>13}")
    rows = []
    case = f"{args.servers} RS, delay_loop 1"
    for name, r in results.items():
        tool = "pyipvs-keepalived -C" if name == "pyipvs" else "keepalived -C"
        rows.append({"case": f"{case}: CPU s/s", "tool": tool, "value": round(r["cpu_s_per_s"], 4)})
        rows.append(
            {"case": f"{case}: checks/s", "tool": tool, "value": round(r["checks_per_s"], 1)}
        )
        if "lateness_p99_ms" in r:
            rows.append(
                {
                    "case": f"{case}: p99 lateness ms",
                    "tool": tool,
                    "value": round(r["lateness_p99_ms"], 2),
                }
            )
    document = {
        "benchmark": "checker_tcp",
        "title": "TCP_CHECK at delay_loop 1: pyipvs-keepalived -C vs keepalived -C",
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
        "notes": f"one run of {args.seconds:g} s each, after a 4 s warm-up; checks/s counted "
        "by an acceptor process on loopback",
    }
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
