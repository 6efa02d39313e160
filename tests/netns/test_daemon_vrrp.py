# SPDX-License-Identifier: Apache-2.0
"""The whole ``pyipvs-keepalived`` daemon with its VRRP child, in a namespace on the host: no
flag and a configuration with only ``vrrp_instance`` start only the VRRP child (keepalived's
rule); a killed VRRP child is respawned and the VIP is there again; a reload adds a VIP; a
truncated file's reload is refused; SIGTERM removes the VIPs and the pid files.

(Pairs with the real keepalived, failover and priority 0 on the wire are the VRRP tests'.)"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from check_servers import in_netns
from waiting import pid_in, wait_for

PATIENCE = 30.0  # a bound on waiting, never a timing assertion
CONFIG = """
global_defs {{
    router_id lb1
    vrrp_garp_master_delay 0
}}
vrrp_instance VI_1 {{
    state MASTER
    interface eth0
    virtual_router_id 77
    priority 150
    advert_int 0.1
    version 3
    virtual_ipaddress {{
{vips}
    }}
}}
"""


def addresses(netns: str) -> set[str]:
    out = subprocess.run(
        ["ip", "-n", netns, "-o", "-4", "addr", "show", "dev", "eth0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[3].split("/")[0] for line in out.splitlines()}


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
    conf.write_text(CONFIG.format(vips="\n".join(f"        {vip}/32" for vip in vips)))


def test_the_daemon_with_its_vrrp_child(netns: str, tmp_path: Path) -> None:
    ip = ["ip", "-n", netns]
    subprocess.run([*ip, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"], check=True)
    for link in ("eth0", "eth1"):
        subprocess.run([*ip, "link", "set", link, "up"], check=True)
    subprocess.run([*ip, "addr", "add", "10.77.0.2/24", "dev", "eth0"], check=True)
    sniffer = in_netns(netns, lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW))
    sniffer.bind(("eth1", 0x0800))
    sniffer.setblocking(False)
    conf, log = tmp_path / "keepalived.conf", tmp_path / "daemon.log"
    write(conf, "10.77.0.100")
    pids = {name: tmp_path / f"{name}.pid" for name in ("parent", "vrrp", "checkers")}
    flags = ["-n", "-l", "-G", "-s", netns, "-f", str(conf), "-p", str(pids["parent"])]
    flags += ["-r", str(pids["vrrp"]), "-c", str(pids["checkers"])]
    status = tmp_path / "status"
    env = {**os.environ, "PYIPVS_KEEPALIVED_STATUS_DIR": str(status)}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pyipvs.cli.keepalived", *flags],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
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
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(PATIENCE) == 0
        seen: list[int] = []
        # the master's goodbye: an advert with priority 0 (RFC 5798 section 6.4.3)
        wait_for(lambda: 0 in seen or seen.extend(priorities_seen(sniffer)), "priority 0", log)
    finally:
        sniffer.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert addresses(netns) == {"10.77.0.2"}, log.read_text()
    assert [p for p in pids.values() if p.exists()] == []
    assert f"VRRP child process({first}) died: Respawning" in log.read_text()


def test_a_vrrp_configuration_the_child_refuses_stops_the_daemon_with_2(
    netns: str, tmp_path: Path
) -> None:
    """keepalived's VRRP child ends with KEEPALIVED_EXIT_CONFIG (2) for a configuration it
    cannot run, and the parent stops with it instead of respawning (report_child_status)."""
    conf, log = tmp_path / "keepalived.conf", tmp_path / "daemon.log"
    empty_peer = "    unicast_peer {\n    }\n    virtual_ipaddress {"
    conf.write_text(
        CONFIG.format(vips="        10.77.0.100/32").replace("    virtual_ipaddress {", empty_peer)
    )
    flags = ["-n", "-l", "-G", "-s", netns, "-f", str(conf), "-p", str(tmp_path / "k.pid")]
    flags += ["-r", str(tmp_path / "vrrp.pid")]
    with open(log, "w") as out:
        done = subprocess.run(
            [sys.executable, "-m", "pyipvs.cli.keepalived", *flags],
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=PATIENCE,
        )
    text = log.read_text()
    assert done.returncode == 2, text
    assert f"{conf}:" in text and "unicast_peer" in text, text
    assert "exited with permanent error CONFIG" in text and "Respawning" not in text, text
    assert text.count("Starting VRRP child process") == 1, text
