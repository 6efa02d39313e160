# SPDX-License-Identifier: Apache-2.0
"""The daemon on each load balancer: keepalived 2.2.7 or pyipvs-keepalived, same command line.

Both start as ``-n -l --no-syslog -f CONF -p PID -r VRRPPID -c CHECKPID`` inside the load
balancer's namespace, with the pid files in that load balancer's directory of the run; the log
goes to ``daemon.log`` there (``--no-syslog``: where no syslog listens, as in the UML guest,
keepalived would copy every line to the console and over the lab's view). A load balancer
"dies" as a machine does: every process of its daemon is frozen (SIGSTOP) and its links cut
before the processes are killed, so no last priority-0 advert turns the death into a graceful
handover (see DESIGN.md, "Failover from a dead master")."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

DAEMONS = ("keepalived", "pyipvs")
PID_FILES = ("keepalived.pid", "vrrp.pid", "checkers.pid")  # parent, VRRP child, checker child
NOTIFY_KINDS = ("master", "backup", "fault")
STATUS_DIR_ENV = "PYIPVS_KEEPALIVED_STATUS_DIR"  # pyipvs.daemon.state.server reads it


def daemon_program(kind: str) -> str:
    if kind == "keepalived":
        found = shutil.which("keepalived") or "/usr/sbin/keepalived"
    else:
        found = str(Path(sys.executable).with_name("pyipvs-keepalived"))
    if not Path(found).exists():
        raise FileNotFoundError(f"{kind}: {found} is not installed (scripts/bootstrap.sh)")
    return found


def daemon_version(kind: str) -> str:
    done = subprocess.run(
        [daemon_program(kind), "-v"], capture_output=True, text=True, check=False, timeout=30
    )
    lines = (done.stdout + done.stderr).strip().splitlines()
    return lines[0] if lines else kind


def write_notify_scripts(directory: Path, lb: str, log: Path) -> None:
    """script_master.sh, script_backup.sh, script_fault.sh (the seed's names): each appends
    ``TIME LB KIND`` to the run's notify log."""
    for kind in NOTIFY_KINDS:
        script = directory / f"script_{kind}.sh"
        script.write_text(f'#!/bin/sh\necho "$(date +%s.%N) {lb} {kind} $*" >> {log}\n')
        script.chmod(0o755)


def _is_daemon(pid: int) -> bool:
    """True while ``pid`` is still one of the daemon's processes (a pid file can outlive its
    process, and its pid be reused)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"keepalived" in command


class Daemon:
    """One daemon (parent and children) running in load balancer ``lb``'s namespace."""

    def __init__(self, kind: str, lb: str, directory: Path) -> None:
        self.kind, self.lb, self.directory = kind, lb, directory
        self.log = directory / "daemon.log"
        self.killed = False  # set when the lab kills or stops it
        self._process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        d = self.directory
        return [
            "ip", "netns", "exec", self.lb, daemon_program(self.kind),
            "-n", "-l", "--no-syslog", "-f", str(d / "keepalived.conf"),
            "-p", str(d / PID_FILES[0]), "-r", str(d / PID_FILES[1]), "-c", str(d / PID_FILES[2]),
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        """pyipvs-keepalived keeps its status sockets in /run/pyipvs-keepalived unless told
        otherwise (a daemon started by ``ip netns exec`` does not know its namespace's name):
        each load balancer gets its own, as two machines would. keepalived ignores it."""
        return {**os.environ, STATUS_DIR_ENV: str(self.directory / "status")}

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                self.command(),
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def exit_problem(self) -> str | None:
        """Why the daemon is gone when nobody stopped it: its exit status and last log lines."""
        if self._process is None or self._process.poll() is None or self.killed:
            return None
        tail = self.log.read_text(errors="replace").splitlines()[-8:]
        return (f"{self.lb}'s {self.kind} exited with status {self._process.returncode}; "
                f"the end of {self.log}:\n" + "\n".join(tail))  # fmt: skip

    def pids(self) -> list[int]:
        """The pids in the daemon's pid files (those written so far), parent first."""
        found = []
        for name in PID_FILES:
            with suppress(OSError, ValueError):
                found.append(int((self.directory / name).read_text().split()[0]))
        if self._process is not None and self._process.pid not in found:
            found.insert(0, self._process.pid)
        return found

    def signal_all(self, signum: int) -> None:
        for pid in self.pids():
            if _is_daemon(pid):
                with suppress(ProcessLookupError):
                    os.kill(pid, signum)

    def freeze(self) -> None:
        self.signal_all(signal.SIGSTOP)

    def kill(self) -> None:
        self.killed = True
        self.signal_all(signal.SIGKILL)
        if self._process is not None:
            self._process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM as keepalived's stop, SIGKILL for what is left after 10 s."""
        self.killed = True
        if not self.running():
            self.signal_all(signal.SIGKILL)
            return
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
        self.signal_all(signal.SIGKILL)  # children a killed parent left behind


__all__ = ["DAEMONS", "Daemon", "daemon_program", "daemon_version", "write_notify_scripts"]
