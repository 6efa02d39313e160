# SPDX-License-Identifier: Apache-2.0
"""The daemon's process model, pyipvs-keepalived -P vs keepalived -P, in the same run: time from
exec to the VIP being held (one VRRP v3 instance, advert 0.1 s, alone on its link, so it becomes
master after its down timer), memory of the whole process tree (PSS, parent and children), CPU
used while idle (``--idle`` seconds as master), and time from SIGTERM to exit with the VIP
removed. A third run, pyipvs with ``--metrics`` (its opt-in Prometheus child, never scraped),
shows what the endpoint costs. Each daemon runs in its own fresh namespace on the host (root;
no ip_vs needed):

    .venv/bin/python benchmarks/daemon_process.py --idle 10
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

CONFIG = """
global_defs {
    router_id bench
    vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 77
    priority 150
    advert_int 0.1
    version 3
    virtual_ipaddress {
        10.77.0.100/32
    }
}
"""
TICKS = os.sysconf("SC_CLK_TCK")


def as_installed() -> dict[str, str]:
    """The environment to run the daemon in as a pip-installed pyipvs runs: its modules
    compiled to bytecode once (pip does it on install). A checkout with
    PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module of ours at each start
    (in UML, a third of exec-to-VIP)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    source = Path(__file__).resolve().parent.parent / "src" / "pyipvs"
    command = [sys.executable, "-m", "compileall", "-q", str(source)]
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return env


def netns() -> str:
    name = f"pyipvs-bench-{uuid.uuid4().hex[:8]}"
    ip = ["ip", "-n", name]
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run([*ip, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"], check=True)
    for link in ("lo", "eth0", "eth1"):
        subprocess.run([*ip, "link", "set", link, "up"], check=True)
    subprocess.run([*ip, "addr", "add", "10.77.0.2/24", "dev", "eth0"], check=True)
    return name


def has_vip(name: str) -> bool:
    out = subprocess.run(
        ["ip", "-n", name, "-o", "addr", "show", "dev", "eth0"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return "10.77.0.100/" in out


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            todo.extend(int(p) for p in task.read_text().split())
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def pss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                total += int(line.split()[1])
    return total / 1024


def wait(what: object, limit: float = 30.0) -> float:
    start = time.monotonic()
    while not what():  # type: ignore[operator]
        if time.monotonic() - start > limit:
            raise RuntimeError("timed out")
        time.sleep(0.005)
    return time.monotonic() - start


def measure(
    command: list[str], idle: float, extra: tuple[str, ...] = (), bytecode: bool = True
) -> dict[str, float]:
    name = netns()
    work = Path(tempfile.mkdtemp(prefix="daemon-bench-"))
    conf = work / "keepalived.conf"
    conf.write_text(CONFIG)
    pids = ["-p", str(work / "k.pid"), "-r", str(work / "v.pid"), "-c", str(work / "c.pid")]
    argv = ["ip", "netns", "exec", name, *command, "-P", "-n", "-G", "-f", str(conf), *pids, *extra]
    env = as_installed() if bytecode else dict(os.environ)
    env["PYIPVS_KEEPALIVED_STATUS_DIR"] = str(work / "run")  # its own sockets
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait(lambda: has_vip(name))
        to_vip = time.monotonic() - start
        wait(lambda: (work / "k.pid").exists())
        parent = int((work / "k.pid").read_text())
        pids_now = tree(parent)
        before = cpu_seconds(pids_now)
        time.sleep(idle)
        idle_cpu = (cpu_seconds(pids_now) - before) / idle
        memory = pss_mib(pids_now)
        stop = time.monotonic()
        os.kill(parent, signal.SIGTERM)
        proc.wait(30)
        to_stop = time.monotonic() - stop
        vip_left = has_vip(name)
    finally:
        if proc.poll() is None:
            proc.kill()
        subprocess.run(["ip", "netns", "delete", name], check=False)
        shutil.rmtree(work, ignore_errors=True)
    return {
        "start_to_vip_s": round(to_vip, 3),
        "processes": len(pids_now),
        "pss_mib": round(memory, 1),
        "idle_cpu_percent": round(100 * idle_cpu, 2),
        "sigterm_to_exit_s": round(to_stop, 3),
        "vip_left_after_stop": float(vip_left),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds idle as master")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="run pyipvs as this environment has it (PYTHONDONTWRITEBYTECODE kept)",
    )
    args = parser.parse_args()
    keepalived = shutil.which("keepalived", path=os.environ.get("PATH", "") + ":/usr/sbin")
    if keepalived is None:
        print("keepalived 2.2.7 is needed as the peer", file=sys.stderr)
        return 1
    ours = [sys.executable, "-m", "pyipvs.cli.keepalived"]
    results = {
        "pyipvs": measure(ours, args.idle, bytecode=not args.no_bytecode),
        "pyipvs --metrics": measure(
            ours, args.idle, ("--metrics=127.0.0.1:9650",), bytecode=not args.no_bytecode
        ),
        "keepalived": measure([keepalived], args.idle),
    }
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print(f"{'':22} {'pyipvs':>10} {'--metrics':>10} {'keepalived':>11} {'ratio':>7}")
    for key in results["pyipvs"]:
        plain, metrics = results["pyipvs"][key], results["pyipvs --metrics"][key]
        theirs = results["keepalived"][key]
        ratio = f"{plain / theirs:7.2f}" if theirs else "      -"
        print(f"{key:22} {plain:10g} {metrics:10g} {theirs:11g} {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
