# SPDX-License-Identifier: Apache-2.0
"""From a quorum change to the router's kernel: pyipvs_bgp against keepalived + scripts.

The peer is what operators bolt on by hand today: keepalived 2.2.7 with ``quorum_up`` /
``quorum_down`` scripts that rewrite the same BIRD include and run ``birdc configure``. Both
run the same virtual server and check in a director namespace with its BIRD, peering with a
router namespace's BIRD (a kernel protocol: the route lands in the router's kernel). Each
round closes the real server's port and times, from the moment the quorum script starts
(it writes the time: both daemons run it at the quorum change; the script's own start-up,
measured in the same run, is added back) to the route gone from the router's kernel; then
reopens it and times the route's return. Run in the kernel tier:

    scripts/kernel-tier.sh -- .venv/bin/python benchmarks/bgp_withdraw.py [--rounds N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from where import print_where

ROUTER, DIRECTOR, VIP = "10.99.0.1", "10.99.0.2", "10.0.0.5"
TIMERS = "hold time 6; connect retry time 1; error wait time 1, 2;"
ROUTER_BIRD = f"""router id {ROUTER};
protocol device {{}}
protocol kernel {{ ipv4 {{ import none; export all; }}; }}
protocol bgp director {{ local {ROUTER} as 65000; neighbor {DIRECTOR} as 65001; {TIMERS}
    ipv4 {{ import all; export none; }}; }}
"""
DIRECTOR_BIRD = """router id {director};
protocol device {{}}
include "{include}";
protocol bgp upstream {{ local {director} as 65001; neighbor {router} as 65000; {timers}
    ipv4 {{ import none; export where proto = "pyipvs_vips4"; }}; }}
"""
INCLUDE = (
    "protocol static pyipvs_vips4 {{ ipv4;\n{routes}}}\nprotocol static pyipvs_vips6 {{ ipv6; }}\n"
)
KEEPALIVED = """global_defs {{
    enable_script_security
    script_user root
}}
{extra}virtual_server {vip} 80 {{
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum_up "{up}"
    quorum_down "{down}"
    real_server 127.0.0.2 9090 {{
        TCP_CHECK {{
            connect_timeout 1
        }}
    }}
}}
"""


def sh(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


@contextmanager
def namespaces() -> Iterator[tuple[str, str]]:
    tag = uuid.uuid4().hex[:8]
    director, router = f"bgpb-d-{tag}", f"bgpb-r-{tag}"
    for name in (director, router):
        sh("ip", "netns", "add", name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
    try:
        sh("ip", "-n", director, "link", "add", "up0", "type", "veth", "peer", "down0")
        sh("ip", "-n", director, "link", "set", "down0", "netns", router)
        for name, dev, address in ((director, "up0", DIRECTOR), (router, "down0", ROUTER)):
            sh("ip", "-n", name, "addr", "add", f"{address}/24", "dev", dev)
            sh("ip", "-n", name, "link", "set", dev, "up")
        yield director, router
    finally:
        for name in (director, router):
            subprocess.run(["ip", "netns", "delete", name], check=False)


def routed(router: str) -> bool:
    out = subprocess.run(
        ["ip", "-n", router, "-4", "route", "show", f"{VIP}/32"], capture_output=True, text=True
    ).stdout
    return VIP in out


def wait(what: Callable[[], bool], patience: float = 60.0) -> float:
    deadline = time.monotonic() + patience
    while not what():
        if time.monotonic() > deadline:
            raise TimeoutError("the router never saw the change")
        time.sleep(0.002)
    return time.time()


class Listener:
    """The real server's port, open in *netns* while the process lives."""

    CODE = "import socket, time; s = socket.create_server(('127.0.0.2', 9090)); time.sleep(1e6)"

    def __init__(self, netns: str) -> None:
        argv = ["ip", "netns", "exec", netns, sys.executable, "-c", self.CODE]
        self.proc = subprocess.Popen(argv)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def scripts(tmp: Path, kind: str, control: Path, include: Path) -> tuple[Path, Path]:
    """The quorum scripts: the time, and for keepalived the BIRD include and configure."""
    made = []
    for name, routes in (("up", f"route {VIP}/32 blackhole;\n"), ("down", "")):
        body = f"#!/bin/sh\ndate +%s.%N > {tmp}/{name}.ts\n"
        if kind == "keepalived":
            text = INCLUDE.format(routes=routes).replace("\n", "\\n")
            body += f"printf '{text}' > {include}\nbirdc -s {control} configure >/dev/null\n"
        path = tmp / f"{name}.sh"
        path.write_text(body)
        path.chmod(0o755)
        made.append(path)
    return made[0], made[1]


