# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived`` with both children on a kernel with ip_vs, from one keepalived.conf
(a VRRP instance holding the VIP and the virtual server on it): both pid files, the VIP and the
IPVS table; the checker child killed and respawned while the VRRP child goes on (same pid, VIP
held); SIGTERM removes the VIP and releases IPVS."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from pathlib import Path

from check_servers import in_netns
from daemon_netns import LB1, VIP, DaemonProcess, addresses, lb1_config, wire
from waiting import pid_in, wait_for

from pyipvs import Ipvs

LISTEN = ("127.0.0.2", 9090)  # the configuration's real server
TABLE = [f"{VIP}>127.0.0.2"]


def vips(netns: str) -> set[str]:
    return addresses(netns) - {LB1}


def table(netns: str) -> list[str]:
    with Ipvs(netns=netns) as ipvs:
        services = ipvs.services()
        return [f"{vs.address}>{rs.address}" for vs in services for rs in ipvs.real_servers(vs)]


def test_both_children(ipvs_netns: str, tmp_path: Path) -> None:
    wire(ipvs_netns)
    listener = in_netns(ipvs_netns, lambda: socket.create_server(LISTEN))
    daemon = DaemonProcess(ipvs_netns, tmp_path)
    daemon.conf.write_text(lb1_config(virtual_server=True))
    pids, log = daemon.pids, daemon.log
    with contextlib.closing(listener), daemon:
        proc = daemon.proc
        assert proc is not None
        wait_for(lambda: vips(ipvs_netns) == {VIP}, "the VIP", log)
        wait_for(lambda: table(ipvs_netns) == TABLE, "the table", log)
        vrrp, checker = pid_in(pids["vrrp"]), pid_in(pids["checkers"])
        assert len({vrrp, checker, proc.pid}) == 3 and 0 not in (vrrp, checker)

        os.kill(checker, signal.SIGKILL)
        wait_for(lambda: pid_in(pids["checkers"]) not in (0, checker), "a new checker", log)
        assert pid_in(pids["vrrp"]) == vrrp and vips(ipvs_netns) == {VIP}
        assert table(ipvs_netns) == TABLE

        assert daemon.stop() == 0
    assert vips(ipvs_netns) == set() and table(ipvs_netns) == [], daemon.text()
    assert daemon.left_pid_files() == []
