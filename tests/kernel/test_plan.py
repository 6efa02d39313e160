# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived --plan`` against a real ip_vs table: what it prints is what the checker
process would do at start, in ipvsadm's syntax, and it changes nothing.

The oracle is the real ipvsadm: the plan's lines fed to ``ipvsadm -R`` in one namespace must
give the same ``ipvsadm -S -n`` as the checker process's own first sync in another."""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from ipvsadm_util import run_in, save

from pyipvs import Ipvs, RealServer, VirtualService
from pyipvs.check import CheckScheduler
from pyipvs.config import read_config
from pyipvs.daemon.check.from_config import services_from_config
from pyipvs.daemon.check.process import CheckerProcess
from pyipvs.daemon.plan import EXIT_NOTHING_TO_DO, EXIT_PENDING, plan_main

CONFIG = """
virtual_server 192.168.0.1 80 {
    delay_loop 6
    lb_algo wlc
    lb_kind NAT
    persistence_timeout 50
    protocol TCP
    real_server 192.168.0.12 80 {
        weight 20
        TCP_CHECK {
            connect_timeout 3
        }
    }
    real_server 192.168.0.13 80 {
        weight 8
        TCP_CHECK {
            connect_timeout 3
        }
    }
    # alpha: starts down, so it is not added until its check passes
    real_server 192.168.0.14 80 {
        weight 5
        alpha
        TCP_CHECK {
            connect_timeout 3
        }
    }
    # alpha and inhibit_on_failure: starts down, added at weight 0
    real_server 192.168.0.15 80 {
        weight 5
        alpha
        inhibit_on_failure
        TCP_CHECK {
            connect_timeout 3
        }
    }
}
virtual_server 10.0.0.5 53 {
    lb_algo rr
    lb_kind DR
    protocol UDP
    real_server 10.0.0.21 53 {
        weight 1
    }
}
"""

EXPECTED_EMPTY_PLAN = [
    "-A -t 192.168.0.1:80 -s wlc -p 50",
    "-A -u 10.0.0.5:53 -s rr",
    "-a -t 192.168.0.1:80 -r 192.168.0.12:80 -m -w 20",
    "-a -t 192.168.0.1:80 -r 192.168.0.13:80 -m -w 8",
    "-a -t 192.168.0.1:80 -r 192.168.0.15:80 -m -w 0",
    "-a -u 10.0.0.5:53 -r 10.0.0.21:53 -g -w 1",
]


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    path = tmp_path / "keepalived.conf"
    path.write_text(CONFIG)
    return path


def plan(
    capsys: pytest.CaptureFixture[str], conf: Path, netns: str, *, as_json: bool = False
) -> tuple[int, str]:
    args = argparse.Namespace(use_file=str(conf), config_id=None, namespace=netns, json=as_json)
    status = plan_main(args)
    return status, capsys.readouterr().out


def first_sync(conf: Path, netns: str) -> None:
    """What the checker process itself programs at start (the plan's reference)."""
    specs = services_from_config(read_config(str(conf)).config)
    with Ipvs(netns=netns) as ipvs:
        process = CheckerProcess(specs, ipvs, CheckScheduler())
        process.subscribe()
        process.sync()


def test_an_empty_table_plans_every_add_and_stays_empty(
    capsys: pytest.CaptureFixture[str], conf: Path, ipvs_netns: str, peer_netns: str
) -> None:
    before = save(ipvs_netns)
    status, out = plan(capsys, conf, ipvs_netns)
    assert (status, before, save(ipvs_netns)) == (EXIT_PENDING, "", "")
    assert out.splitlines() == EXPECTED_EMPTY_PLAN
    run_in(ipvs_netns, "ipvsadm", "-R", stdin=out)  # the plan, applied by the real ipvsadm
    first_sync(conf, peer_netns)
    assert save(ipvs_netns) == save(peer_netns) != ""


def test_a_matching_table_plans_nothing(
    capsys: pytest.CaptureFixture[str], conf: Path, ipvs_netns: str
) -> None:
    first_sync(conf, ipvs_netns)
    before = save(ipvs_netns)
    status, out = plan(capsys, conf, ipvs_netns)
    assert (status, out) == (EXIT_NOTHING_TO_DO, "")
    assert save(ipvs_netns) == before


