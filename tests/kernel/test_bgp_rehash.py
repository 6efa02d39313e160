# SPDX-License-Identifier: Apache-2.0
"""Connections through three active directors when one of them dies (the topology of
``pyipvs-lab --active-active``, :mod:`pyipvs.lab.aa_topology`).

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

import signal
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from check_servers import in_netns
from waiting import wait_for

from pyipvs.lab.aa_client import exchange
from pyipvs.lab.aa_topology import DIRECTORS, PORT, SERVERS, VIP, Topology

SHARD_BY_PARAMS = ("sync", "sloppy")
EACH = 4  # connections every director must carry before the death


class Lab(Topology):
    """``pyipvs-lab --active-active``'s topology; the test holds the client's sockets."""

    def start(self, sync: bool = True, sloppy: bool = False) -> None:  # type: ignore[override]
        """*sync*: ``sync_daemon`` on every director; *sloppy*: IPVS schedules TCP packets
        that are not SYNs (``sloppy_tcp``), so that ``mh`` alone can take over a moved
        connection."""
        self.sync = sync
        if sloppy:
            for name in DIRECTORS:
                self.in_ns(name, "sysctl", "-qw", "net.ipv4.vs.sloppy_tcp=1")
        super().start()

    def logs(self) -> list[Path]:
        return [self.home / name / "daemon.log" for name in DIRECTORS]

    def ipvsadm(self, name: str, *argv: str) -> str:
        return self.in_ns(name, sys.executable, "-m", "pyipvs.cli.ipvsadm", *argv)


@pytest.fixture
def lab(ip_vs_kernel: None, root: None, tmp_path: Path) -> Iterator[Lab]:
    built = Lab(tmp_path)
    try:
        built.build()
        yield built
    finally:
        built.close()


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
    every = set(DIRECTORS)
    wait_for(lambda: lab.next_hops() == every, "the router's ECMP route over d1-d3", *lab.logs())
    for name in DIRECTORS:  # the kernel's own view: mh with its port flag, DR to both servers
        table = lab.ipvsadm(name, "-L", "-n")
        assert f"{VIP}:{PORT} mh (mh-port)" in " ".join(table.split()), table
        assert table.count("Route") == len(SERVERS), table
    conns = open_spread(lab, each)
    for round_ in range(5):  # past the sync threshold (3 packets) on every connection
        for port, conn in conns.items():
            assert exchange(conn, f"{port} {round_}"), f"connection {port} before the death"
    if sync:
        for name in DIRECTORS:  # pyipvs_bgp's sync_daemon: both roles on every director
            daemons = lab.ipvsadm(name, "-L", "--daemon")
            assert "master sync daemon" in daemons and "backup sync daemon" in daemons, daemons
        wait_for(
            lambda: all(set(conns) <= lab.table_ports(name) for name in DIRECTORS),
            "every connection in every director's table",
        )
    before = {port: lab.path_of(port) for port in conns}
    if not sync:  # each director's table holds its own connections: the router's hash agrees
        for name in DIRECTORS:
            assert lab.table_ports(name) == {p for p in conns if before[p] == name}, name
    lab.signal_director("d3", signal.SIGSTOP)
    wait_for(lambda: lab.next_hops() == every - {"d3"}, "d3 dropped by BFD")
    lab.cut("d3")  # then killed, as a machine: its link gone
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
