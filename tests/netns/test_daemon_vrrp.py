# SPDX-License-Identifier: Apache-2.0
"""The whole ``pyipvs-keepalived`` daemon with its VRRP child, in a namespace on the host: no
flag and a configuration with only ``vrrp_instance`` start only the VRRP child (keepalived's
rule); a killed VRRP child is respawned and the VIP is there again; a reload adds a VIP; a
truncated file's reload is refused; SIGTERM removes the VIPs and the pid files.

(Pairs with the real keepalived, failover and priority 0 on the wire are the VRRP tests'.)"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from check_servers import in_netns
from daemon_netns import LB1, PATIENCE, VIP, DaemonProcess, addresses, lb1_config, wire
from waiting import pid_in, wait_for

ADDRESS = {LB1}  # lb1's own, before any VIP


def priorities_seen(sniffer: socket.socket) -> list[int]:
    """The priorities of the VRRP adverts (IPv4 protocol 112) the sniffer has queued."""
    found = []
    while True:
        try:
            frame = sniffer.recv(2048)
        except BlockingIOError:
            return found
        if frame[12:14] == b"\x08\x00" and frame[23] == 112:
            header = (frame[14] & 0x0F) * 4
            found.append(frame[14 + header + 2])


def write(conf: Path, *vips: str) -> None:
    conf.write_text(lb1_config(*vips))


def test_the_daemon_with_its_vrrp_child(netns: str, tmp_path: Path) -> None:
    wire(netns)
    sniffer = in_netns(netns, lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))
    sniffer.bind(("eth1", 0x0800))
    sniffer.setblocking(False)
    status = tmp_path / "status"
    daemon = DaemonProcess(netns, tmp_path, env={"PYIPVS_KEEPALIVED_STATUS_DIR": str(status)})
    conf, log, pids = daemon.conf, daemon.log, daemon.pids
    write(conf, VIP)
    with contextlib.closing(sniffer), daemon:
        proc = daemon.proc
        assert proc is not None
        wait_for(lambda: "10.77.0.100" in addresses(netns), "the VIP", log)
        first = pid_in(pids["vrrp"])
        assert first not in (0, proc.pid) and not pids["checkers"].exists()

        # Status clients that hang up before the answer is written: the child lives on.
        wait_for((status / "vrrp.sock").exists, "the VRRP child's status socket", log)
        for _ in range(20):
            with socket.socket(socket.AF_UNIX) as client:
                client.connect(str(status / "vrrp.sock"))
        time.sleep(0.5)
        assert pid_in(pids["vrrp"]) == first and "died" not in log.read_text(), log.read_text()

        os.kill(first, signal.SIGKILL)
        wait_for(lambda: pid_in(pids["vrrp"]) not in (0, first), "a respawned VRRP child", log)
        wait_for(lambda: "10.77.0.100" in addresses(netns), "the VIP after the respawn", log)
        second = pid_in(pids["vrrp"])

        write(conf, "10.77.0.100", "10.77.0.101")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "10.77.0.101" in addresses(netns), "the VIP the reload adds", log)

        proc.send_signal(signal.SIGUSR2)  # STATS: the VRRP child's; never its death

        conf.write_text(conf.read_text().rsplit("}", 2)[0])
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "Reload refused" in log.read_text(), "the refused reload", log)
        assert {"10.77.0.100", "10.77.0.101"} <= addresses(netns)
        assert pid_in(pids["vrrp"]) == second

        priorities_seen(sniffer)  # what came before the stop
        assert daemon.stop() == 0
        seen: list[int] = []
        # the master's goodbye: an advert with priority 0 (RFC 5798 section 6.4.3)
        wait_for(lambda: 0 in seen or seen.extend(priorities_seen(sniffer)), "priority 0", log)
    assert addresses(netns) == ADDRESS, log.read_text()
    assert daemon.left_pid_files() == []
    assert f"VRRP child process({first}) died: Respawning" in log.read_text()


def test_a_vrrp_configuration_the_child_refuses_stops_the_daemon_with_2(
    netns: str, tmp_path: Path
) -> None:
    """keepalived's VRRP child ends with KEEPALIVED_EXIT_CONFIG (2) for a configuration it
    cannot run, and the parent stops with it instead of respawning (report_child_status)."""
    daemon = DaemonProcess(netns, tmp_path, children=("vrrp",))
    empty_peer = "    unicast_peer {\n    }\n    virtual_ipaddress {"
    daemon.conf.write_text(lb1_config().replace("    virtual_ipaddress {", empty_peer))
    with open(daemon.log, "w") as out:
        done = subprocess.run(
            daemon.command, stdout=out, stderr=subprocess.STDOUT, timeout=PATIENCE
        )
    conf, log = daemon.conf, daemon.log
    text = log.read_text()
    assert done.returncode == 2, text
    assert f"{conf}:" in text and "unicast_peer" in text, text
    assert "exited with permanent error CONFIG" in text and "Respawning" not in text, text
    assert text.count("Starting VRRP child process") == 1, text
