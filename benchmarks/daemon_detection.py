# SPDX-License-Identifier: Apache-2.0
"""Checker detection by the whole daemon (#15), pyipvs-keepalived vs keepalived 2.2.7, in the
same run, on a kernel with ip_vs (run it in UML: scripts/kernel-tier.sh -- .venv/bin/python
benchmarks/daemon_detection.py). One keepalived.conf: a virtual server with two real servers,
one behind TCP_CHECK and one behind HTTP_GET, each a real server in its own namespace
(daemon_detection_lab.py), delay_loop 1, connect_timeout 1, retry 1, delay_before_retry 1.

A real server is made to fail (``refused``, ``silent`` or, for HTTP, ``stalled``), and the
time runs until the kernel's table no longer has it (polled over netlink every 10 ms, not the
daemon's word); it is then brought back, and the time runs until the table has it again. Each
case is repeated ``--repeat`` times, each failure and each return after a random pause (so it
falls anywhere in the checker's cycle); the medians, the spread and the bound the
configuration gives are printed side by side. The checker child's syscalls per second while
all is up (strace -c, untimed) and the cost of one syscall (where.py) say what the checker's
polling costs there.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from daemon_detection_lab import RealServer, lb_netns
from daemon_process import as_installed, wait
from where import print_where, take_json_path, write_json

from pyipvs import Ipvs

DELAY_LOOP, CONNECT_TIMEOUT, RETRY, DELAY_BEFORE_RETRY = 1.0, 1.0, 1, 1.0
TIMING = f"""            connect_timeout {CONNECT_TIMEOUT:g}
            retry {RETRY}
            delay_before_retry {DELAY_BEFORE_RETRY:g}
"""
CONFIG = f"""global_defs {{
    router_id detection
}}
virtual_server 10.0.0.5 80 {{
    delay_loop {DELAY_LOOP:g}
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 10.79.1.2 80 {{
        TCP_CHECK {{
{TIMING}        }}
    }}
    real_server 10.79.2.2 80 {{
        HTTP_GET {{
            url {{
                path /
                status_code 200
            }}
{TIMING}        }}
    }}
}}
"""
CASES = (("TCP_CHECK", "refused"), ("TCP_CHECK", "silent"), ("HTTP_GET", "refused"))
CASES += (("HTTP_GET", "silent"), ("HTTP_GET", "stalled"))
POLL = 0.01


def bounds(how: str) -> tuple[float, float]:
    """The longest the configuration allows, out and back in, for a failure of kind *how*.

    Out: the next check starts at most delay_loop after the last good one ended, then retry
    more attempts follow, delay_before_retry apart; each attempt fails at once when refused,
    after connect_timeout when nothing answers. Back in: a down checker runs every delay_loop
    and comes up on its first success; an attempt under way when the server comes back may
    still time out first."""
    attempt = 0.0 if how == "refused" else CONNECT_TIMEOUT
    out = DELAY_LOOP + (RETRY + 1) * attempt + RETRY * DELAY_BEFORE_RETRY
    return out, DELAY_LOOP + attempt


def in_table(ipvs: Ipvs) -> set[str]:
    return {str(rs.address) for servers in ipvs.table().values() for rs in servers}


def until(ipvs: Ipvs, address: str, present: bool, limit: float = 60.0) -> float:
    start = time.monotonic()
    while (address in in_table(ipvs)) != present:
        if time.monotonic() - start > limit:
            raise RuntimeError(f"{address} still {'out' if present else 'in'} after {limit} s")
        time.sleep(POLL)
    return time.monotonic() - start


def syscalls_per_second(pid: int, seconds: float) -> float:
    """The syscalls *pid* (and its threads) makes per second, by strace -c -f (untimed)."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as out:
        argv = ["strace", "-f", "-c", "-o", out.name, "-p", str(pid)]
        strace = subprocess.Popen(argv, stderr=subprocess.DEVNULL)
        time.sleep(seconds)
        strace.send_signal(signal.SIGINT)
        strace.wait(30)
        totals = [line.split() for line in out.read().splitlines() if line.endswith(" total")]
    return int(totals[-1][3]) / seconds if totals else 0.0


