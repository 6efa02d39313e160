"""Whole-table commands: zero, flush, timeouts, sync daemons, connections (cross-checked with
ipvsadm)."""

from __future__ import annotations

import re
import subprocess
import sys
import time

from ipvsadm_util import run_in, save

from pyipvs import Ipvs, RealServer, Stats, SyncDaemon, Timeouts, VirtualService


def test_timeouts_round_trip(ipvs_netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        assert ipvs.timeouts() == Timeouts(900, 120, 300)
        ipvs.set_timeouts(Timeouts(1000, 0, 50))  # 0: unchanged
        assert ipvs.timeouts() == Timeouts(1000, 120, 50)
        ipvs.set_timeouts(tcp_fin=7)
        assert ipvs.timeouts() == Timeouts(1000, 7, 50)
    out = run_in(ipvs_netns, "ipvsadm", "-L", "--timeout")
    assert out.strip() == "Timeout (tcp tcpfin udp): 1000 7 50"


def test_flush(ipvs_netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        for port in range(1, 11):
            ipvs.add_service(VirtualService("tcp", "10.0.0.1", port))
        ipvs.flush()
        assert ipvs.services() == []
    assert save(ipvs_netns) == ""


def test_sync_daemons_match_ipvsadm(ipvs_netns: str) -> None:
    master = SyncDaemon(
        "master", "lo", 5, maxlen=1400, mcast_group="224.0.0.81", mcast_port=8848, mcast_ttl=2
    )
    with Ipvs(netns=ipvs_netns) as ipvs:
        ipvs.start_sync_daemon(master)
        ipvs.start_sync_daemon(SyncDaemon("backup", "lo", 6))
        try:
            daemons = {d.state: d for d in ipvs.sync_daemons()}
            assert daemons["master"] == master
            assert daemons["backup"].syncid == 6 and daemons["backup"].interface == "lo"
            text = run_in(ipvs_netns, "ipvsadm", "-L", "--daemon")
            assert (
                "master sync daemon (mcast=lo, syncid=5, maxlen=1400, group=224.0.0.81, "
                "port=8848, ttl=2)" in text
            )
        finally:
            ipvs.stop_sync_daemon("master")
            ipvs.stop_sync_daemon("backup", 6)
        assert ipvs.sync_daemons() == []


def send_udp(netns: str, host: str, port: int, count: int) -> None:
    code = (
        "import socket\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        f"for i in range({count}): s.sendto(b'x' * 10, ({host!r}, {port}))\n"
    )
    subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-c", code], check=True)


def wait_for_stats(ipvs: Ipvs) -> VirtualService:
    deadline = time.monotonic() + 30
    while True:
        (svc,) = ipvs.services()
        if (svc.stats and svc.stats.packets_in == 3) or time.monotonic() > deadline:
            return svc
        time.sleep(0.5)


def ipvsadm_counters(netns: str, mode: str) -> dict[str, tuple[int, ...]]:
    """The five numbers of each service and real server row of ``ipvsadm -L -n MODE --exact``,
    keyed by address:port (``--exact``: no K/M/G rounding)."""
    text = run_in(netns, "ipvsadm", "-L", "-n", mode, "--exact")
    rows: dict[str, tuple[int, ...]] = {}
    for line in text.splitlines()[3:]:
        words = line.replace("->", "").split()
        if words[0] in ("TCP", "UDP", "SCTP", "FWM"):
            words = words[1:]
        rows[words[0]] = tuple(int(w) for w in words[1:6])
    return rows


def stats_tuple(stats: Stats | None, mode: str) -> tuple[int, ...]:
    assert stats is not None
    if mode == "stats":
        return (stats.connections, stats.packets_in, stats.packets_out, stats.bytes_in,
                stats.bytes_out)  # fmt: skip
    return (stats.cps, stats.pps_in, stats.pps_out, stats.bps_in, stats.bps_out)


def counters_both_ways(
    ipvs: Ipvs, vs: VirtualService, netns: str, mode: str
) -> tuple[dict[str, tuple[int, ...]], dict[str, tuple[int, ...]]]:
    """pyipvs's and ipvsadm's counters, read while the kernel's estimator (which folds per-CPU
    counters and updates rates every 2 s) did not run in between."""
    for _ in range(10):
        before = our_counters(ipvs, vs, mode)
        theirs = ipvsadm_counters(netns, f"--{mode}")
        if our_counters(ipvs, vs, mode) == before:
            return before, theirs
    raise AssertionError("counters kept changing")


def our_counters(ipvs: Ipvs, vs: VirtualService, mode: str) -> dict[str, tuple[int, ...]]:
    (svc,) = ipvs.services()
    rows = {f"{svc.address}:{svc.port}": stats_tuple(svc.stats, mode)}
    for rs in ipvs.real_servers(vs):
        rows[f"{rs.address}:{rs.port}"] = stats_tuple(rs.stats, mode)
    return rows


def test_connections_stats_and_zero(ipvs_netns: str) -> None:
    # A routable VIP, so locally sent packets reach IPVS (LOCAL_OUT) and create connections.
    run_in(ipvs_netns, "ip", "link", "add", "d0", "type", "dummy")
    run_in(ipvs_netns, "ip", "link", "set", "d0", "up")
    run_in(ipvs_netns, "ip", "addr", "add", "10.0.0.100/24", "dev", "d0")
    vs = VirtualService("udp", "10.0.0.1", 53, scheduler="rr")
    rs = RealServer("10.0.0.2", 53, forward="masq")
    with Ipvs(netns=ipvs_netns) as ipvs:
        ipvs.add_service(vs)
        ipvs.add_real_server(vs, rs)
        send_udp(ipvs_netns, "10.0.0.1", 53, 3)
        conns = ipvs.connections()
        assert len(conns) == 1
        (conn,) = conns
        assert (conn.protocol, str(conn.virtual_address), conn.virtual_port) == (
            "udp",
            "10.0.0.1",
            53,
        )
        assert (str(conn.destination_address), conn.destination_port) == ("10.0.0.2", 53)
        listing = run_in(ipvs_netns, "ipvsadm", "-L", "-n", "-c")
        row = re.search(
            r"UDP\s+\S+\s+\S+\s+10\.0\.0\.100:(\d+)\s+10\.0\.0\.1:53\s+10\.0\.0\.2:53", listing
        )
        assert row and int(row.group(1)) == conn.client_port, listing
        # Counters are per-CPU and folded into the reported ones by the estimator (every 2 s).
        svc = wait_for_stats(ipvs)
        assert svc.stats is not None and svc.stats.connections == 1
        assert svc.stats.packets_in == 3
        (listed_rs,) = ipvs.real_servers(vs)
        assert listed_rs.stats is not None and listed_rs.stats.packets_in == 3
        assert listed_rs.inactive_connections + listed_rs.active_connections == 1
        for mode in ("stats", "rate"):
            ours, theirs = counters_both_ways(ipvs, vs, ipvs_netns, mode)
            assert ours == theirs, mode
        ipvs.zero(vs)
        (svc,) = ipvs.services()
        assert svc.stats is not None and svc.stats.packets_in == 0
        send_udp(ipvs_netns, "10.0.0.1", 53, 2)
        ipvs.zero()
        assert ipvs.services()[0].stats.packets_in == 0  # type: ignore[union-attr]
