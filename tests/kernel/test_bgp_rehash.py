# SPDX-License-Identifier: Apache-2.0
"""Connections through three active directors when one of them dies.

A router (BIRD, ECMP over the directors with ``merge paths``, the kernel hashing on ports:
``fib_multipath_hash_policy`` 1), three directors on one LAN (each ``pyipvs-keepalived`` with
``pyipvs_bgp`` and BFD, BIRD, the same virtual server: ``lb_algo mh`` with ``mh-port``,
direct routing to the same two real servers), two echo servers, a client. Long-lived TCP
connections are opened until every director carries some, each exchanges a few lines; then
one director is frozen (its BIRD and daemon stopped: its kernel still forwards), the router
drops it by BFD, and it is killed (its link deleted).

What is guaranteed, and asserted: a connection whose router path did not change continues
(its director and its director's table are untouched); new connections succeed. With the
kernel's sync daemon in both roles on every director (``pyipvs_bgp``'s ``sync_daemon``:
master and backup at once), once every connection is in every director's table (checked before the
death), a connection the router moves to another director continues too: that director
forwards it to the real server the synced entry names, the one ``mh`` chose everywhere.
Without sync, a moved connection reaches a director that never saw its SYN, and IPVS does not
schedule a TCP packet that is not a SYN (``sloppy_tcp`` 0): it is lost. With ``sloppy_tcp`` 1
it is scheduled, and ``mh``, the same table on every director (the same real servers in the
same order, and fixed hash keys in the kernel's ip_vs_mh.c), picks the same real server.
Which connections move is the router's hash-threshold ECMP (a hash of addresses and ports):
removing one of three next hops moves the dead one's flows and also a quarter of the others'.
The shares are printed; only what is guaranteed is asserted."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from check_servers import in_netns
from test_bgp_announce import Bird
from waiting import wait_for

SHARD_BY_PARAMS = ("sync", "sloppy")
VIP, PORT, CLIENT, ROUTER_CLIENT_SIDE = "10.0.0.5", 80, "10.98.0.2", "10.98.0.1"
ROUTER = "10.97.0.1"
DIRECTORS = {"d1": "10.97.0.11", "d2": "10.97.0.12", "d3": "10.97.0.13"}
SERVERS = {"rs1": "10.97.0.21", "rs2": "10.97.0.22"}
BFD = "min rx interval 200 ms; min tx interval 200 ms; multiplier 5;"
TIMERS = "hold time 6; connect retry time 1; error wait time 1, 2;"
SYNC_ID = 19
EACH = 4  # connections every director must carry before the death
ECHO = f"""
import socketserver
class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.daemon_threads = True
socketserver.ThreadingTCPServer(("0.0.0.0", {PORT}), Echo).serve_forever()
"""
ROUTER_BIRD = """router id {router};
protocol device {{}}
protocol kernel {{ ipv4 {{ import none; export all; }}; merge paths on; }}
protocol bfd {{ interface "*" {{ {bfd} }}; }}
{sessions}"""
SESSION = """protocol bgp {name} {{ local {router} as 65000; neighbor {peer} as 65001;
    {timers} bfd on; ipv4 {{ import all; export none; }}; }}
"""
DIRECTOR_BIRD = """router id {local};
protocol device {{}}
include "{include}";
protocol bgp upstream {{ local {local} as 65001; neighbor {router} as 65000; {timers} bfd on;
    ipv4 {{ import none; export where proto = "pyipvs_vips4"; }}; }}
"""
KEEPALIVED = """pyipvs_bgp {{
    control_socket {dir}/bird.ctl
    include_file {dir}/vips.conf
    check_interval 0.5
    retry_max 1
    bfd_interval 0.2
    bfd_multiplier 5
{sync}}}
virtual_server {vip} {port} {{
    delay_loop 1
    lb_algo mh
    mh-port
    lb_kind DR
    protocol TCP
{servers}}}
"""
REAL_SERVER = """    real_server {address} {port} {{
        TCP_CHECK {{
            connect_timeout 1
        }}
    }}
