# SPDX-License-Identifier: Apache-2.0
"""The whole ``pyipvs-keepalived`` daemon (parent + checker child) on a kernel with ip_vs:
pid files, readiness on a real datagram socket, a killed child respawned with the table kept,
a broken reload refused (``file:line`` logged, the child never told), a good reload applied,
SIGTERM releasing IPVS and removing the pid files. ``-s`` puts it in the test's namespace."""

from __future__ import annotations

import os
import re
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
virtual_server 10.0.0.5 80 {{
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.2 9090 {{
        weight {weight}
        TCP_CHECK {{
            connect_timeout 2
        }}
    }}
}}
"""
CONSOLE_LINE = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: ")


def weights(netns: str) -> dict[str, int]:
    with Ipvs(netns=netns) as ipvs:
        return {
            f"{vs.address}:{vs.port}>{rs.address}:{rs.port}": rs.weight
            for vs in ipvs.services()
            for rs in ipvs.real_servers(vs)
        }


def test_the_daemon_with_its_checker_child(ipvs_netns: str, tmp_path: Path) -> None:
    conf, log = tmp_path / "keepalived.conf", tmp_path / "daemon.log"
    conf.write_text(CONFIG.format(weight=3))
    pids = {name: tmp_path / f"{name}.pid" for name in ("parent", "checkers", "vrrp")}
    listener = in_netns(ipvs_netns, lambda: socket.create_server(("127.0.0.2", 9090)))
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(PATIENCE)
    key = "10.0.0.5:80>127.0.0.2:9090"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pyipvs.cli.keepalived",
                *("-n", "-l", "-G", "-s", ipvs_netns, "-f", str(conf)),
                *("-p", str(pids["parent"]), "-c", str(pids["checkers"]), "-r", str(pids["vrrp"])),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NOTIFY_SOCKET": str(tmp_path / "notify")},
        )
    try:
        assert notify.recv(4096).decode() == f"READY=1\nMAINPID={proc.pid}"
        wait_for(lambda: weights(ipvs_netns).get(key) == 3, "the real server in the table")
        assert pid_in(pids["parent"]) == proc.pid and not pids["vrrp"].exists()
        first = pid_in(pids["checkers"])
        assert first not in (0, proc.pid)

        os.kill(first, signal.SIGKILL)
        wait_for(lambda: pid_in(pids["checkers"]) not in (0, first), "a respawned checker")
        wait_for(lambda: log.read_text().count("Startup complete") == 3, "the new child up")
        assert weights(ipvs_netns).get(key) == 3
        second = pid_in(pids["checkers"])

        conf.write_text(CONFIG.format(weight=5).rsplit("}", 2)[0])  # truncated: braces open
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "Reload refused" in log.read_text(), "the refusal logged")
        assert f"{conf}:" in log.read_text() and "missing '}'s" in log.read_text()
        assert weights(ipvs_netns).get(key) == 3 and pid_in(pids["checkers"]) == second

        conf.write_text(CONFIG.format(weight=5))
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: weights(ipvs_netns).get(key) == 5, "the reloaded weight")
        wait_for(lambda: ": Reloading\n" in log.read_text(), "the child's reload")
        assert pid_in(pids["checkers"]) == second, log.read_text()

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(PATIENCE) == 0
        assert notify.recv(4096).startswith(b"RELOADING=1")  # the good reload
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        listener.close()
        notify.close()
    text = log.read_text()
    assert weights(ipvs_netns) == {}, text  # released on stop (no -I)
    assert [p for p in pids.values() if p.exists()] == []
    assert f"Healthcheck child process({first}) died: Respawning" in text
    assert text.count(": Reloading\n") == 1, text  # the child heard only the good reload
    assert all(CONSOLE_LINE.match(line) for line in text.splitlines() if line), text


def test_with_I_the_table_stays_after_stop(ipvs_netns: str, tmp_path: Path) -> None:
    """``-I``: the checker child leaves IPVS as it is when the daemon stops."""
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONFIG.format(weight=2))
    listener = in_netns(ipvs_netns, lambda: socket.create_server(("127.0.0.2", 9090)))
    flags = ["-n", "-G", "-I", "-C", "-s", ipvs_netns, "-f", str(conf)]
    pids = ["-p", str(tmp_path / "k.pid"), "-c", str(tmp_path / "c.pid")]
    proc = subprocess.Popen([sys.executable, "-m", "pyipvs.cli.keepalived", *flags, *pids])
    try:
        key = "10.0.0.5:80>127.0.0.2:9090"
        wait_for(lambda: weights(ipvs_netns).get(key) == 2, "the real server in the table")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(PATIENCE) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        listener.close()
    assert weights(ipvs_netns) == {key: 2}
    assert list(tmp_path.glob("*.pid")) == []
