# SPDX-License-Identifier: Apache-2.0
"""``vrrp_rt_priority``, ``vrrp_rlimit_rttime``, ``vrrp_no_swap``, ``vrrp_cpu_affinity`` and
``vrrp_priority``: the VRRP child of ``pyipvs-keepalived -P`` runs as keepalived 2.2.7's does
from the same keepalived.conf (each in a namespace of its own on one bridge, different VRIDs):
the same scheduling policy and priority, real-time CPU limit, memory lock, CPUs and nice value,
read from /proc of the running child; and its notify script runs as keepalived's, back at
normal scheduling and the original nice value."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_vrrp_driver import WAIT, Lan, Lines, lan
from test_vrrp_process import CHILD

__all__ = ["lan"]  # the fixture, re-used

CONF = """
global_defs {{
    router_id {name}
{tuning}
}}
vrrp_instance VI_{vrid} {{
    state BACKUP
    interface eth0
    virtual_router_id {vrid}
    priority 100
    advert_int 0.1
    version 3
    notify_master {script}
    virtual_ipaddress {{
        10.77.0.{vrid}/32
    }}
}}
"""
# the script records how it runs: /proc/self/stat's nice (field 19) and policy (field 41)
SCRIPT = """#!/bin/sh
read -r stat < /proc/$$/stat
echo "${stat##*) }" > "$(dirname "$0")/ran"
"""
REAL_TIME = """    vrrp_rt_priority 30
    vrrp_rlimit_rttime 40000
    vrrp_no_swap
    vrrp_cpu_affinity 0"""
NICE = "    vrrp_priority -7"


class Child:
    """One daemon's VRRP child in a namespace, and where it writes its pid and script's facts."""

    def __init__(self, lan: Lan, name: str, kind: str, tuning: str, vrid: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"pyipvs-tuning-{kind}-"))
        script = self.dir / "notify.sh"
        script.write_text(SCRIPT)
        script.chmod(0o755)
        conf = self.dir / "keepalived.conf"
        conf.write_text(CONF.format(name=name, tuning=tuning, vrid=vrid, script=script))
        self.pid_file = self.dir / "vrrp.pid"
        netns = ["ip", "netns", "exec", lan.ns(name)]
        if kind == "keepalived":
            command = [*netns, "keepalived", "-n", "-l", "-D", "-P", "-f", str(conf),
                       "-p", str(self.dir / "k.pid"), "-r", str(self.pid_file)]  # fmt: skip
        else:
            child = CHILD.replace('config_id="lb1"', "config_id=None")
            command = [*netns, sys.executable, "-c", child, str(conf), str(self.pid_file)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines = Lines(self.process)
        self.vrid = vrid

    def master(self) -> int:
        """Waits for MASTER and the notify script; the VRRP child's pid."""
        marker = f"(VI_{self.vrid}) Entering MASTER STATE"
        self.lines.until(lambda line: marker in line, marker)
        deadline = time.monotonic() + WAIT
        while not (self.dir / "ran").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return int(self.pid_file.read_text())

    def script_facts(self) -> tuple[int, int]:
        """The notify script's (nice, policy)."""
        fields = (self.dir / "ran").read_text().split()
        # fields[0] is /proc's field 3 (state): nice is field 19, policy field 41
        return int(fields[16]), int(fields[38])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=WAIT)
        shutil.rmtree(self.dir, ignore_errors=True)


def facts(pid: int) -> dict[str, object]:
    """How a running process is scheduled and limited, from the kernel."""
    limits = Path(f"/proc/{pid}/limits").read_text()
    timeout = re.search(r"Max realtime timeout\s+(\S+)\s+(\S+)", limits)
    assert timeout is not None, limits
    locked = re.search(r"VmLck:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    policy = os.sched_getscheduler(pid)
    return {
        "policy": policy & ~os.SCHED_RESET_ON_FORK,
        "reset_on_fork": bool(policy & os.SCHED_RESET_ON_FORK),
        "rt_priority": os.sched_getparam(pid).sched_priority,
        "rttime": timeout.groups(),
        "locked": locked is not None and int(locked.group(1)) > 0,
        "cpus": os.sched_getaffinity(pid),
        "nice": os.getpriority(os.PRIO_PROCESS, pid),
    }


@pytest.fixture
def pair(lan: Lan) -> Iterator[list[Child]]:
    children: list[Child] = []
    yield children
    for child in children:
        child.stop()


@pytest.mark.parametrize("tuning", [REAL_TIME, NICE], ids=["real-time", "nice"])
def test_the_vrrp_child_runs_as_keepalived_s(lan: Lan, pair: list[Child], tuning: str) -> None:
    if not shutil.which("keepalived"):
        pytest.fail("keepalived 2.2.7 is needed (scripts/bootstrap.sh installs it)")
    pair += [Child(lan, "lb1", "pyipvs", tuning, 31), Child(lan, "lb2", "keepalived", tuning, 32)]
    ours, theirs = (facts(child.master()) for child in pair)
    assert ours == theirs, (ours, theirs)
    if tuning == REAL_TIME:
        assert ours["policy"] == os.SCHED_RR and ours["rt_priority"] == 30, ours
        assert ours["reset_on_fork"] and ours["rttime"] == ("20000", "40000"), ours
        assert ours["locked"] and ours["cpus"] == {0}, ours
    else:
        assert ours["nice"] == -7 and ours["policy"] == os.SCHED_OTHER, ours
    ours_script, theirs_script = (child.script_facts() for child in pair)
    assert ours_script == theirs_script == (0, os.SCHED_OTHER)
