# SPDX-License-Identifier: Apache-2.0
"""The running lab: topology, web servers, configs, daemons; and taking it all down again."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pyipvs.lab import seed, topology
from pyipvs.lab.daemons import Daemon, write_notify_scripts
from pyipvs.lab.topology import LB_HOSTS, RS_HOSTS, Host

RS_PAGES = {"rs1": "rs1 is up", "rs2": "rs2 is up"}
DIGEST_SERVER = "192.168.0.13"  # rs2: the seed's HTTP_GET checks the second real server


class LabError(Exception):
    """The lab could not be built or run; the message says what and where."""


class Lab:
    """Everything one run of the lab started, so that ``close`` can take it down."""

    def __init__(
        self,
        daemons: dict[str, str],
        split_requests: int,
        delay_loop: int | None,
        workdir: Path | None,
    ) -> None:
        self.kinds = daemons  # load balancer -> "keepalived" or "pyipvs"
        self.split_requests = split_requests
        self.delay_loop = delay_loop
        self.directory = run_directory(workdir)
        self.notify_log = self.directory / "notify.log"
        self.daemons: dict[str, Daemon] = {}
        self.servers: dict[str, subprocess.Popen[bytes]] = {}
        self.digest = ""
        self.configs: dict[str, str] = {}

    # -- building
    def build(self) -> None:
        topology.create(self.split_requests)
        for host in RS_HOSTS:
            self.start_server(host.name, RS_PAGES[host.name])
        for host in LB_HOSTS:
            self.start_server(host.name, f"sorry, all real servers are down ({host.name})")
        for host in (*RS_HOSTS, *LB_HOSTS):
            wait_for_port(host)
        self.digest = self.genhash()
        self.notify_log.touch()
        for host in LB_HOSTS:
            directory = self.directory / host.name
            directory.mkdir()
            write_notify_scripts(directory, host.name, self.notify_log)
            text = seed.render(host.name, self.digest, str(directory), self.delay_loop)
            (directory / "keepalived.conf").write_text(text)
            self.configs[host.name] = text
            self.daemons[host.name] = Daemon(self.kinds[host.name], host.name, directory)

    def start_server(self, netns: str, body: str) -> None:
        command = ["ip", "netns", "exec", netns, sys.executable, "-m", "pyipvs.lab.webserver"]
        # Not on the lab's stdout: a reader of --json waits for its end, not the servers'.
        self.servers[netns] = subprocess.Popen(
            [*command, body],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def stop_server(self, netns: str) -> None:
        server = self.servers.pop(netns)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)

    def genhash(self) -> str:
        """rs2's page digest as pyipvs-genhash computes it from lb1 (the HTTP_GET's digest)."""
        program = str(Path(sys.executable).with_name("pyipvs-genhash"))
        command = ["ip", "netns", "exec", "lb1", program, "-s", DIGEST_SERVER, "-p", "80"]
        done = subprocess.run(
            [*command, "-u", "/"], capture_output=True, text=True, check=False, timeout=60
        )
        digest = done.stdout.strip()
        if done.returncode != 0 or len(digest) != 32:
            raise LabError(f"pyipvs-genhash on rs2 failed: {done.stdout}{done.stderr}".strip())
        return digest

    # -- running
    def start_daemons(self) -> None:
        """lb1 first: with equal priorities (the seed gives both 100) the higher address
        would win a tie, so lb2 starts once lb1 is master, as it would join a running pair."""
        self.daemons["lb1"].start()

    def start_backup(self) -> None:
        self.daemons["lb2"].start()

    def kill_load_balancer(self, lb: str) -> None:
        """lb dies as a machine: frozen, cut off both LANs, then killed."""
        daemon = self.daemons[lb]
        daemon.freeze()
        topology.set_links(next(host for host in LB_HOSTS if host.name == lb), "down")
        daemon.kill()

    def daemon_problem(self) -> str | None:
        """A daemon that exited on its own, said with its log's end; None while all run."""
        return next(filter(None, (d.exit_problem() for d in self.daemons.values())), None)

    def close(self) -> None:
        for daemon in self.daemons.values():
            daemon.stop()
        for netns in list(self.servers):
            self.stop_server(netns)
        topology.destroy()


def run_directory(workdir: Path | None) -> Path:
    """``workdir`` (made if missing, refused unless empty), or a new temporary directory."""
    if workdir is None:
        return Path(tempfile.mkdtemp(prefix="pyipvs-lab-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()):
        raise LabError(f"--workdir {workdir}: not empty (a run's files would mix with another's)")
    return workdir.resolve()


def wait_for_port(host: Host, port: int = 80, limit: float = 30.0) -> None:
    """Waits until something listens on ``port`` in ``host``'s namespace."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done = subprocess.run(
            ["ip", "netns", "exec", host.name, "ss", "-Hltn", f"sport = :{port}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.stdout.strip():
            return
        time.sleep(0.1)
    raise LabError(f"{host.name}: no web server on port {port} after {limit:.0f} s")


__all__ = ["RS_PAGES", "Lab", "LabError"]
