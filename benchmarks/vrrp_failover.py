# SPDX-License-Identifier: Apache-2.0
"""Failover time: pyipvs-keepalived -P (its VRRP child) vs keepalived 2.2.7 -P as the backup.

Network namespaces on the host joined by a bridge: keepalived as master (priority 150) in lb1,
the backup under test (priority 100, the same keepalived.conf but for the priority) in lb2, and
a sniffer in a client namespace that timestamps every VRRP advert and gratuitous ARP it sees
(CLOCK_MONOTONIC, shared by all namespaces). Each run kills the master (SIGKILL) or stops it
(SIGTERM: a priority-0 advert), and measures from the master's last advert to the backup's
first advert and to its first gratuitous ARP for the VIP (the address is installed before it).
The RFC's figure is Master_Down_Interval (3 x interval + Skew_Time) for a kill, Skew_Time for
a stop. Both backups run in the same invocation, alternately, on the same topology. Needs root.

    .venv/bin/python benchmarks/vrrp_failover.py --runs 5
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from where import print_where, take_json_path, write_json

VIP, MASTER_IP, BACKUP_IP = "10.77.0.5", "10.77.0.2", "10.77.0.3"
WAIT = 30.0
CONF = """global_defs {{
    router_id {name}
    vrrp_garp_master_delay 0
{global_extra}}}
vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 77
    priority {priority}
    advert_int {interval}
    version {version}
    virtual_ipaddress {{
        {vip}/32
    }}
}}
"""
SNIFFER = """
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("eth0", 0))
print("READY", flush=True)
while True:
    frame = s.recv(2048)
    now = time.monotonic()
    kind = struct.unpack("!H", frame[12:14])[0]
    if kind == 0x0800 and frame[23] == 112:
        print("ADV", now, socket.inet_ntoa(frame[26:30]), frame[14 + 20 + 2], flush=True)
    elif kind == 0x0806:
        print("ARP", now, socket.inet_ntoa(frame[28:32]), flush=True)
"""
CHILD = """
import argparse, logging, sys
from pyipvs.daemon.vrrp.main import vrrp_child
handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(logging.Formatter("%(message)s"))
root = logging.getLogger("pyipvs")
root.addHandler(handler)
root.setLevel(logging.INFO)
sys.exit(vrrp_child(argparse.Namespace(use_file=sys.argv[1], config_id="b", vrrp_pid=sys.argv[2])))
"""


def sh(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True)


class Output:
    """A process's stdout lines, read by a thread."""

    def __init__(self, process: subprocess.Popen[str], directory: Path | None = None) -> None:
        self.process = process
        self.directory = directory
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def until(self, predicate: Callable[[str], bool], what: str) -> str:
        deadline = time.monotonic() + WAIT  # per call: the caller bounds its own loop
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit(f"gave up waiting for {what}") from None
            if predicate(line):
                return line


@contextmanager
def lan() -> Iterator[dict[str, str]]:
    tag = uuid.uuid4().hex[:6]
    names = {k: f"vf{k}{tag}" for k in ("br", "lb1", "lb2", "cl")}
    try:
        for ns in names.values():
            sh("ip", "netns", "add", ns)
        sh("ip", "-n", names["br"], "link", "add", "br0", "type", "bridge")
        sh("ip", "-n", names["br"], "link", "set", "br0", "up")
        for i, key in enumerate(("lb1", "lb2", "cl")):
            port = f"p{i}"
            sh("ip", "-n", names["br"], "link", "add", port, "type", "veth", "peer", "name",
               "eth0", "netns", names[key])  # fmt: skip
            sh("ip", "-n", names["br"], "link", "set", port, "master", "br0", "up")
            sh("ip", "-n", names[key], "addr", "add", f"10.77.0.{2 + i}/24", "dev", "eth0")
            sh("ip", "-n", names[key], "link", "set", "eth0", "up")
        yield names
    finally:
        for ns in names.values():
            subprocess.run(["ip", "netns", "delete", ns], check=False)


