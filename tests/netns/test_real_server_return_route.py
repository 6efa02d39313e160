# SPDX-License-Identifier: Apache-2.0
"""The real-server side of the seed (its §2.3.4): replies leave the real server through the
floating gateway VIP 192.168.0.1, with the iproute2 recipe of docs/guide/real-servers.rst (the
commands pyipvs-lab runs on rs1 and rs2). The seed's two LANs as bridges, a VRRP pair of
``pyipvs-keepalived -P`` holding the front VIP 10.0.0.5 and the gateway VIP (``dev eth1``) in
the seed's single instance, a TCP echo server on rs1. Without the recipe the client gets no
answer (rs1 has no route to it); with it, the answer comes through the master, and after lb1
is cut off the same established connection and a new one are answered through lb2, whose
gratuitous ARP (sent on eth1, the gateway VIP's interface) moved rs1's gateway entry."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from check_servers import in_netns
from waiting import wait_for

PATIENCE = 40.0  # a bound on waiting, never a timing assertion
RS1, GATEWAY_VIP, FRONT_VIP, CLIENT = "192.168.0.12", "192.168.0.1", "10.0.0.5", "10.0.0.10"
#: The recipe, as on the real server (the seed's table "LVS" is number 200). The LAN's own
#: route in that table keeps the load balancers' health checks answered directly.
RECIPE = (
    f"ip rule add from {RS1} table 200",
    f"ip route add default via {GATEWAY_VIP} dev eth0 table 200",
    "ip route add 192.168.0.0/24 dev eth0 table 200",
    "ip route flush cache",
)
#: The seed's own VRRP block (one instance on the front LAN) with the gateway VIP on the back
#: LAN's interface, as keepalived takes it, and a short advert interval.
CONFIG = """
global_defs {{
    router_id {name}
    vrrp_garp_master_delay 0
}}
vrrp_instance VI_1 {{
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 0.1
    virtual_ipaddress {{
        10.0.0.5
        192.168.0.1 dev eth1
    }}
}}
"""
HOSTS = {  # name: (interface, bridge, address/prefix), ...
    "client": (("eth0", "front", f"{CLIENT}/24"),),
    "lb1": (("eth0", "front", "10.0.0.3/24"), ("eth1", "back", "192.168.0.2/24")),
    "lb2": (("eth0", "front", "10.0.0.4/24"), ("eth1", "back", "192.168.0.3/24")),
    "rs1": (("eth0", "back", f"{RS1}/24"),),
}


def run(netns: str, command: str) -> str:
    done = subprocess.run(
        ["ip", "netns", "exec", netns, *command.split()], capture_output=True, text=True
    )
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout


@pytest.fixture
def lans(root: None) -> Iterator[dict[str, str]]:
    """The namespaces by role (unique names), bridged as the seed's two LANs."""
    tag = os.urandom(3).hex()
    names = {role: f"rr{tag}-{role}" for role in ("switch", *HOSTS)}
    try:
        for name in names.values():
            subprocess.run(["ip", "netns", "add", name], check=True)
            run(name, "ip link set lo up")
        for bridge in ("front", "back"):
            run(names["switch"], f"ip link add {bridge} type bridge")
            run(names["switch"], f"ip link set {bridge} up")
        for role, links in HOSTS.items():
            for interface, bridge, address in links:
                port = f"{role}-{interface}"
                run(names["switch"], f"ip link add {port} type veth peer name {interface}")
                run(names["switch"], f"ip link set {interface} netns {names[role]}")
                run(names["switch"], f"ip link set {port} master {bridge} up")
                run(names[role], f"ip addr add {address} dev {interface}")
                run(names[role], f"ip link set {interface} up")
        for lb in ("lb1", "lb2"):
            run(names[lb], "sysctl -q -w net.ipv4.ip_forward=1")
        run(names["client"], f"ip route add 192.168.0.0/24 via {FRONT_VIP}")
        yield names
    finally:
        for name in names.values():
            subprocess.run(["ip", "netns", "delete", name], check=False)


