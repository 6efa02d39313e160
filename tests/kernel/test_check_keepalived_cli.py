# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived -C`` side by side with ``keepalived -C`` on the same keepalived.conf:
each in its own namespace with the same real servers; the same IPVS table at every step."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from check_servers import PageServer, _enter, serving

from pyipvs import Ipvs

PATIENCE = 40.0  # generous: keepalived checks once a second; never a timing assertion
CONFIG = """
global_defs {
    router_id side_by_side
}
virtual_server 10.0.0.5 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 127.0.0.2 8080 {
        weight 3
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 3
            retry 2
            delay_before_retry 1
        }
    }
    real_server 127.0.0.3 9090 {
        weight 2
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
}
"""


def table(netns: str) -> dict[str, int]:
    with Ipvs(netns=netns) as ipvs:
        return {
            f"{vs.address}:{vs.port}>{rs.address}:{rs.port}": rs.weight
            for vs in ipvs.services()
            for rs in ipvs.real_servers(vs)
        } | {f"{vs.address}:{vs.port}": vs.scheduler == "rr" for vs in ipvs.services()}  # type: ignore[dict-item]


def same_table(
    namespaces: list[str], wanted: Callable[[dict[str, int]], bool]
) -> list[dict[str, int]]:
    deadline = time.monotonic() + PATIENCE
    while True:
        tables = [table(ns) for ns in namespaces]
        if all(wanted(t) for t in tables) or time.monotonic() > deadline:
            return tables
        time.sleep(0.1)


@contextlib.contextmanager
def servers_in(netns: str) -> Iterator[dict[str, object]]:
    """An HTTP server on 127.0.0.2:8080 and a TCP listener on 127.0.0.3:9090 in ``netns``."""
    import threading

    made: dict[str, object] = {}

    def make() -> None:
        _enter(netns)
        made["http"] = PageServer(("127.0.0.2", 8080))
        made["tcp"] = socket.create_server(("127.0.0.3", 9090))

    thread = threading.Thread(target=make)
    thread.start()
    thread.join()
    with serving(made["http"]):  # type: ignore[arg-type]
        yield made


def reopen_tcp(netns: str, made: dict[str, object]) -> None:
    import threading

    def make() -> None:
        _enter(netns)
        made["tcp"] = socket.create_server(("127.0.0.3", 9090))

    thread = threading.Thread(target=make)
    thread.start()
    thread.join()


def test_pyipvs_keepalived_C_matches_keepalived_C(
    ipvs_netns: str, peer_netns: str, tmp_path: Path
) -> None:
    keepalived = shutil.which("keepalived", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if keepalived is None:
        pytest.skip("keepalived is not installed")
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONFIG)
    ours_pid, ours_check = tmp_path / "ours.pid", tmp_path / "ours-check.pid"
    theirs = [
        keepalived,
        "-C",
        "-n",
        "-l",
        "-D",
        "-G",
        "-f",
        str(conf),
        "-p",
        str(tmp_path / "k.pid"),
        "-c",
        str(tmp_path / "k-check.pid"),
        "-r",
        str(tmp_path / "k-vrrp.pid"),
        "-b",
        str(tmp_path / "k-bfd.pid"),
    ]
    ours = [
        sys.executable,
        "-m",
        "pyipvs.cli.keepalived",
        "-C",
        "-n",
        "-l",
        "-D",
        "-G",
        "-f",
        str(conf),
        "-p",
        str(ours_pid),
        "-c",
        str(ours_check),
    ]
    spaces = [ipvs_netns, peer_netns]
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("ours", "theirs")}  # noqa: SIM115
    with servers_in(ipvs_netns) as ours_servers, servers_in(peer_netns) as their_servers:
        procs = {
            "ours": subprocess.Popen(
                ["ip", "netns", "exec", ipvs_netns, *ours],
                stdout=logs["ours"],
                stderr=subprocess.STDOUT,
            ),
            "theirs": subprocess.Popen(
                ["ip", "netns", "exec", peer_netns, *theirs],
                stdout=logs["theirs"],
                stderr=subprocess.STDOUT,
            ),
        }
        h, t = "10.0.0.5:80>127.0.0.2:8080", "10.0.0.5:80>127.0.0.3:9090"
        steps = {}
        try:
            steps["start"] = same_table(spaces, lambda x: x.get(h) == 3 and x.get(t) == 2)
            for made in (ours_servers, their_servers):
                made["tcp"].close()  # type: ignore[attr-defined]
            steps["tcp down"] = same_table(spaces, lambda x: t not in x and h in x)
            reopen_tcp(ipvs_netns, ours_servers)
            reopen_tcp(peer_netns, their_servers)
            steps["tcp back"] = same_table(spaces, lambda x: x.get(t) == 2)
            checker_pid = int(ours_check.read_text())
            parent_pid = int(ours_pid.read_text())
            steps["pids"] = [
                checker_pid != parent_pid,  # type: ignore[list-item]
                Path(f"/proc/{checker_pid}/status").exists(),
            ]
        finally:
            for proc in procs.values():
                proc.send_signal(signal.SIGTERM)
            codes = {name: proc.wait(PATIENCE) for name, proc in procs.items()}
            for made in (ours_servers, their_servers):
                made["tcp"].close()  # type: ignore[attr-defined]
            for handle in logs.values():
                handle.close()
        steps["stopped"] = [table(ns) for ns in spaces]
    ours_log = (tmp_path / "ours.log").read_text()
    assert steps["start"][0] == steps["start"][1] and steps["start"][0][h] == 3, ours_log
    assert steps["tcp down"][0] == steps["tcp down"][1] and t not in steps["tcp down"][0]
    assert steps["tcp back"][0] == steps["tcp back"][1] and steps["tcp back"][0][t] == 2
    assert steps["pids"] == [True, True]
    assert steps["stopped"] == [{}, {}]
    assert codes["ours"] == 0
    assert "Removing service [127.0.0.3]:tcp:9090 from VS [10.0.0.5]:tcp:80" in ours_log
    assert "Adding service [127.0.0.3]:tcp:9090 to VS [10.0.0.5]:tcp:80" in ours_log
    assert not ours_pid.exists() and not ours_check.exists()
    assert os.path.getsize(tmp_path / "theirs.log") > 0
    # the start's activation lines (written in batches) are keepalived's, in its order
    theirs_log = (tmp_path / "theirs.log").read_text()
    activated = re.compile(r"Activating healthchecker for service \S+ for VS \S+")
    assert activated.findall(ours_log) == activated.findall(theirs_log) != [], ours_log
