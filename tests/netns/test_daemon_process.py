# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived``'s parent as a real process: detaching, pid files, "already running",
console logging in keepalived's format, the journal's datagram protocol, a bad namespace.

``-P -C`` together start no child (keepalived's rule), which leaves the parent alone: these
tests need no IPVS and no VRRP peer."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

from waiting import wait_for

from pyipvs.daemon.runtime import JournalHandler

PATIENCE = 30.0  # a bound on waiting, never a timing assertion
OURS = [sys.executable, "-m", "pyipvs.cli.keepalived"]
CONSOLE_LINE = re.compile(r"^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}: \S")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0


def config(tmp_path: Path) -> Path:
    conf = tmp_path / "keepalived.conf"
    conf.write_text("global_defs {\n    router_id lb1\n}\n")
    return conf


def test_detaches_then_stops_on_sigterm(tmp_path: Path) -> None:
    pid_file = tmp_path / "k.pid"
    flags = ["-P", "-C", "-G", "-f", str(config(tmp_path)), "-p", str(pid_file)]
    done = subprocess.run([*OURS, *flags], timeout=PATIENCE, check=False, capture_output=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    wait_for(pid_file.exists, "the daemon's pid file")
    daemon = int(pid_file.read_text())
    assert alive(daemon) and os.getsid(daemon) == daemon  # its own session, as xdaemon
    second = subprocess.run(
        [*OURS, *flags, "-n", "-l"], timeout=PATIENCE, check=False, capture_output=True, text=True
    )
    assert second.returncode == 0 and "daemon is already running" in second.stderr
    os.kill(daemon, signal.SIGTERM)
    wait_for(lambda: not alive(daemon), "the daemon gone")
    assert not pid_file.exists()


def test_console_logging_in_keepalived_format(tmp_path: Path) -> None:
    pid_file = tmp_path / "k.pid"
    flags = ["-n", "-l", "-G", "-P", "-C", "-f", str(config(tmp_path)), "-p", str(pid_file)]
    proc = subprocess.Popen([*OURS, *flags], stderr=subprocess.PIPE, text=True)
    wait_for(pid_file.exists, "the pid file")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=PATIENCE)
    assert proc.returncode == 0
    lines = err.splitlines()
    assert lines and all(CONSOLE_LINE.match(line) for line in lines), err
    assert any(line.endswith("Warning - keepalived has no configuration to run") for line in lines)
    assert lines[-1].split(": ", 1)[1].startswith("Stopped pyipvs-keepalived")


def test_a_namespace_that_does_not_exist(tmp_path: Path) -> None:
    flags = ["-n", "-l", "-G", "-s", "pyipvs-no-such-ns", "-f", str(config(tmp_path))]
    done = subprocess.run(
        [*OURS, *flags, "-p", str(tmp_path / "k.pid")],
        timeout=PATIENCE,
        check=False,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 6
    assert "Unable to set network namespace pyipvs-no-such-ns" in done.stderr


def test_journal_records_on_a_real_datagram_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "journal")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        handler = JournalHandler("Keepalived_vrrp", path)
        logger = logging.getLogger("pyipvs.test.journal")
        logger.addHandler(handler)
        try:
            logger.warning("(VI_1) Entering MASTER STATE")
        finally:
            logger.removeHandler(handler)
            handler.close()
        fields = dict(line.split("=", 1) for line in sock.recv(4096).decode().splitlines())
    assert fields == {
        "MESSAGE": "(VI_1) Entering MASTER STATE",
        "PRIORITY": "4",
        "SYSLOG_IDENTIFIER": "Keepalived_vrrp",
        "SYSLOG_PID": str(os.getpid()),
    }


def test_the_files_namespace_is_entered_and_cannot_change_at_a_reload(
    netns: str, tmp_path: Path
) -> None:
    conf, pid_file = tmp_path / "keepalived.conf", tmp_path / "k.pid"
    conf.write_text(f"net_namespace {netns}\nglobal_defs {{\n    router_id lb1\n}}\n")
    flags = ["-n", "-l", "-G", "-P", "-C", "-f", str(conf), "-p", str(pid_file)]
    proc = subprocess.Popen([*OURS, *flags], stderr=subprocess.PIPE, text=True)
    wait_for(pid_file.exists, "the pid file")
    assert os.stat(f"/proc/{proc.pid}/ns/net").st_ino == os.stat(f"/run/netns/{netns}").st_ino
    conf.write_text("net_namespace pyipvs-elsewhere\nglobal_defs {\n    router_id lb1\n}\n")
    proc.send_signal(signal.SIGHUP)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=PATIENCE)
    assert proc.returncode == 0
    assert "Cannot change network namespace at a reload" in err and "Reload refused" in err
