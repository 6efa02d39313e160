# SPDX-License-Identifier: Apache-2.0
"""``virtual_routes`` / ``virtual_rules`` / ``static_*`` (addresses, routes, rules) in two
namespaces joined by a veth: ``ip route`` and ``ip rule`` on master and backup before and after
a failover. First two ``pyipvs-keepalived -P``: the master holds the instance's routes and
rules, the backup only the static ones (both hold the static addresses); a reload with the same
file sends no route or rule message at all (``ip monitor`` stays silent), one that changes a
route swaps it in place; after the master stops, the backup holds exactly what the master held,
and the stopped one nothing. Then keepalived 2.2.7 as the backup with the same file: when it
takes over it holds exactly what ours held as master, and when ours preempts it again
keepalived is left with what our backup had."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_netns import VIP, DaemonProcess, link_pair
from waiting import pid_in, wait_for

ROUTES = """    virtual_routes {{
        10.20.0.0/16 via 10.77.0.254 dev eth0
        src {vip} 10.21.0.0/16 via 10.77.0.254
        10.22.0.0/16 dev eth0 metric 7 table 100
        blackhole 10.23.0.0/16
        unreachable 10.24.0.0/16 table 100
        default via 10.77.0.254 table 101
        10.25.1.0/24 dev eth0 scope link
    }}
    virtual_rules {{
        from {vip} table 100 priority 100
        to 10.30.0.0/16 table 101 priority 101
        not from 10.31.0.0/16 iif eth0 table 100 priority 102
        fwmark 7 table 100
    }}
"""
CONFIG = """global_defs {{
    router_id {router}
    vrrp_garp_master_delay 0
}}
static_ipaddress {{
    10.77.5.1/24 dev eth0 scope link label eth0:st
    10.77.6.1
}}
static_routes {{
    prohibit 10.50.0.0/16
}}
static_rules {{
    from 10.51.0.0/16 table 100 priority 200
}}
vrrp_instance VI_1 {{
    state {state}
    interface eth0
    virtual_router_id 77
    priority {priority}
    advert_int 0.1
    version 3
    virtual_ipaddress {{
        {vip}/32
    }}
{routes}}}
"""
# What a master holds (keepalived 2.2.7's own output for these lines, seen in a namespace).
VIRTUAL = {
    "10.20.0.0/16 via 10.77.0.254 dev eth0 proto keepalived",
    f"10.21.0.0/16 via 10.77.0.254 dev eth0 proto keepalived src {VIP}",
    "10.22.0.0/16 dev eth0 table 100 proto keepalived metric 7",
    "blackhole 10.23.0.0/16 proto keepalived",
    "unreachable 10.24.0.0/16 table 100 proto keepalived",
    "default via 10.77.0.254 dev eth0 table 101 proto keepalived",
    "10.25.1.0/24 dev eth0 proto keepalived scope link",
    f"100: from {VIP} lookup 100 proto keepalived",
    "101: from all to 10.30.0.0/16 lookup 101 proto keepalived",
    "102: not from 10.31.0.0/16 iif eth0 lookup 100 proto keepalived",
    "16384: from all fwmark 0x7 lookup 100 proto keepalived",
}
STATIC = {
    "prohibit 10.50.0.0/16 proto keepalived",
    "200: from 10.51.0.0/16 lookup 100 proto keepalived",
}
ROLES = {"lb1": ("MASTER", 150), "lb2": ("BACKUP", 100)}
# ``ip -o -4 addr`` of the static addresses (an entry without dev: keepalived's eth0)
STATIC_ADDRESSES = {
    "eth0 inet 10.77.5.1/24 scope link eth0:st",
    "eth0 inet 10.77.6.1/32 scope global eth0",
}


def static_addresses(netns: str) -> set[str]:
    lines = ip(netns, "-o", "-4", "addr", "show").splitlines()
    kept = {" ".join(line.split("\\")[0].split()[1:]) for line in lines}
    return {line for line in kept if "10.77.5.1/" in line or "10.77.6.1/" in line}


def config(router: str) -> str:
    state, priority = ROLES[router]
    routes = ROUTES.format(vip=VIP)
    return CONFIG.format(router=router, state=state, priority=priority, vip=VIP, routes=routes)


def ip(netns: str, *words: str) -> str:
    return subprocess.run(
        ["ip", "-n", netns, *words], capture_output=True, text=True, check=True
    ).stdout


def held(netns: str) -> set[str]:
    """The routes with ``proto keepalived`` (every table) and the rules but the kernel's three."""
    routes = ip(netns, "route", "show", "table", "all")
    routes += ip(netns, "-6", "route", "show", "table", "all")
    rules = [
        " ".join(line.split())
        for line in ip(netns, "rule", "show").splitlines()
        if line.split(":")[0] not in ("0", "32766", "32767")
    ]
    kept = {" ".join(line.split()) for line in routes.splitlines() if "proto keepalived" in line}
    return kept | set(rules)


@pytest.fixture
def pair(root: None) -> Iterator[tuple[str, str]]:
    tag = os.urandom(3).hex()
    lb1, lb2 = f"rt{tag}-1", f"rt{tag}-2"
    try:
        for name in (lb1, lb2):
            subprocess.run(["ip", "netns", "add", name], check=True)
            subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        link_pair(lb1, lb2)
        yield lb1, lb2
    finally:
        for name in (lb1, lb2):
            subprocess.run(["ip", "netns", "delete", name], check=False)


def ours(netns: str, router: str, home: Path) -> DaemonProcess:
    home.mkdir()
    daemon = DaemonProcess(netns, home, "-P", children=("vrrp",))
    daemon.conf.write_text(config(router))
    return daemon