"""


def sh(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def in_ns(netns: str, *argv: str) -> str:
    return sh("ip", "netns", "exec", netns, *argv)


class Lab:
    """The namespaces and links; the LAN is a bridge in the router's namespace."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        tag = uuid.uuid4().hex[:6]
        self.ns = {name: f"aa-{name}-{tag}" for name in ("router", "client", *DIRECTORS, *SERVERS)}
        self.procs: list[subprocess.Popen[bytes]] = []
        self.daemons: dict[str, subprocess.Popen[bytes]] = {}
        self.birds: dict[str, Bird] = {}

    def build(self) -> None:
        for netns in self.ns.values():
            sh("ip", "netns", "add", netns)
            sh("ip", "-n", netns, "link", "set", "lo", "up")
        router = self.ns["router"]
        in_ns(router, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        # The next hop by a hash of addresses and ports, as a router hashes what it receives.
        # Not policy 1: that takes a hash the packet already carries, and a veth carries the
        # client socket's own (random, changed by TCP at a retransmission timeout).
        in_ns(router, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_policy=3")
        # source and destination address, protocol, source and destination port
        in_ns(router, "sysctl", "-qw", "net.ipv4.fib_multipath_hash_fields=0x37")
        sh("ip", "-n", router, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
        sh("ip", "-n", router, "addr", "add", f"{ROUTER}/24", "dev", "br0")
        sh("ip", "-n", router, "link", "set", "br0", "up")
        self._veth(self.ns["client"], "eth0", router, "client0", CLIENT, ROUTER_CLIENT_SIDE)
        for name, address in {**DIRECTORS, **SERVERS}.items():
            self._veth(self.ns[name], "lan0", router, f"p-{name}", address, None)
            sh("ip", "-n", router, "link", "set", f"p-{name}", "master", "br0")
            sh("ip", "-n", self.ns[name], "route", "add", "default", "via", ROUTER)
            sh("ip", "-n", self.ns[name], "addr", "add", f"{VIP}/32", "dev", "lo")
        for name in SERVERS:  # direct routing: the VIP is local, but never answered for by ARP
            for key, value in (("arp_ignore", "1"), ("arp_announce", "2")):
                in_ns(self.ns[name], "sysctl", "-qw", f"net.ipv4.conf.all.{key}={value}")

    def _veth(
        self, inner: str, dev: str, router: str, peer: str, address: str, gw: str | None
    ) -> None:
        sh("ip", "-n", inner, "link", "add", dev, "type", "veth", "peer", peer)
        sh("ip", "-n", inner, "link", "set", peer, "netns", router)
        sh("ip", "-n", inner, "addr", "add", f"{address}/24", "dev", dev)
        sh("ip", "-n", inner, "link", "set", dev, "up")
        sh("ip", "-n", router, "link", "set", peer, "up")
        if gw is not None:
            sh("ip", "-n", router, "addr", "add", f"{gw}/24", "dev", peer)
            sh("ip", "-n", inner, "route", "add", "default", "via", gw)

    def start(self, sync: bool, sloppy: bool = False) -> None:
        """Servers, BIRDs and daemons; *sloppy*: IPVS schedules TCP packets that are not
        SYNs (``sloppy_tcp``), so that ``mh`` alone can take over a moved connection."""
        for name in SERVERS:
            argv = ["ip", "netns", "exec", self.ns[name], sys.executable, "-c", ECHO]
            self.procs.append(subprocess.Popen(argv))
        sessions = "".join(
            SESSION.format(name=name, router=ROUTER, peer=address, timers=TIMERS)
            for name, address in DIRECTORS.items()
        )
        conf = self.tmp / "router.conf"
        conf.write_text(ROUTER_BIRD.format(router=ROUTER, bfd=BFD, sessions=sessions))
        self.birds["router"] = Bird(self.ns["router"], conf, self.tmp / "r.ctl", self.tmp / "r.log")
        self.birds["router"].start()
        for name in DIRECTORS:
            if sloppy:
                in_ns(self.ns[name], "sysctl", "-qw", "net.ipv4.vs.sloppy_tcp=1")
            self._director(name, sync)

    def _director(self, name: str, sync: bool) -> None:
        netns, local, home = self.ns[name], DIRECTORS[name], self.tmp / name
        home.mkdir()
        (home / "vips.conf").write_text("")
        (home / "bird.conf").write_text(
            DIRECTOR_BIRD.format(
                local=local, router=ROUTER, include=home / "vips.conf", timers=TIMERS
            )
        )
        servers = "".join(REAL_SERVER.format(address=a, port=PORT) for a in SERVERS.values())
        (home / "keepalived.conf").write_text(
            KEEPALIVED.format(
                dir=home,
                vip=VIP,
                port=PORT,
                servers=servers,
                # both roles at once, started by the daemon: send ours, receive the others'
                sync=f"    sync_daemon lan0 {SYNC_ID}\n" if sync else "",
            )
        )
        self.birds[name] = Bird(netns, home / "bird.conf", home / "bird.ctl", home / "b.log")
        self.birds[name].start()
        with open(home / "daemon.log", "w") as out:
            self.daemons[name] = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "pyipvs.cli.keepalived", "-n", "-l", "-G", "-C"),
                    *("-s", netns, "-f", str(home / "keepalived.conf")),
                    *("-p", str(home / "k.pid"), "-c", str(home / "c.pid")),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "PYIPVS_KEEPALIVED_STATUS_DIR": str(home / "status")},
            )

    def logs(self) -> list[Path]:
        return [self.tmp / name / "daemon.log" for name in DIRECTORS]

    def next_hops(self) -> set[str]:
        out = sh("ip", "-n", self.ns["router"], "-4", "route", "show", f"{VIP}/32").split()
        return {out[i + 1] for i, word in enumerate(out[:-1]) if word == "via"}

    def path_of(self, port: int) -> str:
        """The director the router's kernel sends the client's connection from *port* to."""
        out = sh(
            "ip",
            "-n",
            self.ns["router"],
            "route",
            "get",
            VIP,
            "from",
            CLIENT,
            "iif",
            "client0",
            "ipproto",
            "tcp",
            "sport",
            str(port),
            "dport",
            str(PORT),
        ).split()
        via = out[out.index("via") + 1]
        return next(name for name, address in DIRECTORS.items() if address == via)

    def sync_daemons(self, name: str) -> str:
        return in_ns(self.ns[name], sys.executable, "-m", "pyipvs.cli.ipvsadm", "-L", "--daemon")

    def synced_ports(self, name: str) -> set[int]:
        """Client ports in director *name*'s IPVS connection table (its own and synced)."""
        out = in_ns(self.ns[name], sys.executable, "-m", "pyipvs.cli.ipvsadm", "-L", "-n", "-c")
        ports = set()
        for line in out.splitlines():
            words = line.split()
            # pro expire state source virtual destination
            if len(words) >= 6 and words[3].startswith(f"{CLIENT}:"):
                ports.add(int(words[3].rsplit(":", 1)[1]))
        return ports

    def freeze(self, name: str, signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.daemons[name].pid, signum)
        proc = self.birds[name].proc
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signum)

    def close(self) -> None:
        for name in self.daemons:
            self.freeze(name, signal.SIGCONT)
            self.freeze(name, signal.SIGKILL)
            self.daemons[name].wait()
        for bird in self.birds.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                bird.stop()
        for proc in self.procs:
            proc.kill()
            proc.wait()
        for netns in self.ns.values():
            subprocess.run(["ip", "netns", "delete", netns], check=False)