def start_router(
    netns: str, name: str, priority: int, tmp: Path
) -> tuple[subprocess.Popen[bytes], Path]:
    home = tmp / name
    home.mkdir()
    conf, log = home / "keepalived.conf", home / "daemon.log"
    conf.write_text(CONFIG.format(name=name, priority=priority))
    env = {**os.environ, "PYIPVS_KEEPALIVED_STATUS_DIR": str(home)}
    words = ["-P", "-n", "-l", "-G", "-s", netns, "-f", str(conf)]
    words += [f"-{o}{home / n}.pid" for o, n in (("p", "parent"), ("r", "vrrp"), ("c", "chk"))]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pyipvs.cli.keepalived", *words],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    return proc, log


def holds(netns: str, address: str) -> bool:
    return f" {address}/" in run(netns, "ip -o -4 addr show")


def mac(netns: str, interface: str) -> str:
    return run(netns, f"cat /sys/class/net/{interface}/address").strip()


def gateway_mac(rs: str) -> str:
    """The link-layer address rs1 sends to for the gateway VIP (empty when unresolved)."""
    words = run(rs, f"ip neigh show {GATEWAY_VIP} dev eth0").split()
    return words[words.index("lladdr") + 1] if "lladdr" in words else ""


def echo_server(listener: socket.socket) -> None:
    """Echoes every line on every connection until the listener is closed."""

    def serve(conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(4096):
                conn.sendall(data)

    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def connect(client: str, timeout: float) -> socket.socket:
    return in_netns(client, lambda: socket.create_connection((RS1, 8080), timeout))


def echoes(conn: socket.socket, word: bytes) -> bool:
    conn.sendall(word)
    return conn.recv(4096) == word


def test_replies_through_the_gateway_vip(lans: dict[str, str], tmp_path: Path) -> None:
    listener = in_netns(lans["rs1"], lambda: socket.create_server((RS1, 8080)))
    threading.Thread(target=echo_server, args=(listener,), daemon=True).start()
    lb1, log1 = start_router(lans["lb1"], "lb1", 150, tmp_path)
    lb2, log2 = start_router(lans["lb2"], "lb2", 100, tmp_path)
    try:
        for vip in (FRONT_VIP, GATEWAY_VIP):
            wait_for(lambda v=vip: holds(lans["lb1"], v), f"lb1 holds {vip}", log1, log2)  # type: ignore[misc]
        assert not holds(lans["lb2"], GATEWAY_VIP)

        # Without the recipe rs1 has no route back to the client: the SYN-ACK goes nowhere.
        with pytest.raises(OSError):
            connect(lans["client"], 2.0).close()
        for command in RECIPE:
            run(lans["rs1"], command)

        conn = connect(lans["client"], 10.0)
        with conn:
            assert echoes(conn, b"through lb1\n")
            assert gateway_mac(lans["rs1"]) == mac(lans["lb1"], "eth1")

            # lb1 dies (cut off both LANs): lb2 takes both VIPs after Master_Down_Interval.
            for link in ("lb1-eth0", "lb1-eth1"):
                run(lans["switch"], f"ip link set {link} down")
            wait_for(lambda: holds(lans["lb2"], GATEWAY_VIP), "lb2 holds the gateway", log2)
            lb2_mac = mac(lans["lb2"], "eth1")
            wait_for(lambda: gateway_mac(lans["rs1"]) == lb2_mac, "rs1 follows the VIP", log2)
            assert echoes(conn, b"the same connection, through lb2\n")
        with connect(lans["client"], 10.0) as fresh:
            assert echoes(fresh, b"a new one, through lb2\n")
        assert gateway_mac(lans["rs1"]) == lb2_mac
    finally:
        for proc in (lb1, lb2):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(PATIENCE)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        listener.close()
