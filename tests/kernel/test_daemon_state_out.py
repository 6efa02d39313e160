# SPDX-License-Identifier: Apache-2.0
"""The whole ``pyipvs-keepalived`` daemon (VRRP child, checker child, ``--metrics`` child) on a
kernel with ip_vs, and every way its state comes out: ``--status`` and ``--status --json``
(both children and the kernel's table), the Prometheus endpoint scraped over HTTP and parsed by
prometheus_client's parser (also after its child is killed and respawned), keepalived's dump
files on SIGUSR1 / SIGUSR2 / the JSON signal sent to the parent, and the sockets gone after
SIGTERM. Both children report ready (no wait for the VRRP one) and a reload leaves the metrics
child alone."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from check_servers import in_netns
from daemon_netns import DaemonProcess, lb1_config, wire
from prometheus_client.parser import text_string_to_metric_families
from waiting import wait_for

from pyipvs.daemon.options import DEFAULT_METRICS_PORT, SIGNUMS


def scrape(netns: str) -> str | None:
    """``GET /metrics`` on the endpoint's default address inside *netns*; None until it
    answers 200."""
    try:
        conn = in_netns(
            netns, lambda: socket.create_connection(("127.0.0.1", DEFAULT_METRICS_PORT), 5)
        )
    except OSError:
        return None
    with conn:
        conn.sendall(b"GET /metrics HTTP/1.1\r\nHost: lb1\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return body.decode() if head.startswith(b"HTTP/1.1 200") else None


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Every sample by name, as prometheus_client's parser reads the exposition."""
    found: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append((sample.labels, sample.value))
    return found


def metrics_children(log: Path) -> list[int]:
    return [
        int(p) for p in re.findall(r"Starting Metrics child process, pid=(\d+)", log.read_text())
    ]


class Daemon(DaemonProcess):
    """``pyipvs-keepalived -n --metrics`` in *netns*, its status sockets and dumps under *tmp*."""

    def __init__(self, netns: str, tmp: Path) -> None:
        self.netns, self.run_dir, self.dumps = netns, tmp / "run", tmp / "dumps"
        self.dumps.mkdir()
        # TMPDIR: where keepalived writes its dumps
        env = {"PYIPVS_KEEPALIVED_STATUS_DIR": str(self.run_dir), "TMPDIR": str(self.dumps)}
        super().__init__(netns, tmp, "--metrics", env=env)
        self.conf.write_text(lb1_config(weight=3, virtual_server=True))
        self.proc: subprocess.Popen[bytes] = self.start()

    def cli(self, *words: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pyipvs.cli.keepalived", "-s", self.netns, *words]
        return subprocess.run(command, capture_output=True, text=True, env=self.env, timeout=60)

    def status(self) -> dict[str, Any] | None:
        """``--status --json``; None while it says the daemon is not (yet) running."""
        done = self.cli("--status", "--json")
        if done.returncode == 1 and "is not running" in done.stderr:
            return None
        assert done.returncode == 0, done.stderr
        doc: dict[str, Any] = json.loads(done.stdout)
        return doc


def server_up(doc: dict[str, Any] | None) -> bool:
    if doc is None or doc["checkers"] is None or doc["vrrp"] is None:
        return False
    servers = doc["checkers"]["virtual_servers"][0]["real_servers"]
    return bool(servers) and servers[0]["up"] is True


def check_status(daemon: Daemon) -> None:
    wait_for(lambda: server_up(daemon.status()), "the real server up in --status", daemon.log)
    doc = daemon.status()
    assert doc is not None
    assert doc["vrrp"]["instances"]["VI_1"]["state"] == "MASTER"
    server = doc["checkers"]["virtual_servers"][0]["real_servers"][0]
    assert (server["address"], server["port"], server["programmed_weight"]) == (
        "127.0.0.2",
        9090,
        3,
    )
    kernel = [rs for vs in doc["ipvs"]["services"] for rs in vs["real_servers"]]
    assert [(rs["address"], rs["weight"]) for rs in kernel] == [("127.0.0.2", 3)]
    assert doc["ipvs"]["operations"]["AddService"] == 1
    text = daemon.cli("--status")
    assert text.returncode == 0, text.stderr
    for shown in ("VI_1", "MASTER", "10.77.0.100", "127.0.0.2:9090", "TCP_CHECK"):
        assert shown in text.stdout, text.stdout


def check_metrics(daemon: Daemon) -> None:
    wait_for(lambda: scrape(daemon.netns), "the metrics endpoint", daemon.log)
    exposed = samples(scrape(daemon.netns) or "")
    assert sorted(labels["child"] for labels, value in exposed["pyipvs_child_up"] if value) == [
        "check",
        "vrrp",
    ]
    master = [v for labels, v in exposed["pyipvs_vrrp_state"] if labels["state"] == "MASTER"]
    assert master == [1.0]
    assert [v for _, v in exposed["pyipvs_real_server_up"]] == [1.0]
    assert [v for _, v in exposed["pyipvs_ipvs_weight"]] == [3.0]
    assert sum(v for _, v in exposed["pyipvs_vrrp_adverts_sent_total"]) > 0


def check_dumps(daemon: Daemon) -> None:
    sent = {"DATA": "keepalived.data", "STATS": "keepalived.stats", "JSON": "keepalived.json"}
    for name, file in sent.items():
        daemon.proc.send_signal(SIGNUMS[name])
        wait_for(lambda f=file: (daemon.dumps / f).exists(), f"{file} on {name}", daemon.log)
    data = (daemon.dumps / "keepalived.data").read_text()
    assert " Router ID = lb1" in data and " VRRP Instance = VI_1" in data, data
    assert "   State = MASTER" in data, data
    assert "Advertisements" in (daemon.dumps / "keepalived.stats").read_text()

    def dumped() -> list[Any] | None:
        try:
            value: list[Any] = json.loads((daemon.dumps / "keepalived.json").read_text())
        except ValueError:  # still being written
            return None
        return value

    wait_for(dumped, "a whole keepalived.json", daemon.log)
    assert (dumped() or [{}])[0]["data"]["iname"] == "VI_1"


def test_the_state_comes_out_of_the_whole_daemon(ipvs_netns: str, tmp_path: Path) -> None:
    wire(ipvs_netns)
    listener = in_netns(ipvs_netns, lambda: socket.create_server(("127.0.0.2", 9090)))
    daemon = Daemon(ipvs_netns, tmp_path)
    with contextlib.closing(listener), daemon:
        check_status(daemon)
        check_metrics(daemon)
        check_dumps(daemon)

        first = metrics_children(daemon.log)
        assert len(first) == 1
        os.kill(first[0], signal.SIGKILL)
        wait_for(lambda: len(metrics_children(daemon.log)) == 2, "a new metrics child", daemon.log)
        check_metrics(daemon)

        daemon.proc.send_signal(signal.SIGHUP)  # both children report; the metrics one ignores
        wait_for(lambda: "Reload complete" in daemon.log.read_text(), "the reload", daemon.log)
        check_metrics(daemon)
        assert len(metrics_children(daemon.log)) == 2
        assert daemon.stop() == 0
    assert sorted(p.name for p in daemon.run_dir.iterdir()) == [], daemon.log.read_text()
    text = daemon.log.read_text()
    assert f"Metrics child process({first[0]}) died: Respawning" in text
    assert text.count("Starting VRRP child process") == 1  # the supervisor's line only
    assert "Startup complete" in text and "No word from" not in text, text
