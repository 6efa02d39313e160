# SPDX-License-Identifier: Apache-2.0
"""``use_vmac``: lb1, lb2 and a client on one bridge. Each router makes ``vrrp.77``, a private-
mode macvlan with the virtual router MAC 00:00:5e:00:01:4d, and keepalived 2.2.7's sysctls on
it and on eth0. The master holds the VIP on it and its adverts leave from that MAC (from eth0's
with ``vmac_xmit_base``); the client's neighbour entry for the VIP holds the virtual MAC, and
still holds it, with the VIP answering (a TCP reset), once lb1 has stopped and lb2 took over;
the stopped router's macvlan is gone and its eth0 sysctls are back. lb2 is ``pyipvs-keepalived
-P`` or keepalived 2.2.7 with the same file. An IPv6 instance the same way, with
00:00:5e:00:02:4d and the router's link-local address on the VMAC."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from check_servers import in_netns
from daemon_netns import LB1, LB2, VIP, DaemonProcess
from waiting import wait_for

VMAC = "00:00:5e:00:01:4d"  # VRID 77 (RFC 5798 section 7.3)
VMAC6 = "00:00:5e:00:02:4d"
CLIENT = "10.77.0.9"
VIP6, CLIENT6 = "2001:db8:77::100", "2001:db8:77::9"
PREFIX = {VIP: 24, VIP6: 64}
CONFIG = """global_defs {{
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
    use_vmac
{xmit}    virtual_ipaddress {{
        {vip}
    }}
}}
"""
ROLES = {"lb1": ("MASTER", 150), "lb2": ("BACKUP", 100)}
ON_VMAC = {"arp_ignore": "1", "accept_local": "1", "rp_filter": "0", "promote_secondaries": "1"}


def config(router: str, xmit_base: bool, vip: str = VIP) -> str:
    state, priority = ROLES[router]
    xmit = "    vmac_xmit_base\n" if xmit_base else ""
    entry = f"{vip}/{PREFIX[vip]}"
    return CONFIG.format(router=router, state=state, priority=priority, xmit=xmit, vip=entry)


def ip(netns: str, *words: str) -> str:
    return subprocess.run(
        ["ip", "-n", netns, *words], capture_output=True, text=True, check=True
    ).stdout


def on_vmac(netns: str, family: str = "-4") -> set[str]:
    """The addresses of a family on ``vrrp.77`` (none while it does not exist)."""
    done = subprocess.run(
        ["ip", "-n", netns, "-o", family, "addr", "show", "dev", "vrrp.77"],
        capture_output=True,
        text=True,
    )
    return {line.split()[3].split("/")[0] for line in done.stdout.splitlines()}


def sysctl(netns: str, ifname: str, key: str, family: str = "ipv4") -> str:
    path = f"/proc/sys/net/{family}/conf/{ifname}/{key}"
    return subprocess.run(
        ["ip", "netns", "exec", netns, "cat", path], capture_output=True, text=True, check=True
    ).stdout.strip()


def write_sysctl(netns: str, family: str, ifname: str, key: str, value: str) -> None:
    path = f"/proc/sys/net/{family}/conf/{ifname}/{key}"
    subprocess.run(["ip", "netns", "exec", netns, "sh", "-c", f"echo {value} > {path}"], check=True)


@pytest.fixture
def lan(root: None) -> Iterator[tuple[str, str, str]]:
    """(lb1, lb2, client), each with eth0 on one bridge."""
    tag = os.urandom(3).hex()
    names = lb1, lb2, client = f"vm{tag}-1", f"vm{tag}-2", f"vm{tag}-c"
    hub = f"vm{tag}-h"
    try:
        for name in (*names, hub):
            subprocess.run(["ip", "netns", "add", name], check=True)
            ip(name, "link", "set", "lo", "up")
        ip(hub, "link", "add", "br0", "type", "bridge")
        ip(hub, "link", "set", "br0", "up")
        for i, (name, address) in enumerate(((lb1, LB1), (lb2, LB2), (client, CLIENT))):
            ip(hub, "link", "add", f"p{i}", "type", "veth", "peer", "name", "eth0")
            ip(hub, "link", "set", "eth0", "netns", name)
            ip(hub, "link", "set", f"p{i}", "master", "br0", "up")
            ip(name, "addr", "add", f"{address}/24", "dev", "eth0")
            write_sysctl(name, "ipv6", "eth0", "accept_dad", "0")  # link-local usable at once
            ip(name, "link", "set", "eth0", "up")
        ip(client, "addr", "add", f"{CLIENT6}/64", "dev", "eth0", "nodad")
        yield lb1, lb2, client
    finally:
        for name in (*names, hub):
            subprocess.run(["ip", "netns", "delete", name], check=False)


def start_ours(netns: str, router: str, home: Path, xmit_base: bool) -> DaemonProcess:
    home.mkdir()
    daemon = DaemonProcess(netns, home, "-P", children=("vrrp",))
    daemon.conf.write_text(config(router, xmit_base))
    daemon.start()
    return daemon


def start_keepalived(netns: str, home: Path, vip: str = VIP) -> subprocess.Popen[bytes]:
    if not shutil.which("keepalived"):
        pytest.fail("keepalived 2.2.7 is needed (scripts/bootstrap.sh installs it)")
    home.mkdir()
    conf = home / "keepalived.conf"
    conf.write_text(config("lb2", False, vip))
    words = ["-P", "-n", "-l", "-D", "-f", str(conf), "-p", str(home / "k.pid")]
    words += ["-r", str(home / "kv.pid")]
    with open(home / "daemon.log", "w") as out:
        return subprocess.Popen(
            ["ip", "netns", "exec", netns, "keepalived", *words],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def advert_sources(client: str, family: int = 4) -> set[str]:
    """The source MACs of the VRRP adverts the client sees in a short listen."""
    ethertype, protocol_at = (0x0800, 23) if family == 4 else (0x86DD, 20)

    def listen() -> set[str]:
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ethertype)) as sock:
            sock.bind(("eth0", 0))
            sock.settimeout(1.0)
            seen: list[str] = []
            while len(seen) < 10:  # adverts every 0.1 s
                try:
                    frame = sock.recv(2048)
                except TimeoutError:
                    break
                if len(frame) > protocol_at and frame[protocol_at] == 112:  # IPPROTO_VRRP
                    seen.append(frame[6:12].hex(":"))
            return set(seen)

    return in_netns(client, listen)


def neighbour(client: str, vip: str = VIP) -> str:
    """The client's neighbour entry for the VIP after a TCP connection attempt to it, which
    the master must answer (a reset: nothing listens)."""

    def knock() -> None:
        with socket.create_connection((vip, 9), timeout=5):
            pass

    with pytest.raises(ConnectionRefusedError):
        in_netns(client, knock)
    return ip(client, "neigh", "show", vip)


def pin_client(client: str, *routers: str) -> None:
    """The routers know the client's MAC (a permanent entry on eth0). Otherwise a router
    answering the client through the VIP first asks for the client's MAC itself, from eth0,
    with the VIP as sender address (Linux's default ``arp_announce`` 0), and the client's entry
    for the VIP takes eth0's MAC: keepalived 2.2.7 as master does the same (seen with this
    topology). That is the router's own ARP, not the VMAC's, so it stays out of this test."""
    mac = ip(client, "link", "show", "eth0").split("link/ether ")[1].split()[0]
    for router in routers:
        for address in (CLIENT, CLIENT6):
            words = ["neigh", "replace", address, "lladdr", mac, "dev", "eth0", "nud", "permanent"]
            ip(router, *words)


def assert_vmac_made(netns: str) -> None:
    link = ip(netns, "-d", "link", "show", "vrrp.77")
    assert f"link/ether {VMAC}" in link and "macvlan mode private" in link, link
    assert "state UP" in link or ",UP" in link, link
    for key, value in ON_VMAC.items():
        assert sysctl(netns, "vrrp.77", key) == value, key
    assert sysctl(netns, "vrrp.77", "disable_ipv6", "ipv6") == "1"
    assert sysctl(netns, "eth0", "arp_ignore") == "1"
    assert sysctl(netns, "eth0", "arp_filter") == "1"


@pytest.mark.parametrize(
    ("peer", "xmit_base"),
    [("pyipvs", False), ("keepalived", False), ("pyipvs", True)],
    ids=["pyipvs-pair", "keepalived-backup", "vmac_xmit_base"],
)
def test_the_vip_keeps_the_virtual_mac_across_a_failover(
    lan: tuple[str, str, str], tmp_path: Path, peer: str, xmit_base: bool
) -> None:
    lb1, lb2, client = lan
    eth0_macs = {
        n: ip(n, "link", "show", "eth0").split("link/ether ")[1].split()[0] for n in (lb1, lb2)
    }
    pin_client(client, lb1, lb2)
    one = start_ours(lb1, "lb1", tmp_path / "lb1", xmit_base)
    if peer == "pyipvs":
        two_proc = start_ours(lb2, "lb2", tmp_path / "lb2", xmit_base).proc
    else:
        two_proc = start_keepalived(lb2, tmp_path / "lb2")
    assert two_proc is not None
    two_log = tmp_path / "lb2" / "daemon.log"
    try:
        wait_for(lambda: VIP in on_vmac(lb1), "lb1 holds the VIP on its VMAC", one.log)
        wait_for(lambda: "vrrp.77" in ip(lb2, "link", "show"), "lb2 made its VMAC", two_log)
        for netns in (lb1, lb2):
            assert_vmac_made(netns)
        assert VIP not in on_vmac(lb2)
        assert f"lladdr {VMAC}" in neighbour(client)
        assert advert_sources(client) == {eth0_macs[lb1] if xmit_base else VMAC}

        assert one.stop() == 0
        wait_for(lambda: VIP in on_vmac(lb2), "lb2 takes the VIP over", two_log)
        assert f"lladdr {VMAC}" in neighbour(client)  # the same MAC, answered by lb2
        assert advert_sources(client) == {eth0_macs[lb2] if xmit_base else VMAC}
        assert "vrrp.77" not in ip(lb1, "link", "show")
        assert sysctl(lb1, "eth0", "arp_ignore") == "0"
        assert sysctl(lb1, "eth0", "arp_filter") == "0"
    finally:
        for proc in (one.proc, two_proc):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(40)
    assert "vrrp.77" not in ip(lb2, "link", "show")


@pytest.mark.parametrize("peer", ["pyipvs", "keepalived"])
def test_an_ipv6_vip_keeps_the_virtual_mac_across_a_failover(
    lan: tuple[str, str, str], tmp_path: Path, peer: str
) -> None:
    """IPv6: ``vrrp.77`` with 00:00:5e:00:02:4d, no address generation, the router's own
    link-local address on it (the advert source); the same checks as for IPv4."""
    lb1, lb2, client = lan
    pin_client(client, lb1, lb2)
    (tmp_path / "lb1").mkdir()
    one = DaemonProcess(lb1, tmp_path / "lb1", "-P", children=("vrrp",))
    one.conf.write_text(config("lb1", False, VIP6))
    one.start()
    if peer == "pyipvs":
        (tmp_path / "lb2").mkdir()
        two = DaemonProcess(lb2, tmp_path / "lb2", "-P", children=("vrrp",))
        two.conf.write_text(config("lb2", False, VIP6))
        two_proc = two.start()
    else:
        two_proc = start_keepalived(lb2, tmp_path / "lb2", VIP6)
    two_log = tmp_path / "lb2" / "daemon.log"
    try:
        wait_for(lambda: VIP6 in on_vmac(lb1, "-6"), "lb1 holds the VIP on its VMAC", one.log)
        wait_for(lambda: "vrrp.77" in ip(lb2, "link", "show"), "lb2 made its VMAC", two_log)
        for netns in (lb1, lb2):
            link = ip(netns, "-d", "link", "show", "vrrp.77")
            assert f"link/ether {VMAC6}" in link and "macvlan mode private" in link, link
            assert "addrgenmode none" in link, link
            own = {a for a in on_vmac(netns, "-6") if a.startswith("fe80:")}
            assert own == {a for a in ip_6(netns, "eth0") if a.startswith("fe80:")}, own
        assert f"lladdr {VMAC6}" in neighbour(client, VIP6)
        assert advert_sources(client, 6) == {VMAC6}

        assert one.stop() == 0
        wait_for(lambda: VIP6 in on_vmac(lb2, "-6"), "lb2 takes the VIP over", two_log)
        assert f"lladdr {VMAC6}" in neighbour(client, VIP6)
        assert advert_sources(client, 6) == {VMAC6}
        assert "vrrp.77" not in ip(lb1, "link", "show")
    finally:
        for proc in (one.proc, two_proc):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(40)
    assert "vrrp.77" not in ip(lb2, "link", "show")


def ip_6(netns: str, dev: str) -> set[str]:
    out = ip(netns, "-o", "-6", "addr", "show", "dev", dev)
    return {line.split()[3].split("/")[0] for line in out.splitlines()}
