# SPDX-License-Identifier: Apache-2.0
"""The whole ``pyipvs-keepalived`` daemon as a process in a test's namespace, for the daemon
tests of the netns and kernel tiers (one copy of what each of them used to write out).

One namespace gets a veth pair ``eth0`` / ``eth1`` (:func:`wire`: both up, lb1's address on
``eth0``): the VRRP instance sends on ``eth0``, a sniffer can listen on ``eth1``. A VRRP pair is
two namespaces joined by one veth, ``eth0`` in each (:func:`link_pair`). :func:`vrrp_config` is a
router's VRRP instance (VRRPv3, adverts every 100 ms, no GARP delay; lb1 the master at 150, lb2
the backup at 100), :func:`lb1_config` lb1's whole keepalived.conf with a virtual server block
when asked. :class:`DaemonProcess` runs the daemon with ``-n -l -G -s NS``, its
pid files and log in the test's directory, and kills what is left of it at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from types import TracebackType

PATIENCE = 40.0  # seconds; a bound on waiting, never a timing assertion
LB1, LB2 = "10.77.0.2", "10.77.0.1"
VIP = "10.77.0.100"
ROLES = {"lb1": ("MASTER", 150), "lb2": ("BACKUP", 100)}  # state and priority
VRRP_INSTANCE = """global_defs {{
    router_id {router}
    vrrp_garp_master_delay 0
}}
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id 77
    priority {priority}
    advert_int 0.1
    version 3
    virtual_ipaddress {{
{vips}
    }}
}}
"""
# A virtual server on the VIP with one real server on the namespace's loopback (a listener on
# 127.0.0.2:9090 keeps it up).
VIRTUAL_SERVER = """virtual_server 10.77.0.100 80 {{
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.2 9090 {{
{weight}        TCP_CHECK {{
            connect_timeout 2
        }}
    }}
}}
"""


def vrrp_config(*vips: str, router: str = "lb1") -> str:
    """*router*'s global_defs and VRRP instance, holding *vips* (default the VIP)."""
    state, priority = ROLES[router]
    lines = "\n".join(f"        {vip}/32" for vip in vips or (VIP,))
    return VRRP_INSTANCE.format(router=router, state=state, priority=priority, vips=lines)


def lb1_config(*vips: str, weight: int | None = None, virtual_server: bool = False) -> str:
    """lb1's keepalived.conf: the VRRP instance holding *vips* (default the VIP), and the
    virtual server on it when asked (its real server's ``weight`` line when given)."""
    text = vrrp_config(*vips)
    if virtual_server:
        text += VIRTUAL_SERVER.format(weight="" if weight is None else f"        weight {weight}\n")
    return text


def wire(netns: str, address: str = f"{LB1}/24") -> None:
    """The veth pair eth0 / eth1 in *netns*, both up, *address* on eth0."""
    ip = ["ip", "-n", netns]
    subprocess.run([*ip, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"], check=True)
    for link in ("eth0", "eth1"):
        subprocess.run([*ip, "link", "set", link, "up"], check=True)
    subprocess.run([*ip, "addr", "add", address, "dev", "eth0"], check=True)


def link_pair(lb1: str, lb2: str) -> None:
    """A VRRP pair: namespaces *lb1* and *lb2* joined by one veth, ``eth0`` in each, up, with
    lb1's and lb2's addresses."""
    subprocess.run(
        ["ip", "-n", lb1, "link", "add", "eth0", "type", "veth", "peer", "name", "x"], check=True
    )
    subprocess.run(["ip", "-n", lb1, "link", "set", "x", "netns", lb2], check=True)
    subprocess.run(["ip", "-n", lb2, "link", "set", "x", "name", "eth0"], check=True)
    for netns, address in ((lb1, f"{LB1}/24"), (lb2, f"{LB2}/24")):
        subprocess.run(["ip", "-n", netns, "addr", "add", address, "dev", "eth0"], check=True)
        subprocess.run(["ip", "-n", netns, "link", "set", "eth0", "up"], check=True)


def addresses(netns: str, dev: str = "eth0") -> set[str]:
    """The IPv4 addresses on *dev* in *netns* (lb1's own among them)."""
    out = subprocess.run(
        ["ip", "-n", netns, "-o", "-4", "addr", "show", "dev", dev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[3].split("/")[0] for line in out.splitlines()}


PID_FLAGS = {"parent": "-p", "vrrp": "-r", "checkers": "-c"}


class DaemonProcess:
    """``python -m pyipvs.cli.keepalived -n -l -G -s NETNS -f CONF`` plus the pid files of
    *children* (``parent`` always; ``vrrp`` -> ``-r``, ``checkers`` -> ``-c``) and *flags*,
    output to ``daemon.log`` in *tmp*. As a context manager it starts the daemon (unless
    :meth:`start` already did) and kills it if it still runs at the end."""

    def __init__(
        self,
        netns: str,
        tmp: Path,
        *flags: str,
        children: tuple[str, ...] = ("vrrp", "checkers"),
        env: dict[str, str] | None = None,
    ) -> None:
        self.conf, self.log = tmp / "keepalived.conf", tmp / "daemon.log"
        self.pids = {name: tmp / f"{name}.pid" for name in ("parent", *children)}
        words = ["-n", "-l", "-G", "-s", netns, "-f", str(self.conf)]
        for name, path in self.pids.items():
            words += [PID_FLAGS[name], str(path)]
        self.command = [sys.executable, "-m", "pyipvs.cli.keepalived", *words, *flags]
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, env=self.env
            )
        return self.proc

    def stop(self) -> int:
        """SIGTERM (unless it already ended), then its exit status."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(PATIENCE)

    def text(self) -> str:
        return self.log.read_text()

    def left_pid_files(self) -> list[Path]:
        return [path for path in self.pids.values() if path.exists()]

    def __enter__(self) -> DaemonProcess:
        if self.proc is None:
            self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