def stamp(path: Path) -> float:
    """The time the quorum script wrote (it may still be starting when the route has gone),
    and the file is removed for the next round."""
    wait(lambda: path.exists() and path.read_text().strip() != "")
    value = float(path.read_text())
    path.unlink()
    return value


def script_start() -> float:
    """Seconds from a daemon's fork of a quorum script to the script's ``date``: added to the
    times measured from that ``date``, they start at the quorum change itself."""
    samples = []
    for _ in range(20):
        before = time.time()
        out = subprocess.run(["/bin/sh", "-c", "date +%s.%N"], capture_output=True, text=True)
        samples.append(float(out.stdout) - before)
    return statistics.median(samples)


def daemon_argv(kind: str, netns: str, tmp: Path, conf: Path) -> list[str]:
    pids = ["-p", str(tmp / "k.pid"), "-c", str(tmp / "c.pid"), "-r", str(tmp / "v.pid")]
    if kind == "keepalived":
        return ["keepalived", "-n", "-l", "-G", "-C", "-s", netns, "-f", str(conf), *pids]
    module = [sys.executable, "-m", "pyipvs.cli.keepalived"]
    return [*module, "-n", "-l", "-G", "-C", "-s", netns, "-f", str(conf), *pids]


def measure(kind: str, rounds: int) -> tuple[list[float], list[float]]:
    withdraws: list[float] = []
    announces: list[float] = []
    with tempfile.TemporaryDirectory() as name, namespaces() as (director, router):
        tmp = Path(name)
        control, include = tmp / "director.ctl", tmp / "vips.conf"
        include.write_text(INCLUDE.format(routes=""))
        (tmp / "router.conf").write_text(ROUTER_BIRD)
        (tmp / "director.conf").write_text(
            DIRECTOR_BIRD.format(director=DIRECTOR, router=ROUTER, timers=TIMERS, include=include)
        )
        up, down = scripts(tmp, kind, control, include)
        extra = ""
        if kind == "pyipvs":
            extra = f"pyipvs_bgp {{\n    control_socket {control}\n    include_file {include}\n}}\n"
        else:
            include.write_text(INCLUDE.format(routes=f"route {VIP}/32 blackhole;\n"))
        conf = tmp / "keepalived.conf"
        conf.write_text(KEEPALIVED.format(extra=extra, vip=VIP, up=up, down=down))
        bird = ["bird", "-f", "-c"]
        procs = [
            subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    router,
                    *bird,
                    str(tmp / "router.conf"),
                    "-s",
                    str(tmp / "r.ctl"),
                ]
            ),
            subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    director,
                    *bird,
                    str(tmp / "director.conf"),
                    "-s",
                    str(control),
                ]
            ),
        ]
        listener = Listener(director)
        with open(tmp / "daemon.log", "w") as log:
            procs.append(
                subprocess.Popen(daemon_argv(kind, director, tmp, conf), stdout=log, stderr=log)
            )
        try:
            wait(lambda: routed(router))
            for _ in range(rounds):
                listener.close()
                gone = wait(lambda: not routed(router))
                withdraws.append(gone - stamp(tmp / "down.ts"))
                listener = Listener(director)
                back = wait(lambda: routed(router))
                announces.append(back - stamp(tmp / "up.ts"))
        finally:
            listener.close()
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(30)
    return withdraws, announces


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.1f} / {max(values) * 1000:7.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print_where()
    start = script_start()
    print(f"a quorum script's start (fork to its date): {start * 1000:.1f} ms, added below")
    results = {}
    for kind in ("pyipvs", "keepalived"):
        withdraws, announces = measure(kind, args.rounds)
        results[kind] = ([w + start for w in withdraws], [a + start for a in announces])
    print(f"{'':34} {'withdraw (median / max)':>26} {'announce (median / max)':>26}")
    labels = {"pyipvs": "pyipvs_bgp (in-process, socket)", "keepalived": "keepalived + scripts"}
    for kind, (withdraws, announces) in results.items():
        print(f"{labels[kind]:34} {ms(withdraws):>26} {ms(announces):>26}")
    ours, theirs = results["pyipvs"], results["keepalived"]
    print(
        "ratio keepalived/pyipvs (median): withdraw "
        f"{statistics.median(theirs[0]) / statistics.median(ours[0]):.2f}x, announce "
        f"{statistics.median(theirs[1]) / statistics.median(ours[1]):.2f}x"
    )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