@pytest.fixture
def lab(ip_vs_kernel: None, root: None, tmp_path: Path) -> Iterator[Lab]:
    built = Lab(tmp_path)
    try:
        built.build()
        yield built
    finally:
        built.close()


def exchange(conn: socket.socket, text: str) -> bool:
    """One line sent and its echo read back within a few seconds (TCP retransmits included)."""
    try:
        conn.sendall(text.encode() + b"\n")
        got = b""
        while not got.endswith(b"\n"):
            chunk = conn.recv(4096)
            if not chunk:
                return False
            got += chunk
        return got.decode() == text + "\n"
    except OSError:
        return False


def connect(lab: Lab) -> socket.socket:
    def dial() -> socket.socket:
        return socket.create_connection((VIP, PORT), timeout=8)

    return in_netns(lab.ns["client"], dial)


def open_spread(lab: Lab, each: int = EACH) -> dict[int, socket.socket]:
    """Connections until every director carries *each* of them (by the router's hash)."""
    conns: dict[int, socket.socket] = {}
    counts = dict.fromkeys(DIRECTORS, 0)
    while min(counts.values()) < each:
        assert len(conns) < 100 * each, f"the router's hash never spread: {counts}"
        conn = connect(lab)
        port = conn.getsockname()[1]
        conns[port] = conn
        counts[lab.path_of(port)] += 1
    return conns