def start(ns: str, tool: str, name: str, priority: int, version: int, interval: float,
          cpu: int | None = None, global_extra: str = "") -> Output:  # fmt: skip
    """Starts *tool* in namespace *ns* (pinned to *cpu* with taskset when given;
    *global_extra*: more lines for global_defs)."""
    directory = Path(tempfile.mkdtemp(prefix="pyipvs-vrrp-bench-"))
    conf = directory / "keepalived.conf"
    values = {"priority": priority, "interval": interval, "version": version, "vip": VIP}
    conf.write_text(CONF.format(name=name, global_extra=global_extra, **values))
    if tool == "keepalived":
        argv = ["keepalived", "-n", "-l", "-G", "-P", "-f", str(conf), "-p",
                str(directory / "k.pid"), "-r", str(directory / "v.pid")]  # fmt: skip
    else:
        argv = [sys.executable, "-c", CHILD, str(conf), str(directory / "v.pid")]
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    process = subprocess.Popen(
        [*pin, "ip", "netns", "exec", ns, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Output(process, directory)


def kill_vrrp(master: Output) -> None:
    """SIGKILL keepalived's VRRP child, then its parent (killing the parent alone makes the
    child stop gracefully, with a priority-0 advert)."""
    assert master.directory is not None
    os.kill(int((master.directory / "v.pid").read_text()), signal.SIGKILL)
    master.process.kill()


def entering(state: str) -> Callable[[str], bool]:
    return lambda line: f"(VI_1) Entering {state} STATE" in line


def one_run(names: dict[str, str], sniff: Output, tool: str, version: int, interval: float,
            how: str) -> tuple[float, float]:  # fmt: skip
    """(master's last advert -> backup's first advert, -> backup's first GARP), seconds."""
    master = start(names["lb1"], "keepalived", "m", 150, version, interval)
    master.until(entering("MASTER"), "master")
    backup = start(names["lb2"], tool, "b", 100, version, interval)
    backup.until(entering("BACKUP"), "backup")
    time.sleep(5 * interval + 0.2)
    killed = time.monotonic()
    if how == "kill":
        kill_vrrp(master)
    else:
        master.process.send_signal(signal.SIGTERM)
    last_master = first_advert = first_garp = None
    while first_advert is None or first_garp is None:
        kind, text, source, *_ = sniff.until(lambda line: True, "traffic").split()
        at = float(text)
        if kind == "ADV" and source == MASTER_IP and first_advert is None:
            last_master = at  # the backlog's adverts too: the last one before the takeover
        elif kind == "ADV" and source == BACKUP_IP and at > killed and first_advert is None:
            first_advert = at
        elif kind == "ARP" and source == VIP and at > killed and first_garp is None:
            first_garp = at
    for process in (master.process, backup.process):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=WAIT)
    assert last_master is not None
    return first_advert - last_master, first_garp - last_master


def rfc(version: int, interval: float, how: str) -> float:
    skew = (256 - 100) / 256 * (interval if version == 3 else 1.0)
    return skew if how == "stop" else 3 * interval + skew


CASES = [(3, 0.01, "kill"), (3, 0.1, "kill"), (3, 0.1, "stop"), (2, 1.0, "kill"), (2, 1.0, "stop")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the 1 s (v2) cases")
    json_path = take_json_path("vrrp_failover", os.environ.get("PYIPVS_KERNEL_TIER", "host"))
    args = parser.parse_args()
    where = print_where()
    rows: list[dict[str, object]] = []
    print(f"medians of {args.runs}: master's last advert to the backup's first (GARP after)")
    print(f"{'case':<24} {'RFC ms':>8} {'keepalived':>11} {'pyipvs':>8} {'ratio':>6}"
          f" {'pyipvs - RFC':>13}")  # fmt: skip
    with lan() as names:
        sniffer = subprocess.Popen(["ip", "netns", "exec", names["cl"], sys.executable, "-c",
                                    SNIFFER], stdout=subprocess.PIPE, text=True)  # fmt: skip
        sniff = Output(sniffer)
        sniff.until(lambda line: line == "READY", "sniffer")
        try:
            for version, interval, how in CASES:
                if args.quick and interval >= 1:
                    continue
                rows += measure(names, sniff, version, interval, how, args.runs)
        finally:
            sniffer.kill()
    write_json(
        json_path,
        name="vrrp_failover",
        title="VRRP failover: master's last advert to the backup's first advert",
        where=where,
        unit="ms",
        lower_is_better=True,
        rows=rows,
        notes="medians; master keepalived 2.2.7 (priority 150), backup priority 100",
    )


def measure(names: dict[str, str], sniff: Output, version: int, interval: float, how: str,
            runs: int) -> list[dict[str, object]]:  # fmt: skip
    results: dict[str, list[tuple[float, float]]] = {"keepalived": [], "pyipvs": []}
    for _ in range(runs):
        for tool in results:  # alternately, so load changes hit both alike
            results[tool].append(one_run(names, sniff, tool, version, interval, how))
    advert = {t: statistics.median(r[0] for r in rs) * 1e3 for t, rs in results.items()}
    garp = {t: statistics.median(r[1] for r in rs) * 1e3 for t, rs in results.items()}
    case = f"v{version} {interval:g} s, {how}"
    formula = rfc(version, interval, how) * 1e3
    print(f"{case:<24} {formula:>8.1f} {advert['keepalived']:>11.1f} {advert['pyipvs']:>8.1f}"
          f" {advert['pyipvs'] / advert['keepalived']:>6.2f} {advert['pyipvs'] - formula:>+13.1f}"
          f"  GARP {garp['keepalived']:.1f} / {garp['pyipvs']:.1f}", flush=True)  # fmt: skip
    return [
        {"case": case, "tool": tool, "value": round(advert[tool], 2), "garp": round(garp[tool], 2)}
        for tool in results
    ] + [{"case": case, "tool": "RFC formula", "value": round(formula, 2)}]


if __name__ == "__main__":
    main()