def failover_target(lb1: str, lb2: str, daemon: DaemonProcess) -> None:
    """lb1 is master with its routes, lb2 backup with the static ones only."""
    wait_for(lambda: held(lb1) == VIRTUAL | STATIC, "lb1 holds its routes and rules", daemon.log)
    wait_for(lambda: held(lb2) == STATIC, "lb2 holds the static ones only", daemon.log)
    for netns in (lb1, lb2):
        assert static_addresses(netns) == STATIC_ADDRESSES


MARK = "10.99.0.0/24"  # a route of the test's own, before and after the reload


def reload_seen_by_monitor(netns: str, daemon: DaemonProcess, out: Path) -> list[str]:
    """What ``ip monitor route rule`` prints while the VRRP child reloads the same file: the
    reload between the addition and the removal of a route of the test's own, both seen by
    the monitor, so that nothing it sent can be missed."""
    with open(out, "w") as sink:
        monitor = subprocess.Popen(["ip", "-n", netns, "monitor", "route", "rule"], stdout=sink)
    try:
        wait_for(lambda: _marked(netns, out, "add", MARK), "the monitor sees a route added")
        before = daemon.text().count("Reload finished")
        deleted = out.read_text().count("Deleted")  # the retries of _marked
        os.kill(pid_in(daemon.pids["vrrp"]), signal.SIGHUP)
        wait_for(lambda: daemon.text().count("Reload finished") > before, "the reload", daemon.log)
        ip(netns, "route", "del", MARK, "dev", "eth0", "proto", "static")
        wait_for(lambda: out.read_text().count("Deleted") > deleted, "the monitor sees it removed")
    finally:
        monitor.terminate()
        monitor.wait()
    return [" ".join(line.split()) for line in out.read_text().splitlines()]


def _marked(netns: str, out: Path, command: str, route: str) -> bool:
    """Adds *route* (again, until the monitor has printed it: it may not listen yet)."""
    if route in out.read_text():
        return True
    subprocess.run(["ip", "-n", netns, "route", "del", route, "dev", "eth0"], capture_output=True)
    ip(netns, "route", command, route, "dev", "eth0", "proto", "static")
    return False


def test_routes_follow_the_master_and_a_same_file_reload_touches_nothing(
    pair: tuple[str, str], tmp_path: Path
) -> None:
    lb1, lb2 = pair
    with ours(lb1, "lb1", tmp_path / "lb1") as one, ours(lb2, "lb2", tmp_path / "lb2") as two:
        failover_target(lb1, lb2, one)
        changes = reload_seen_by_monitor(lb1, one, tmp_path / "monitor.txt")
        assert changes, "the monitor saw the test's own route"
        assert all(MARK in line for line in changes), changes  # and nothing of the daemon's

        # A reload that changes one route: applied in place, no new election.
        entered = one.text().count("Entering")
        one.conf.write_text(
            config("lb1").replace("blackhole 10.23.0.0/16", "blackhole 10.28.0.0/16")
        )
        os.kill(pid_in(one.pids["vrrp"]), signal.SIGHUP)
        changed = VIRTUAL - {"blackhole 10.23.0.0/16 proto keepalived"}
        changed |= {"blackhole 10.28.0.0/16 proto keepalived"}
        wait_for(lambda: held(lb1) == changed | STATIC, "the changed route in place", one.log)
        assert one.text().count("Entering") == entered
        one.conf.write_text(config("lb1"))
        os.kill(pid_in(one.pids["vrrp"]), signal.SIGHUP)
        wait_for(lambda: held(lb1) == VIRTUAL | STATIC, "the route back", one.log)
        assert held(lb1) == VIRTUAL | STATIC

        assert one.stop() == 0
        wait_for(lambda: held(lb2) == VIRTUAL | STATIC, "lb2 takes the routes over", two.log)
        assert held(lb1) == set()  # stopped: the static ones go too
        assert static_addresses(lb1) == set()
        assert "Entering MASTER STATE" in two.text()


def keepalived(netns: str, home: Path) -> subprocess.Popen[bytes]:
    if not shutil.which("keepalived"):
        pytest.fail("keepalived 2.2.7 is needed (scripts/bootstrap.sh installs it)")
    home.mkdir()
    conf = home / "keepalived.conf"
    conf.write_text(config("lb2"))
    words = ["-P", "-n", "-l", "-D", "-f", str(conf), "-p", str(home / "k.pid")]
    words += ["-r", str(home / "kv.pid")]
    with open(home / "keepalived.log", "w") as out:
        return subprocess.Popen(
            ["ip", "netns", "exec", netns, "keepalived", *words],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_keepalived_installs_the_same_routes_when_it_takes_over(
    pair: tuple[str, str], tmp_path: Path
) -> None:
    lb1, lb2 = pair
    theirs = keepalived(lb2, tmp_path / "k")
    log = tmp_path / "k" / "keepalived.log"
    try:
        with ours(lb1, "lb1", tmp_path / "lb1") as one:
            failover_target(lb1, lb2, one)
            ours_as_master = held(lb1)
            assert one.stop() == 0
        wait_for(lambda: held(lb2) == ours_as_master, "keepalived takes the routes over", log)
        with ours(lb1, "lb1", tmp_path / "lb1-again") as again:
            wait_for(lambda: held(lb1) == ours_as_master, "ours preempts", again.log)
            wait_for(lambda: held(lb2) == STATIC, "keepalived gives the routes up", log)
    finally:
        theirs.send_signal(signal.SIGTERM)
        theirs.wait(40)
    assert held(lb2) == set()
    assert static_addresses(lb2) == set()  # keepalived removes them on stop too