@dataclass
class Outcome:
    """Whether each connection continued, by what the router did with its path."""

    stayed: list[bool]  # through a survivor, its path unchanged
    moved: list[bool]  # through a survivor, moved by the router to the other survivor
    dead: list[bool]  # through the director that died
    fresh: list[bool]  # new connections after the death

    def line(self) -> str:
        def share(part: list[bool]) -> str:
            return f"{sum(part)}/{len(part)}"

        return (
            f"unmoved survivors {share(self.stayed)}, moved between survivors "
            f"{share(self.moved)}, through the dead d3 {share(self.dead)}, new "
            f"{share(self.fresh)}"
        )


def director_dies(lab: Lab, sync: bool, each: int = EACH) -> Outcome:
    """The scenario on a started lab: connections spread, d3 frozen then killed."""
    every = set(DIRECTORS.values())
    wait_for(lambda: lab.next_hops() == every, "the router's ECMP route over d1-d3", *lab.logs())
    for name in DIRECTORS:  # the kernel's own view: mh with its port flag, DR to both servers
        table = in_ns(lab.ns[name], sys.executable, "-m", "pyipvs.cli.ipvsadm", "-L", "-n")
        assert f"{VIP}:{PORT} mh (mh-port)" in " ".join(table.split()), table
        assert table.count("Route") == len(SERVERS), table
    conns = open_spread(lab, each)
    for round_ in range(5):  # past the sync threshold (3 packets) on every connection
        for port, conn in conns.items():
            assert exchange(conn, f"{port} {round_}"), f"connection {port} before the death"
    if sync:
        for name in DIRECTORS:  # pyipvs_bgp's sync_daemon: both roles on every director
            daemons = lab.sync_daemons(name)
            assert "master sync daemon" in daemons and "backup sync daemon" in daemons, daemons
        wait_for(
            lambda: all(set(conns) <= lab.synced_ports(name) for name in DIRECTORS),
            "every connection in every director's table",
        )
    before = {port: lab.path_of(port) for port in conns}
    if not sync:  # each director's table holds its own connections: the router's hash agrees
        for name in DIRECTORS:
            assert lab.synced_ports(name) == {p for p in conns if before[p] == name}, name
    lab.freeze("d3", signal.SIGSTOP)
    wait_for(lambda: lab.next_hops() == every - {DIRECTORS["d3"]}, "d3 dropped by BFD")
    lab.freeze("d3", signal.SIGKILL)  # then killed, as a machine: its link gone
    sh("ip", "-n", lab.ns["d3"], "link", "del", "lan0")
    after = {port: lab.path_of(port) for port in conns}
    for conn in conns.values():
        conn.settimeout(5)
    alive = {port: exchange(conn, f"{port} after") for port, conn in conns.items()}
    fresh = [connect(lab) for _ in range(10)]
    outcome = Outcome(
        stayed=[alive[p] for p in conns if before[p] != "d3" and before[p] == after[p]],
        moved=[alive[p] for p in conns if before[p] != "d3" and before[p] != after[p]],
        dead=[alive[p] for p in conns if before[p] == "d3"],
        fresh=[exchange(conn, "new") for conn in fresh],
    )
    for conn in [*conns.values(), *fresh]:
        conn.close()
    return outcome


@pytest.mark.parametrize(
    ("sync", "sloppy"),
    [(True, False), (False, False), (False, True)],
    ids=["sync", "no-sync", "sloppy"],
)
def test_connections_when_a_director_dies(lab: Lab, sync: bool, sloppy: bool) -> None:
    lab.start(sync, sloppy)
    outcome = director_dies(lab, sync)
    print(f"sync={sync} sloppy={sloppy}: connections continuing: {outcome.line()}")
    assert all(outcome.stayed), "a connection whose path did not change was broken"
    if sync or sloppy:  # the entry synced, or the same mh table on every director
        assert all(outcome.moved), "a connection moved between survivors was broken"
    assert all(outcome.fresh), "a new connection failed"