def measure(command: list[str], repeat: int, seed: int) -> dict[str, list[float]]:
    lb = lb_netns()
    servers = {"TCP_CHECK": RealServer(lb, 1, http=False), "HTTP_GET": RealServer(lb, 2, True)}
    work = Path(tempfile.mkdtemp(prefix="daemon-detection-"))
    (work / "keepalived.conf").write_text(CONFIG)
    files = ["-p", str(work / "k.pid"), "-c", str(work / "c.pid"), "-r", str(work / "v.pid")]
    argv = ["ip", "netns", "exec", lb, *command, "-n", "-G", "-f", str(work / "keepalived.conf")]
    env = {**as_installed(), "PYIPVS_KEEPALIVED_STATUS_DIR": str(work / "run")}
    proc = subprocess.Popen(
        [*argv, *files], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    results: dict[str, list[float]] = {}
    rng = random.Random(seed)
    try:
        with Ipvs(netns=lb) as ipvs:
            wait(lambda: len(in_table(ipvs)) == 2, 120)
            time.sleep(2.0)  # settled
            checker = int((work / "c.pid").read_text())
            results["syscalls_per_s"] = [syscalls_per_second(checker, 5.0)]
            for checker_kind, how in CASES:
                server = servers[checker_kind]
                for _ in range(repeat):
                    time.sleep(rng.uniform(0.0, DELAY_LOOP))
                    server.fail(how)
                    out = until(ipvs, server.address, present=False)
                    time.sleep(rng.uniform(0.0, DELAY_LOOP + CONNECT_TIMEOUT))  # any phase
                    server.restore(how)
                    back = until(ipvs, server.address, present=True)
                    results.setdefault(f"{checker_kind} {how}: out", []).append(out)
                    results.setdefault(f"{checker_kind} {how}: back in", []).append(back)
                time.sleep(DELAY_LOOP)
    finally:
        if proc.poll() is None:
            os.kill(int((work / "k.pid").read_text()), signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
        for server in servers.values():
            server.close()
        subprocess.run(["ip", "netns", "delete", lb], check=False)
        shutil.rmtree(work, ignore_errors=True)
    return results


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):5.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> int:
    json_path = take_json_path("daemon_detection", os.environ.get("PYIPVS_KERNEL_TIER", "host"))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="failures per case")
    parser.add_argument("--seed", type=int, default=15, help="of the random pauses")
    args = parser.parse_args()
    keepalived = shutil.which("keepalived", path=os.environ.get("PATH", "") + ":/usr/sbin")
    if keepalived is None or shutil.which("strace") is None:
        print("keepalived 2.2.7 and strace are needed", file=sys.stderr)
        return 1
    where = print_where()
    ours = [sys.executable, "-m", "pyipvs.cli.keepalived"]
    results = {
        "pyipvs-keepalived": measure(ours, args.repeat, args.seed),
        "keepalived": measure([keepalived], args.repeat, args.seed),
    }
    print(f"{'seconds, median (min-max)':28} {'pyipvs':>18} {'keepalived':>18} {'bound':>6}")
    rows: list[dict[str, object]] = []
    for case, values in results["pyipvs-keepalived"].items():
        theirs = results["keepalived"][case]
        if case == "syscalls_per_s":
            print(f"{'checker syscalls per second':28} {values[0]:18.0f} {theirs[0]:18.0f}")
            continue
        how = case.split(":")[0].split()[1]
        bound = bounds(how)[0 if case.endswith("out") else 1]
        print(f"{case:28} {spread(values):>18} {spread(theirs):>18} {bound:6.2f}")
        for tool, found in (("pyipvs-keepalived", values), ("keepalived", theirs)):
            rows.append({"case": case, "tool": tool, "value": round(statistics.median(found), 3)})
        rows.append({"case": case, "tool": "bound (config)", "value": bound})
    spreads = "; ".join(
        f"{tool} {case} {min(v):.2f}-{max(v):.2f}"
        for tool, found in results.items()
        for case, v in found.items()
        if case != "syscalls_per_s"
    )
    calls = {tool: round(found["syscalls_per_s"][0]) for tool, found in results.items()}
    write_json(
        json_path,
        name="daemon_detection",
        title="checker detection by the whole daemon: a real server out of the table and back",
        where=where,
        unit="s",
        lower_is_better=True,
        rows=rows,
        notes=(
            f"medians of {args.repeat} failures per case (seed {args.seed}), the kernel's table "
            f"polled every {POLL * 1000:g} ms over netlink; delay_loop {DELAY_LOOP:g}, "
            f"connect_timeout {CONNECT_TIMEOUT:g}, retry {RETRY}, delay_before_retry "
            f"{DELAY_BEFORE_RETRY:g}; checker child syscalls per second while all is up: "
            f"{calls}; spread (min-max): {spreads}"
        ),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
