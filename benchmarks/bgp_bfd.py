# SPDX-License-Identifier: Apache-2.0
"""From a director's death to its route gone from the router: BFD against the hold timer.

One director namespace runs ``pyipvs-keepalived`` (a ``pyipvs_bgp`` block, with
``bfd_interval`` / ``bfd_multiplier`` for the BFD rows) and BIRD 2; a router namespace's BIRD
peers with it by eBGP (and BFD) and puts the route into its kernel. Each round waits for the
route (and, with BFD, the router's BFD session up), freezes the director (SIGSTOP of BIRD and
the daemon's processes: a hung machine, whose kernel still holds the TCP session open), and
times from the freeze to the route gone from the router's kernel; then resumes it and waits
for the route again. Run in the kernel tier:

    scripts/kernel-tier.sh -- .venv/bin/python benchmarks/bgp_bfd.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bgp_withdraw import DIRECTOR, ROUTER, VIP, Listener, daemon_argv, namespaces, routed, wait
from where import print_where

Mode = tuple[str, int, tuple[float, int] | None]  # label, hold time, BFD (interval, multiplier)
MODES: tuple[Mode, ...] = (
    ("BFD 100 ms x 3", 6, (0.1, 3)),
    ("BFD 200 ms x 5", 6, (0.2, 5)),
    ("hold timer 6 s", 6, None),
    ("hold timer 3 s", 3, None),
)
TIMERS = "hold time {hold}; connect retry time 1; error wait time 1, 2;"
ROUTER_BIRD = """router id {router};
protocol device {{}}
protocol kernel {{ ipv4 {{ import none; export all; }}; }}
{bfd_protocol}protocol bgp director {{ local {router} as 65000; neighbor {director} as 65001;
    {timers}{bfd} ipv4 {{ import all; export none; }}; }}
"""
DIRECTOR_BIRD = """router id {director};
protocol device {{}}
include "{include}";
protocol bgp upstream {{ local {director} as 65001; neighbor {router} as 65000;
    {timers}{bfd} ipv4 {{ import none; export where proto = "pyipvs_vips4"; }}; }}
"""
KEEPALIVED = """pyipvs_bgp {{
    control_socket {control}
    include_file {include}
{bfd}}}
virtual_server {vip} 80 {{
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.2 9090 {{
        TCP_CHECK {{
            connect_timeout 1
        }}
    }}
}}
"""


def write_configs(tmp: Path, hold: int, bfd: tuple[float, int] | None) -> None:
    timers = TIMERS.format(hold=hold)
    on = " bfd on;" if bfd else ""
    protocol, block = "", ""
    if bfd:
        ms, mult = round(bfd[0] * 1000), bfd[1]
        timing = f"min rx interval {ms} ms; min tx interval {ms} ms; multiplier {mult};"
        protocol = f'protocol bfd {{ interface "*" {{ {timing} }}; }}\n'
        block = f"    bfd_interval {bfd[0]}\n    bfd_multiplier {mult}\n"
    include = tmp / "vips.conf"
    include.write_text("")
    (tmp / "router.conf").write_text(
        ROUTER_BIRD.format(
            router=ROUTER, director=DIRECTOR, timers=timers, bfd=on, bfd_protocol=protocol
        )
    )
    (tmp / "director.conf").write_text(
        DIRECTOR_BIRD.format(
            director=DIRECTOR, router=ROUTER, timers=timers, bfd=on, include=include
        )
    )
    (tmp / "keepalived.conf").write_text(
        KEEPALIVED.format(control=tmp / "d.ctl", include=include, bfd=block, vip=VIP)
    )


def bfd_up(control: Path) -> bool:
    argv = ["birdc", "-s", str(control), "show", "bfd", "sessions"]
    out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    return any(" Up " in f" {line} " for line in out.splitlines())


def measure(hold: int, bfd: tuple[float, int] | None, rounds: int) -> list[float]:
    times: list[float] = []
    with tempfile.TemporaryDirectory() as name, namespaces() as (director, router):
        tmp = Path(name)
        write_configs(tmp, hold, bfd)
        procs = []
        for netns, conf, ctl in (
            (router, "router.conf", "r.ctl"),
            (director, "director.conf", "d.ctl"),
        ):
            argv = [
                "ip",
                "netns",
                "exec",
                netns,
                "bird",
                "-f",
                "-c",
                str(tmp / conf),
                "-s",
                str(tmp / ctl),
            ]
            procs.append(
                subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        listener = Listener(director)
        with open(tmp / "daemon.log", "w") as log:
            argv = daemon_argv("pyipvs", director, tmp, tmp / "keepalived.conf")
            daemon = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
        bird = procs[1]
        try:
            for _ in range(rounds):
                wait(lambda: routed(router))
                if bfd:
                    wait(lambda: bfd_up(tmp / "r.ctl"))
                time.sleep(hold / 3 * 1.1)  # the freeze falls anywhere in a keepalive period
                start = time.time()
                os.killpg(daemon.pid, signal.SIGSTOP)
                bird.send_signal(signal.SIGSTOP)
                times.append(wait(lambda: not routed(router)) - start)
                bird.send_signal(signal.SIGCONT)
                os.killpg(daemon.pid, signal.SIGCONT)
        finally:
            listener.close()
            daemon.terminate()
            daemon.wait(30)
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(30)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print_where()
    print(
        f"{'director frozen -> route gone':24} {'expected':>22} {'median':>9} {'min':>9} {'max':>9}"
    )
    for label, hold, bfd in MODES:
        times = measure(hold, bfd, args.rounds)
        if bfd:
            expected = f"{bfd[0] * bfd[1] * 1000:.0f} ms (interval x mult)"
        else:
            expected = f"{hold - hold / 3:.0f}-{hold:.0f} s (hold - keepalive .. hold)"
        cells = [f"{v * 1000:7.0f}ms" for v in (statistics.median(times), min(times), max(times))]
        print(f"{label:24} {expected:>22} {cells[0]:>9} {cells[1]:>9} {cells[2]:>9}", flush=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
