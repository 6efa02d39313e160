# SPDX-License-Identifier: Apache-2.0
"""The whole daemon with a large table (#15), pyipvs-keepalived vs keepalived 2.2.7, in the same
run, on a kernel with ip_vs (run it in UML: scripts/kernel-tier.sh -- .venv/bin/python
benchmarks/daemon_reload.py). One keepalived.conf: a VRRP v3 instance (advert 0.1 s, alone on
its link) and ``--services`` virtual servers, each with one real server (no checker: up).

* start to serving: from exec until the VIP is held and the kernel holds every real server;
* reload with one change: one real server's weight changed, SIGHUP to the parent; the time
  until the kernel shows the new weight, and the kernel operations the reload made. Counted two
  ways: netlink ``sendmsg``/``sendto``/``sendmmsg`` calls of the checker child on generic
  netlink sockets (strace, on a second reload: strace slows what it traces, so the timed
  reload is not traced), and for pyipvs the operations on check.sock;
* memory (PSS of the process tree) and CPU while idle (``--idle`` seconds, serving).

Each daemon runs in its own fresh namespace, one after the other; pyipvs as installed (its
modules compiled to bytecode first, see daemon_process.as_installed).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from daemon_process import CONFIG as VRRP
from daemon_process import as_installed, cpu_seconds, has_vip, netns, pss_mib, tree, wait
from where import print_where, take_json_path, write_json

from pyipvs.daemon.state.server import CHECK_SOCKET, read_status

SERVICE = """virtual_server 10.78.{a}.{b} 80 {{
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.2 9090 {{
        weight {weight}
    }}
}}
"""


def address(index: int) -> tuple[int, int]:
    return index // 250, index % 250 + 1


def config(services: int, changed: int, weight: int) -> str:
    blocks = [
        SERVICE.format(a=a, b=b, weight=weight if i == changed else 1)
        for i, (a, b) in ((i, address(i)) for i in range(services))
    ]
    return VRRP + "".join(blocks)


def ip_vs(pid: int) -> str:
    """The IPVS table of *pid*'s namespace, as /proc/net/ip_vs shows it there."""
    return Path(f"/proc/{pid}/net/ip_vs").read_text()


def weight_of(table: str, index: int) -> int | None:
    """The weight of the real server of virtual server *index* in an ip_vs listing."""
    a, b = address(index)
    key = f"TCP  0A4E{a:02X}{b:02X}:0050"
    at = table.find(key)
    if at < 0:
        return None
    match = re.search(r"-> 7F000002:2382\s+\w+\s+(\d+)", table[at : at + 300])
    return int(match.group(1)) if match else None


#: IPVS generic netlink commands (linux/ip_vs.h) that change the table; the others read it.
CHANGES = {1, 2, 3, 5, 6, 7, 9, 10, 16}  # NEW/SET/DEL_SERVICE, _DEST, daemons, SET_CONFIG, ZERO
MESSAGE = re.compile(r'nlmsg_type=(0x[0-9a-f]+|\d+)[^}]*\}, "\\x([0-9a-f]{2})')


def ipvs_family() -> int:
    """The IPVS generic netlink family's id (CTRL_CMD_GETFAMILY)."""
    name = b"IPVS\0"
    attr = struct.pack("=HH", 4 + len(name), 2) + name + b"\0" * (-len(name) % 4)
    body = struct.pack("=BBH", 3, 1, 0) + attr
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16) as sock:
        sock.sendto(struct.pack("=IHHII", 16 + len(body), 0x10, 1, 1, 0) + body, (0, 0))
        reply = sock.recv(65536)
    at = 20
    while at < len(reply):
        length, kind = struct.unpack_from("=HH", reply, at)
        if kind == 1:  # CTRL_ATTR_FAMILY_ID
            family: int = struct.unpack_from("=H", reply, at + 4)[0]
            return family
        at += (length + 3) & ~3
    raise SystemExit("no IPVS generic netlink family")


def ipvs_messages(trace: str, family: int) -> dict[str, int]:
    """IPVS messages in an strace log (every netlink message in each send), by kind."""
    counts = {"changes": 0, "reads": 0, "send_calls": 0}
    for line in trace.splitlines():
        found = [
            int(command, 16)
            for kind, command in MESSAGE.findall(line)
            if int(kind, 0) == family and "NETLINK" in line
        ]
        counts["send_calls"] += bool(found)
        for command in found:
            counts["changes" if command in CHANGES else "reads"] += 1
    return counts


def pid_from(path: Path) -> int:
    """The pid in *path*; 0 while it is missing or half-written."""
    try:
        return int(path.read_text())
    except (FileNotFoundError, ValueError):
        return 0


