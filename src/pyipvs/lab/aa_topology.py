# SPDX-License-Identifier: Apache-2.0
"""The active-active lab's machines: a router, three directors, two real servers, a client.

::

    client 10.98.0.2 --- 10.98.0.1 router 10.97.0.1 (BIRD 2, ECMP: merge paths; BFD)
                                     |  LAN 10.97.0.0/24 (bridge br0 in the router's namespace)
        d1 .11   d2 .12   d3 .13  (BIRD 2 + pyipvs-keepalived: pyipvs_bgp with BFD and
                                   sync_daemon, VIP 10.0.0.5 on lo, lb_algo mh + mh-port, DR)
        rs1 .21  rs2 .22          (echo servers, VIP on lo, arp_ignore 1 / arp_announce 2)

The router hashes addresses, protocol and ports (``fib_multipath_hash_policy`` 3, fields
0x37), as a router hashes what it receives: policy 1 would reuse the hash a veth carries over
from the client's socket. docs/guide/active-active.rst says why each piece is there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

VIP, PORT, CLIENT, ROUTER_CLIENT_SIDE, ROUTER = (
    "10.0.0.5",
    80,
    "10.98.0.2",
    "10.98.0.1",
    "10.97.0.1",
)
DIRECTORS = {"d1": "10.97.0.11", "d2": "10.97.0.12", "d3": "10.97.0.13"}
SERVERS = {"rs1": "10.97.0.21", "rs2": "10.97.0.22"}
BFD = (0.2, 5)  # interval, multiplier: 1 s to detect, without flapping on a loaded machine
TIMERS = "hold time 6; connect retry time 1; error wait time 1, 2;"
SYNC_ID = 19
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
protocol bfd {{ interface "*" {{
    min rx interval {ms} ms; min tx interval {ms} ms; multiplier {mult};
}}; }}
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
    control_socket {home}/bird.ctl
    include_file {home}/vips.conf
    check_interval 0.5
    retry_max 1
    bfd_interval {interval}
    bfd_multiplier {mult}
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


class Topology:
    """The namespaces, links and processes of one run, all under *home*."""

    def __init__(self, home: Path, sync: bool = True) -> None:
        self.home, self.sync = home, sync
        tag = uuid.uuid4().hex[:6]
        self.ns = {n: f"aa-{n}-{tag}" for n in ("router", "client", *DIRECTORS, *SERVERS)}
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def in_ns(self, name: str, *argv: str) -> str:
        return sh("ip", "netns", "exec", self.ns[name], *argv)

    def build(self) -> None:
        for netns in self.ns.values():
            sh("ip", "netns", "add", netns)
            sh("ip", "-n", netns, "link", "set", "lo", "up")
        router = self.ns["router"]
        for key, value in (
            ("net.ipv4.ip_forward", "1"),
            ("net.ipv4.fib_multipath_hash_policy", "3"),
            ("net.ipv4.fib_multipath_hash_fields", "0x37"),  # addresses, protocol, ports
        ):
            self.in_ns("router", "sysctl", "-qw", f"{key}={value}")
        sh("ip", "-n", router, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
        sh("ip", "-n", router, "addr", "add", f"{ROUTER}/24", "dev", "br0")
        sh("ip", "-n", router, "link", "set", "br0", "up")
        self._veth("client", "eth0", "client0", CLIENT)
        sh("ip", "-n", router, "addr", "add", f"{ROUTER_CLIENT_SIDE}/24", "dev", "client0")
        sh("ip", "-n", self.ns["client"], "route", "add", "default", "via", ROUTER_CLIENT_SIDE)
        # many short connections: ports enough that a client port is seldom reused while
        # a director still holds that port's closed connection
        self.in_ns("client", "sysctl", "-qw", "net.ipv4.ip_local_port_range=10000 65000")
        for name, address in {**DIRECTORS, **SERVERS}.items():
            self._veth(name, "lan0", f"p-{name}", address)
            sh("ip", "-n", router, "link", "set", f"p-{name}", "master", "br0")
            sh("ip", "-n", self.ns[name], "route", "add", "default", "via", ROUTER)
            sh("ip", "-n", self.ns[name], "addr", "add", f"{VIP}/32", "dev", "lo")
        for name in SERVERS:  # direct routing: the VIP is local, never answered for by ARP
            for key, value in (("arp_ignore", "1"), ("arp_announce", "2")):
                self.in_ns(name, "sysctl", "-qw", f"net.ipv4.conf.all.{key}={value}")

    def _veth(self, name: str, dev: str, peer: str, address: str) -> None:
        inner, router = self.ns[name], self.ns["router"]
        sh("ip", "-n", inner, "link", "add", dev, "type", "veth", "peer", peer)
        sh("ip", "-n", inner, "link", "set", peer, "netns", router)
        sh("ip", "-n", inner, "addr", "add", f"{address}/24", "dev", dev)
        sh("ip", "-n", inner, "link", "set", dev, "up")
        sh("ip", "-n", router, "link", "set", peer, "up")

    def _spawn(self, key: str, name: str, argv: list[str], log: Path, **kw: object) -> None:
        with open(log, "a") as out:
            self.procs[key] = subprocess.Popen(
                ["ip", "netns", "exec", self.ns[name], *argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                **kw,  # type: ignore[call-overload]
            )

    def start(self) -> None:
        for name in SERVERS:
            self._spawn(name, name, [sys.executable, "-c", ECHO], self.home / f"{name}.log")
        ms, mult = round(BFD[0] * 1000), BFD[1]
        sessions = "".join(
            SESSION.format(name=n, router=ROUTER, peer=a, timers=TIMERS)
            for n, a in DIRECTORS.items()
        )
        conf = self.home / "router-bird.conf"
        conf.write_text(ROUTER_BIRD.format(router=ROUTER, ms=ms, mult=mult, sessions=sessions))
        bird = ["bird", "-f", "-c", str(conf), "-s", str(self.home / "router-bird.ctl")]
        self._spawn("router-bird", "router", bird, self.home / "router-bird.log")
        for name in DIRECTORS:
            self._director(name)

    def _director(self, name: str) -> None:
        home = self.home / name
        home.mkdir(exist_ok=True)
        (home / "vips.conf").write_text("")
        (home / "bird.conf").write_text(
            DIRECTOR_BIRD.format(
                local=DIRECTORS[name], router=ROUTER, include=home / "vips.conf", timers=TIMERS
            )
        )
        sync = f"    sync_daemon lan0 {SYNC_ID}\n" if self.sync else ""
        servers = "".join(REAL_SERVER.format(address=a, port=PORT) for a in SERVERS.values())
        (home / "keepalived.conf").write_text(
            KEEPALIVED.format(
                home=home,
                interval=BFD[0],
                mult=BFD[1],
                sync=sync,
                vip=VIP,
                port=PORT,
                servers=servers,
            )
        )
        bird = ["bird", "-f", "-c", str(home / "bird.conf"), "-s", str(home / "bird.ctl")]
        self._spawn(f"{name}-bird", name, bird, home / "bird.log")
        self.start_daemon(name)

    def start_daemon(self, name: str) -> None:
        """The director's pyipvs-keepalived (again, after :meth:`stop_daemon`)."""
        home = self.home / name
        daemon = [sys.executable, "-m", "pyipvs.cli.keepalived", "-n", "-l", "-G", "-C"]
        daemon += ["-f", str(home / "keepalived.conf"), "-p", str(home / "k.pid")]
        daemon += ["-c", str(home / "c.pid")]
        env = {**os.environ, "PYIPVS_KEEPALIVED_STATUS_DIR": str(home / "status")}
        self._spawn(name, name, daemon, home / "daemon.log", start_new_session=True, env=env)

    def stop_daemon(self, name: str) -> None:
        """SIGTERM: the daemon withdraws the director's routes, then stops."""
        self.procs[name].terminate()
        self.procs[name].wait(40)

    def client(self) -> subprocess.Popen[str]:
        """The client agent (:mod:`pyipvs.lab.aa_client`), its stdin and stdout as pipes."""
        argv = [
            "ip",
            "netns",
            "exec",
            self.ns["client"],
            sys.executable,
            "-m",
            "pyipvs.lab.aa_client",
        ]
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.procs["client"] = proc  # type: ignore[assignment]
        return proc

    def next_hops(self) -> set[str]:
        out = sh("ip", "-n", self.ns["router"], "-4", "route", "show", f"{VIP}/32").split()
        hops = {out[i + 1] for i, word in enumerate(out[:-1]) if word == "via"}
        return {name for name, address in DIRECTORS.items() if address in hops}

    def path_of(self, port: int) -> str:
        """The director the router sends the client's connection from *port* to."""
        out = sh(
            *("ip", "-n", self.ns["router"], "route", "get", VIP, "from", CLIENT),
            *("iif", "client0", "ipproto", "tcp", "sport", str(port), "dport", str(PORT)),
        ).split()
        via = out[out.index("via") + 1]
        return next(name for name, address in DIRECTORS.items() if address == via)

    def table_ports(self, name: str) -> set[int]:
        """Client ports in director *name*'s IPVS connection table (its own and synced)."""
        out = self.in_ns(name, sys.executable, "-m", "pyipvs.cli.ipvsadm", "-L", "-n", "-c")
        words = [line.split() for line in out.splitlines()]
        return {
            int(w[3].rsplit(":", 1)[1])
            for w in words
            if len(w) >= 6 and w[3].startswith(f"{CLIENT}:")
        }

    def packets(self, name: str) -> int:
        """Packets director *name*'s virtual service has received (``--stats --exact``).
        Not its connection counter: a client port reused while the director still holds
        that port's closed connection (IPVS keeps it two minutes) makes no new one."""
        argv = ["-L", "-n", "--stats", "--exact"]
        out = self.in_ns(name, sys.executable, "-m", "pyipvs.cli.ipvsadm", *argv)
        for words in (line.split() for line in out.splitlines()):
            if words[:2] == ["TCP", f"{VIP}:{PORT}"]:
                return int(words[3])  # Prot LocalAddress:Port Conns InPkts ...
        return 0

    def signal_director(self, name: str, signum: signal.Signals) -> None:
        """*signum* to the director's daemon (its process group) and its BIRD."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.procs[name].pid, signum)
        bird = self.procs[f"{name}-bird"]
        if bird.poll() is None:
            os.kill(bird.pid, signum)

    def cut(self, name: str) -> None:
        """The director's machine gone: its processes killed, its link deleted."""
        self.signal_director(name, signal.SIGKILL)
        sh("ip", "-n", self.ns[name], "link", "del", "lan0")

    def close(self) -> None:
        for name in DIRECTORS:
            if name in self.procs:
                self.signal_director(name, signal.SIGCONT)
                self.signal_director(name, signal.SIGKILL)
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        for netns in self.ns.values():
            subprocess.run(["ip", "netns", "delete", netns], check=False, capture_output=True)
