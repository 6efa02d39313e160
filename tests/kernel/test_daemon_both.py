# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived`` with both children on a kernel with ip_vs, from one keepalived.conf
(a VRRP instance holding the VIP and the virtual server on it): both pid files, the VIP and the
IPVS table; the checker child killed and respawned while the VRRP child goes on (same pid, VIP
held); SIGTERM removes the VIP and releases IPVS."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from check_servers import in_netns
from waiting import pid_in, wait_for

from pyipvs import Ipvs

PATIENCE = 40.0  # a bound on waiting, never a timing assertion
CONFIG = """
global_defs {
    router_id lb1
    vrrp_garp_master_delay 0
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 77
    priority 150
    advert_int 0.1
    version 3
    virtual_ipaddress {
        10.77.0.100/32
    }
}
virtual_server 10.77.0.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.2 9090 {
        TCP_CHECK {
            connect_timeout 2
        }
    }
}
"""


def vips(netns: str) -> set[str]:
    out = subprocess.run(
        ["ip", "-n", netns, "-o", "-4", "addr", "show", "dev", "eth0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[3].split("/")[0] for line in out.splitlines()} - {"10.77.0.2"}


def table(netns: str) -> list[str]:
    with Ipvs(netns=netns) as ipvs:
        services = ipvs.services()
        return [f"{vs.address}>{rs.address}" for vs in services for rs in ipvs.real_servers(vs)]


def test_both_children(ipvs_netns: str, tmp_path: Path) -> None:
    ip = ["ip", "-n", ipvs_netns]
    subprocess.run([*ip, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"], check=True)
    for link in ("eth0", "eth1"):
        subprocess.run([*ip, "link", "set", link, "up"], check=True)
    subprocess.run([*ip, "addr", "add", "10.77.0.2/24", "dev", "eth0"], check=True)
    listener = in_netns(ipvs_netns, lambda: socket.create_server(("127.0.0.2", 9090)))
    conf, log = tmp_path / "keepalived.conf", tmp_path / "daemon.log"
    conf.write_text(CONFIG)
    pids = {name: tmp_path / f"{name}.pid" for name in ("parent", "vrrp", "checkers")}
    flags = ["-n", "-l", "-G", "-s", ipvs_netns, "-f", str(conf), "-p", str(pids["parent"])]
    flags += ["-r", str(pids["vrrp"]), "-c", str(pids["checkers"])]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pyipvs.cli.keepalived", *flags],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: vips(ipvs_netns) == {"10.77.0.100"}, "the VIP", log)
        wait_for(lambda: table(ipvs_netns) == ["10.77.0.100>127.0.0.2"], "the table", log)
        vrrp, checker = pid_in(pids["vrrp"]), pid_in(pids["checkers"])
        assert len({vrrp, checker, proc.pid}) == 3 and 0 not in (vrrp, checker)

        os.kill(checker, signal.SIGKILL)
        wait_for(lambda: pid_in(pids["checkers"]) not in (0, checker), "a new checker", log)
        assert pid_in(pids["vrrp"]) == vrrp and vips(ipvs_netns) == {"10.77.0.100"}
        assert table(ipvs_netns) == ["10.77.0.100>127.0.0.2"]

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(PATIENCE) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        listener.close()
    assert vips(ipvs_netns) == set() and table(ipvs_netns) == [], log.read_text()
    assert [p for p in pids.values() if p.exists()] == []