def test_one_changed_weight_plans_exactly_one_edit(
    capsys: pytest.CaptureFixture[str], conf: Path, ipvs_netns: str
) -> None:
    first_sync(conf, ipvs_netns)
    run_in(
        ipvs_netns,
        "ipvsadm",
        *["-e", "-t", "192.168.0.1:80", "-r", "192.168.0.12:80", "-m", "-w", "3"],
    )
    before = save(ipvs_netns)
    status, out = plan(capsys, conf, ipvs_netns)
    assert status == EXIT_PENDING
    assert out.splitlines() == ["-e -t 192.168.0.1:80 -r 192.168.0.12:80 -m -w 20"]
    assert save(ipvs_netns) == before


def test_entries_the_config_does_not_name_are_left_alone(
    capsys: pytest.CaptureFixture[str], conf: Path, ipvs_netns: str
) -> None:
    first_sync(conf, ipvs_netns)
    with Ipvs(netns=ipvs_netns) as ipvs:
        foreign = VirtualService("tcp", "10.9.9.9", 443)
        ipvs.add_service(foreign)
        ipvs.add_real_server(foreign, RealServer("10.9.9.1", 443))
        ours = VirtualService("tcp", "192.168.0.1", 80)
        ipvs.add_real_server(ours, RealServer("192.168.0.99", 80, forward="masq"))
    before = save(ipvs_netns)
    status, out = plan(capsys, conf, ipvs_netns)
    assert (status, out, save(ipvs_netns)) == (EXIT_NOTHING_TO_DO, "", before)


def test_json_lists_each_operation_with_its_ipvsadm_line(
    capsys: pytest.CaptureFixture[str], conf: Path, ipvs_netns: str
) -> None:
    status, out = plan(capsys, conf, ipvs_netns, as_json=True)
    document = json.loads(out)
    assert status == EXIT_PENDING
    assert [op["ipvsadm"] for op in document["operations"]] == EXPECTED_EMPTY_PLAN
    assert [op["action"] for op in document["operations"]][:2] == ["add_service"] * 2
    assert document["operations"][2]["argv"][:2] == ["-a", "-t"]
    assert save(ipvs_netns) == ""


def test_lvs_flush_plans_a_flush_then_every_add(
    capsys: pytest.CaptureFixture[str], conf: Path, ipvs_netns: str
) -> None:
    conf.write_text("global_defs {\n    lvs_flush\n}\n" + CONFIG)
    first_sync(conf, ipvs_netns)
    before = save(ipvs_netns)
    status, out = plan(capsys, conf, ipvs_netns)
    assert status == EXIT_PENDING
    assert out.splitlines() == ["-C", *EXPECTED_EMPTY_PLAN]
    assert save(ipvs_netns) == before


def test_quorum_down_at_start_plans_the_sorry_server(
    capsys: pytest.CaptureFixture[str], conf: Path, ipvs_netns: str
) -> None:
    conf.write_text(
        "virtual_server fwmark 7 {\n    lb_algo rr\n    lb_kind DR\n"
        "    sorry_server 192.168.0.99 0\n"
        "    real_server 192.168.0.12 0 {\n        alpha\n        TCP_CHECK {\n"
        "            connect_port 80\n        }\n    }\n}\n"
    )
    status, out = plan(capsys, conf, ipvs_netns)
    assert status == EXIT_PENDING
    assert out.splitlines() == ["-A -f 7 -s rr", "-a -f 7 -r 192.168.0.99:0 -g -w 1"]
    assert save(ipvs_netns) == ""
    run_in(ipvs_netns, "ipvsadm", "-R", stdin=out)
    assert plan(capsys, conf, ipvs_netns) == (EXIT_NOTHING_TO_DO, "")


PLAN_SCRIPT = (
    "import argparse, sys; from pyipvs.daemon.plan import plan_main; "
    "sys.exit(plan_main(argparse.Namespace(use_file=sys.argv[1], config_id=None, "
    "namespace=None, json=False)))"
)


@pytest.mark.parametrize(
    ("redirect", "status", "message"),
    [
        (">/dev/full", 1, "cannot write the plan: No space left on device"),
        (">&-", 1, "cannot write the plan: standard output is closed"),
        ("| true", EXIT_PENDING, ""),  # the reader is gone before the plan is written
    ],
)
def test_a_plan_that_cannot_be_written_says_so_without_a_traceback(
    conf: Path, ipvs_netns: str, redirect: str, status: int, message: str
) -> None:
    command = f"{sys.executable} -c {shlex.quote(PLAN_SCRIPT)} {conf} {redirect}"
    if redirect.startswith("|"):  # the plan's own status, not the reader's
        command = f"set -o pipefail; {command}"
    done = subprocess.run(
        ["ip", "netns", "exec", ipvs_netns, "bash", "-c", command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == status, done.stderr
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr
    assert message in done.stderr
    assert save(ipvs_netns) == ""
