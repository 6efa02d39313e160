# SPDX-License-Identifier: Apache-2.0
"""The daemon's status directory is scoped to its namespace: ``pyipvs-keepalived -s NAME``
serves its sockets in ``/run/pyipvs-keepalived/NAME`` (two daemons in two namespaces of one
host never meet there), ``-s NAME --status`` finds them without being told the directory, and
the sockets are gone after SIGTERM. The VRRP child alone (a file with only a
``vrrp_instance``), in a namespace on the host."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from daemon_netns import wire

from pyipvs.daemon.state.server import DEFAULT_STATUS_DIR, STATUS_DIR_ENV

PATIENCE = 30.0  # a bound on waiting, never a timing assertion
CONFIG = """
vrrp_instance VI_7 {
    state BACKUP
    interface eth0
    virtual_router_id 57
    priority 100
    advert_int 0.1
    virtual_ipaddress {
        10.57.0.100/32
    }
}
"""


def keepalived(*words: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pyipvs.cli.keepalived", *words]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=PATIENCE)


def status(netns: str, env: dict[str, str]) -> dict[str, Any] | None:
    done = keepalived("-s", netns, "--status", "--json", "--no-ipvs", env=env)
    if done.returncode == 1 and "is not running" in done.stderr:
        return None
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def test_the_status_sockets_live_under_the_namespace_name(netns: str, tmp_path: Path) -> None:
    wire(netns, "10.57.0.2/24")
    conf, log = tmp_path / "keepalived.conf", tmp_path / "daemon.log"
    conf.write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if k != STATUS_DIR_ENV}
    flags = ["-n", "-l", "-G", "-s", netns, "-f", str(conf), "-p", str(tmp_path / "k.pid")]
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "pyipvs.cli.keepalived", *flags, "-r", str(tmp_path / "v.pid")],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    where = Path(DEFAULT_STATUS_DIR) / netns
    try:
        deadline = time.monotonic() + PATIENCE
        while (doc := status(netns, env)) is None or doc["vrrp"] is None:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert doc["vrrp"]["instances"]["VI_7"]["vrid"] == 57
        assert doc["sources"]["vrrp"]["socket"] == str(where / "vrrp.sock")
        assert "error" in doc["sources"]["check"]  # no checker child: named, not fatal
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(PATIENCE) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert list(where.iterdir()) == [], log.read_text()
    assert status(netns, env) is None
    where.rmdir()  # the test's namespace is gone: leave nothing on the host
