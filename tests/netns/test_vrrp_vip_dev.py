# SPDX-License-Identifier: Apache-2.0
"""A ``virtual_ipaddress`` entry's ``dev``, prefix, ``brd``, ``label`` and ``scope``: the seed's
shape (one instance on the front LAN, the gateway VIP ``dev eth1`` on the back LAN), run by
``pyipvs-keepalived -P`` and then by keepalived 2.2.7 in the same namespace. Both leave the same
``ip -o addr`` on both interfaces, both send the gateway VIP's gratuitous ARP on the back LAN
(from eth1's MAC) and not on the front one, and ours removes every address on stop. The
``virtual_ipaddress_excluded`` entry is installed and announced, never in the advert."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from check_servers import in_netns
from waiting import wait_for

PATIENCE = 30.0  # a bound on waiting, never a timing assertion
GATEWAY_VIP = "192.168.0.1"
CONFIG = """
global_defs {
    router_id lb1
    vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.5
        10.0.1.6/24 brd + label eth0:web scope site
        192.168.0.1 dev eth1
        192.168.0.7/24 dev eth1 brd 192.168.0.255 label eth1:gw
    }
    virtual_ipaddress_excluded {
        10.0.2.9/24 dev eth1
    }
}
"""
INSTALLED = ("10.0.0.5", "10.0.1.6", GATEWAY_VIP, "192.168.0.7", "10.0.2.9")
ETH_P_ARP, ETH_P_IP, IPPROTO_VRRP = 0x0806, 0x0800, 112


def run(netns: str, command: str) -> str:
    done = subprocess.run(
        ["ip", "netns", "exec", netns, *command.split()], capture_output=True, text=True
    )
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout


@pytest.fixture
def router(root: None) -> Iterator[tuple[str, str]]:
    """(lb, lan): lb has eth0 (front) and eth1 (back); lan holds their peers f0 and b0."""
    tag = os.urandom(3).hex()
    lb, lan = f"vd{tag}-lb", f"vd{tag}-lan"
    try:
        for name in (lb, lan):
            subprocess.run(["ip", "netns", "add", name], check=True)
            run(name, "ip link set lo up")
        for interface, peer, address in (
            ("eth0", "f0", "10.0.0.3/24"),
            ("eth1", "b0", "192.168.0.2/24"),
        ):
            run(lan, f"ip link add {peer} type veth peer name {interface}")
            run(lan, f"ip link set {interface} netns {lb}")
            run(lan, f"ip link set {peer} up")
            run(lb, f"ip addr add {address} dev {interface}")
            run(lb, f"ip link set {interface} up")
        yield lb, lan
    finally:
        for name in (lb, lan):
            subprocess.run(["ip", "netns", "delete", name], check=False)


def addresses(netns: str) -> list[str]:
    """``ip -o -4 addr`` of eth0 and eth1, without the lifetimes."""
    lines = run(netns, "ip -o -4 addr show").splitlines()
    kept = [" ".join(line.split("\\")[0].split()) for line in lines]
    return sorted(line for line in kept if " eth0 " in line or " eth1 " in line)


def holds_all(netns: str) -> bool:
    text = run(netns, "ip -o -4 addr show")
    return all(f" {a}/" in text for a in INSTALLED)


def listener(lan: str, interface: str, protocol: int = ETH_P_ARP) -> socket.socket:
    def open_socket() -> socket.socket:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(protocol))
        sock.bind((interface, 0))
        sock.settimeout(0.2)
        return sock

    return in_netns(lan, open_socket)


def arp_senders(sock: socket.socket) -> set[tuple[str, str]]:
    """(sender IP, sender MAC) of every ARP frame received until the socket is quiet."""
    seen: set[tuple[str, str]] = set()
    while True:
        try:
            frame = sock.recv(2048)
        except TimeoutError:
            return seen
        if len(frame) >= 42:
            seen.add((socket.inet_ntoa(frame[28:32]), frame[22:28].hex(":")))


def advert_counts(sock: socket.socket) -> set[int]:
    """The address count of every VRRP advert received until the socket is quiet."""
    counts: set[int] = set()
    while True:
        try:
            frame = sock.recv(2048)
        except TimeoutError:
            return counts
        header = 14 + (frame[14] & 0x0F) * 4
        if len(frame) > header + 3 and frame[23] == IPPROTO_VRRP:
            counts.add(frame[header + 3])


def daemon(kind: str, netns: str, home: Path) -> tuple[subprocess.Popen[bytes], Path]:
    conf, log = home / f"{kind}.conf", home / f"{kind}.log"
    conf.write_text(CONFIG)
    pids = ["-p", str(home / f"{kind}.pid"), "-r", str(home / f"{kind}-vrrp.pid")]
    if kind == "keepalived":
        if not shutil.which("keepalived"):
            pytest.fail("keepalived 2.2.7 is needed (scripts/bootstrap.sh installs it)")
        program = ["keepalived", "-D"]
    else:
        program = [sys.executable, "-m", "pyipvs.cli.keepalived"]
    env = {**os.environ, "PYIPVS_KEEPALIVED_STATUS_DIR": str(home)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["ip", "netns", "exec", netns, *program, "-P", "-n", "-l", "-f", str(conf), *pids],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    return proc, log


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(PATIENCE)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_once(kind: str, lb: str, lan: str, home: Path) -> tuple[list[str], set[tuple[str, str]]]:
    """The addresses the daemon installs, and the gratuitous ARPs seen on the back LAN; the
    front LAN sees none for the back LAN's addresses, and adverts with the 4 addresses of
    ``virtual_ipaddress`` only."""
    back, front = listener(lan, "b0"), listener(lan, "f0")
    adverts = listener(lan, "f0", ETH_P_IP)
    proc, log = daemon(kind, lb, home)
    try:
        wait_for(lambda: holds_all(lb), f"{kind} installs every VIP", log)
        installed = addresses(lb)
        time.sleep(1.0)  # the burst is sent right after the addresses (a bound, not a check)
        on_back, on_front, counts = arp_senders(back), arp_senders(front), advert_counts(adverts)
    finally:
        stop(proc)
        for sock in (back, front, adverts):
            sock.close()
    assert counts == {4}, counts
    assert not {ip for ip, _ in on_front} & {GATEWAY_VIP, "192.168.0.7"}, on_front
    wait_for(lambda: not any(f" {a}/" in run(lb, "ip -o -4 addr") for a in INSTALLED),
             f"{kind} removes every VIP", log)  # fmt: skip
    return installed, on_back


def test_vip_dev_prefix_brd_label_scope_as_keepalived(
    router: tuple[str, str], tmp_path: Path
) -> None:
    lb, lan = router
    eth1_mac = run(lb, "cat /sys/class/net/eth1/address").strip()
    ours, ours_arps = run_once("pyipvs", lb, lan, tmp_path)
    theirs, their_arps = run_once("keepalived", lb, lan, tmp_path)

    assert ours == theirs
    assert any(f"eth1 inet {GATEWAY_VIP}/32 scope global eth1" in line for line in ours), ours
    assert any("inet 10.0.1.6/24 brd 10.0.1.255 scope site eth0:web" in line
               for line in ours), ours  # fmt: skip
    for arps in (ours_arps, their_arps):
        assert (GATEWAY_VIP, eth1_mac) in arps, arps
        assert ("192.168.0.7", eth1_mac) in arps, arps
        assert ("10.0.2.9", eth1_mac) in arps, arps
