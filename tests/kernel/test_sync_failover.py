# SPDX-License-Identifier: Apache-2.0
"""An established TCP connection survives a failover when ``lvs_sync_daemon`` is on.

The lab's topology (client, lb1, lb2, rs1 in namespaces), a pair of pyipvs-keepalived with NAT
(lb1 MASTER, lb2 BACKUP), an echo server on rs1. One TCP connection from the client through the
VIP exchanges data; lb1 dies as a machine (frozen, links cut, killed); the same connection
exchanges data again, now through lb2. With the sync daemon lb2's kernel holds the connection
before the kill (``ipvsadm -L -n -c``); without it (the control) lb2 knows nothing of the
connection and the same exchange fails (reset, or no answer within the client's timeout)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from ipvsadm_util import run_in

from pyipvs.lab import topology
from pyipvs.lab.daemons import Daemon

PORT = 80
# Each run (sync, and the control) sets up its own pair: they can run in different shards.
SHARD_BY_PARAMS = ("pair",)
LIMIT = 30.0  # generous bound on every wait (a correctness limit, not a speed claim)

ECHO_SERVER = f"""
import socketserver
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("0.0.0.0", {PORT}), Echo).serve_forever()
"""
# One connection; each line read from stdin is sent and its echo awaited, the outcome printed.
CLIENT = f"""
import socket, sys
s = socket.create_connection(("{topology.VIP}", {PORT}), timeout=10)
print("connected", s.getsockname()[1], flush=True)
reader = s.makefile("rb")
for line in sys.stdin:
    try:
        s.sendall(line.encode())
        echo = reader.readline().decode()
        print("ok" if echo == line else "wrong " + repr(echo), flush=True)
    except OSError as exc:
        print("error", type(exc).__name__, flush=True)
        break
"""

CONF = """global_defs {{
    router_id {lb}
{sync}}}
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id 51
    priority {priority}
    advert_int 1
    virtual_ipaddress {{
        10.0.0.5
        192.168.0.1 dev eth1  # the real servers' gateway: its gratuitous ARP on their LAN
    }}
}}
virtual_server 10.0.0.5 80 {{
    delay_loop 3
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.0.12 80 {{
        weight 1
        TCP_CHECK {{
            connect_timeout 3
        }}
    }}
}}
"""


def wait_until(what: str, ready: Callable[[], bool]) -> None:
    deadline = time.monotonic() + LIMIT
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {LIMIT:.0f} s: {what}")
        time.sleep(0.2)


def holds_vip(lb: str) -> bool:
    return topology.VIP in run_in(lb, "ip", "-4", "-o", "addr", "show", "dev", "eth0")


def connections(lb: str, client_port: int) -> list[str]:
    rows = run_in(lb, "ipvsadm", "-L", "-n", "-c").splitlines()
    return [row for row in rows if f"{topology.CLIENT_ADDRESS}:{client_port} " in row]


class Pair:
    """The lab's namespaces, rs1's echo server and a pyipvs-keepalived on lb1 and lb2."""

    def __init__(self, directory: Path, sync: bool) -> None:
        self.directory, self.sync = directory, sync
        self.daemons: dict[str, Daemon] = {}
        self.processes: list[subprocess.Popen[str]] = []

    def start_daemon(self, lb: str, state: str, priority: int) -> None:
        directory = self.directory / lb
        directory.mkdir()
        sync = "    lvs_sync_daemon eth1 VI_1 id 5\n" if self.sync else ""
        conf = CONF.format(lb=lb, sync=sync, state=state, priority=priority)
        (directory / "keepalived.conf").write_text(conf)
        self.daemons[lb] = daemon = Daemon("pyipvs", lb, directory)
        daemon.start()

    def spawn(self, netns: str, script: str) -> subprocess.Popen[str]:
        command = ["ip", "netns", "exec", netns, sys.executable, "-c", script]
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.processes.append(process)
        return process

    def kill_lb1(self) -> None:
        """lb1 dies as a machine: frozen, cut off both LANs, killed (no priority-0 advert)."""
        self.daemons["lb1"].freeze()
        topology.set_links(topology.LB_HOSTS[0], "down")
        self.daemons["lb1"].kill()

    def close(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait(timeout=10)
        for daemon in self.daemons.values():
            daemon.stop()
        topology.destroy()


@pytest.fixture
def pair(
    request: pytest.FixtureRequest, ip_vs_kernel: None, root: None, tmp_path: Path
) -> Iterator[Pair]:
    topology.create(1)
    built = Pair(tmp_path, sync=request.param)
    try:
        built.spawn("rs1", ECHO_SERVER)
        built.start_daemon("lb1", "MASTER", 150)
        wait_until("lb1 holds the VIP", lambda: holds_vip("lb1"))
        built.start_daemon("lb2", "BACKUP", 100)
        wait_until(
            "lb2 programs its table",
            lambda: "192.168.0.12:80" in run_in("lb2", "ipvsadm", "-L", "-n"),
        )
        yield built
    finally:
        built.close()


def exchange(client: subprocess.Popen[str], text: str) -> str:
    assert client.stdin is not None and client.stdout is not None
    client.stdin.write(text + "\n")
    return client.stdout.readline().strip()


@pytest.mark.parametrize("pair", [True, False], ids=["sync", "no-sync"], indirect=True)
def test_an_established_connection_and_a_failover(pair: Pair) -> None:
    client = pair.spawn(topology.CLIENT, CLIENT)
    assert client.stdout is not None
    connected = client.stdout.readline().split()
    assert connected[0] == "connected", connected
    port = int(connected[1])
    for n in range(8):  # past the kernel's sync_threshold (3 packets) to the connection's sync
        assert exchange(client, f"before {n}") == "ok"
    assert any("ESTABLISHED" in row for row in connections("lb1", port))
    if pair.sync:
        wait_until("lb2 holds the synced connection", lambda: bool(connections("lb2", port)))
    else:
        assert connections("lb2", port) == []
    pair.kill_lb1()
    wait_until("lb2 holds the VIP", lambda: holds_vip("lb2"))
    outcome = exchange(client, "after the failover")
    if pair.sync:
        assert outcome == "ok"
        assert exchange(client, "and again") == "ok"
        assert any("ESTABLISHED" in row for row in connections("lb2", port))
    else:
        assert outcome.startswith("error"), outcome  # reset by lb2, or no answer in 10 s