class Run:
    """One daemon in a fresh namespace, with its files in a temporary directory."""

    def __init__(self, command: list[str], services: int) -> None:
        self.services, self.changed = services, services // 2
        self.name, self.work = netns(), Path(tempfile.mkdtemp(prefix="daemon-reload-"))
        self.conf = self.work / "keepalived.conf"
        self.conf.write_text(config(services, self.changed, 1))
        files = ["-p", str(self.work / "k.pid"), "-r", str(self.work / "v.pid")]
        files += ["-c", str(self.work / "c.pid")]
        argv = ["ip", "netns", "exec", self.name, *command, "-n", "-G", "-f", str(self.conf)]
        self.env = {**as_installed(), "PYIPVS_KEEPALIVED_STATUS_DIR": str(self.work / "run")}
        self.start = time.monotonic()
        self.proc = subprocess.Popen(
            [*argv, *files], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env
        )

    def serving(self) -> float:
        wait(lambda: pid_from(self.work / "c.pid") and pid_from(self.work / "k.pid"), 120)
        checker = pid_from(self.work / "c.pid")
        wait(lambda: ip_vs(checker).count("-> 7F000002") == self.services, 300)
        wait(lambda: has_vip(self.name), 60)
        return time.monotonic() - self.start

    def reload(self, weight: int, trace: bool) -> tuple[float, dict[str, int]]:
        """SIGHUP with the changed server at *weight*: seconds until the kernel shows it, and
        the IPVS messages the checker sent, by kind (when *trace*, else empty)."""
        checker, parent = pid_from(self.work / "c.pid"), pid_from(self.work / "k.pid")
        self.conf.write_text(config(self.services, self.changed, weight))
        log = self.work / "strace.log"
        strace = None
        if trace:
            traced = ["-e", "trace=sendmsg,sendto,sendmmsg", "-o", str(log), "-p", str(checker)]
            strace = subprocess.Popen(["strace", "-f", "-yy", *traced], stderr=subprocess.DEVNULL)
            time.sleep(1.0)  # attached
        start = time.monotonic()
        os.kill(parent, signal.SIGHUP)
        wait(lambda: weight_of(ip_vs(checker), self.changed) == weight, 120)
        took = time.monotonic() - start
        if strace is None:
            return took, {}
        time.sleep(3.0)  # whatever the reload does after the change, counted too
        strace.send_signal(signal.SIGINT)
        strace.wait(30)
        return took, ipvs_messages(log.read_text(), ipvs_family())

    def operations(self) -> int:
        try:
            doc: dict[str, Any] = read_status(self.work / "run" / CHECK_SOCKET)
        except Exception:  # keepalived has no such socket
            return -1
        return sum(doc["ipvs"]["operations"].values())

    def idle(self, seconds: float) -> tuple[float, float]:
        pids = tree(pid_from(self.work / "k.pid"))
        before = cpu_seconds(pids)
        time.sleep(seconds)
        return pss_mib(pids), 100 * (cpu_seconds(pids) - before) / seconds

    def close(self) -> None:
        if self.proc.poll() is None:
            os.kill(pid_from(self.work / "k.pid"), signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        subprocess.run(["ip", "netns", "delete", self.name], check=False)
        shutil.rmtree(self.work, ignore_errors=True)


def measure(command: list[str], services: int, idle: float) -> dict[str, float]:
    run = Run(command, services)
    try:
        to_serving = run.serving()
        time.sleep(2.0)  # settled
        memory, cpu = run.idle(idle)
        ops_before = run.operations()
        took, _ = run.reload(5, trace=False)
        ops = run.operations() - ops_before if ops_before >= 0 else -1
        time.sleep(2.0)
        traced_took, messages = run.reload(7, trace=True)
    finally:
        run.close()
    return {
        "start_to_serving_s": round(to_serving, 3),
        "reload_one_change_s": round(took, 3),
        "reload_kernel_ops_status": float(ops),
        "reload_ipvs_changes_sent": float(messages["changes"]),
        "reload_ipvs_reads_sent": float(messages["reads"]),
        "reload_netlink_send_calls": float(messages["send_calls"]),
        "reload_traced_s": round(traced_took, 3),
        "pss_mib": round(memory, 1),
        "idle_cpu_percent": round(cpu, 2),
    }


def main() -> int:
    json_path = take_json_path("daemon_reload", os.environ.get("PYIPVS_KERNEL_TIER", "host"))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds idle, serving")
    args = parser.parse_args()
    keepalived = shutil.which("keepalived", path=os.environ.get("PATH", "") + ":/usr/sbin")
    if keepalived is None or shutil.which("strace") is None:
        print("keepalived 2.2.7 and strace are needed", file=sys.stderr)
        return 1
    where = print_where()
    ours = [sys.executable, "-m", "pyipvs.cli.keepalived"]
    results = {
        "pyipvs-keepalived": measure(ours, args.services, args.idle),
        "keepalived": measure([keepalived], args.services, args.idle),
    }
    print(f"{'':28} {'pyipvs':>10} {'keepalived':>11} {'ratio':>7}")
    rows: list[dict[str, object]] = []
    for key, ours_value in results["pyipvs-keepalived"].items():
        theirs = results["keepalived"][key]
        ratio = f"{ours_value / theirs:7.2f}" if theirs > 0 and ours_value >= 0 else "      -"
        print(f"{key:28} {ours_value:10g} {theirs:11g} {ratio}")
        for tool, value in (("pyipvs-keepalived", ours_value), ("keepalived", theirs)):
            if value > 0:  # the contract's values are positive: a 0 or "none" is left out
                rows.append({"case": key, "tool": tool, "value": value})
    write_json(
        json_path,
        name="daemon_reload",
        title=f"the whole daemon with {args.services} virtual servers: start, reload, idle",
        where=where,
        unit="mixed (the case name's suffix: s, MiB, %, count)",
        lower_is_better=True,
        rows=rows,
        notes=(
            "reload_ipvs_*_sent: IPVS generic netlink messages the checker child sent during "
            "a reload with one weight changed (strace -f -yy on it, a second reload), by "
            "command: changes (NEW/SET/DEL service or destination) and reads (GET_*); "
            "reload_kernel_ops_status: pyipvs's own count on check.sock (keepalived has "
            "none); a value of 0 is left out; reload_traced_s is the traced reload's time "
            "(strace slows it)"
        ),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
