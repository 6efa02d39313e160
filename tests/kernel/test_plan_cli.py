# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived --plan`` as a command against a live ip_vs table (the planner itself:
tests/kernel/test_plan.py): keepalived's ``-f``, ``-s`` (else the file's ``net_namespace``)
and ``-i`` choose the file, the namespace and the ``@`` lines; ``--json`` the form; the exit
status says whether anything is pending; the table is never changed; what it prints, given to
the real ``ipvsadm -R``, leaves nothing to do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from ipvsadm_util import run_in, save

CONFIG = """
virtual_server 192.168.0.1 80 {
    lb_algo wlc
    lb_kind NAT
    protocol TCP
    real_server 192.168.0.12 80 {
@lb1    weight 20
@lb2    weight 8
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
"""


def plan(netns: str, conf: Path, *more: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pyipvs.cli.keepalived", "--plan", "-s", netns]
    return subprocess.run(
        [*command, "-f", str(conf), "-i", "lb1", *more],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_plan_against_a_live_table(ipvs_netns: str, tmp_path: Path) -> None:
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONFIG)
    run_in(ipvs_netns, "ipvsadm", "-A", "-t", "192.168.0.1:80", "-s", "wlc")
    run_in(ipvs_netns, "ipvsadm", "-a", "-t", "192.168.0.1:80", "-r", "192.168.0.12:80", "-m")
    before = save(ipvs_netns)

    done = plan(ipvs_netns, conf)
    assert (done.returncode, done.stderr) == (2, "")
    assert done.stdout.splitlines() == ["-e -t 192.168.0.1:80 -r 192.168.0.12:80 -m -w 20"]
    as_json = plan(ipvs_netns, conf, "--json")
    assert as_json.returncode == 2
    document = json.loads(as_json.stdout)
    assert document["config"] == str(conf)
    assert [op["ipvsadm"] for op in document["operations"]] == done.stdout.splitlines()
    assert save(ipvs_netns) == before  # a plan changes nothing

    run_in(ipvs_netns, "ipvsadm", "-R", stdin=done.stdout)
    assert plan(ipvs_netns, conf).returncode == 0
    assert plan(ipvs_netns, conf).stdout == ""


def test_the_files_net_namespace_is_planned_against_without_s(
    ipvs_netns: str, tmp_path: Path
) -> None:
    conf = tmp_path / "keepalived.conf"
    conf.write_text(f"net_namespace {ipvs_netns}\n{CONFIG}")
    command = [sys.executable, "-m", "pyipvs.cli.keepalived", "--plan", "-f", str(conf)]
    done = subprocess.run([*command, "-i", "lb2"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stdout.splitlines() == [
        "-A -t 192.168.0.1:80 -s wlc",
        "-a -t 192.168.0.1:80 -r 192.168.0.12:80 -m -w 8",
    ]
    run_in(ipvs_netns, "ipvsadm", "-R", stdin=done.stdout)  # in the file's namespace
    again = subprocess.run([*command, "-i", "lb2"], capture_output=True, text=True, timeout=60)
    assert (again.returncode, again.stdout) == (0, "")


def test_a_plan_that_cannot_be_made_says_why(ipvs_netns: str, tmp_path: Path) -> None:
    missing = plan(ipvs_netns, tmp_path / "none.conf")
    assert missing.returncode == 4 and "cannot be used" in missing.stderr
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONFIG)
    elsewhere = plan("no-such-netns", conf)
    assert elsewhere.returncode == 1
    assert "cannot read the IPVS table in namespace no-such-netns" in elsewhere.stderr
    assert "Traceback" not in missing.stderr + elsewhere.stderr
