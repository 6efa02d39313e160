# SPDX-License-Identifier: Apache-2.0
"""The seed scenario end to end (``pyipvs-lab --json``): client, lb1, lb2, rs1, rs2 in
namespaces, the seed's keepalived.conf on real daemons, real HTTP through the VIP 10.0.0.5.

Every bound comes from the configuration's own formula (a correctness limit, not a speed
claim): the split from the weights, give or take three binomial standard deviations; the
failover from RFC 3768's Master_Down_Interval plus a margin; a dead real server's exit from the
pool from delay_loop and its checker's timeouts and retries plus a margin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pyipvs.lab.bounds import MARGIN
from pyipvs.lab.summary import split_tolerance

LAB = Path(sys.executable).with_name("pyipvs-lab")
DELAY_LOOP = 3  # the seed's 30 s, shortened so that the run takes half a minute
SPLIT_REQUESTS = 56
# advert_int 1, lb2's priority 100 (the seed's): 3 x 1 + (256 - 100) / 256
MASTER_DOWN_INTERVAL = 3 + 156 / 256
# TCP_CHECK on rs1: delay_loop, 2 tries of connect_timeout 3, 1 retry after 1 s (defaults)
RS1_LIMIT = DELAY_LOOP + 2 * 3 + 1 + MARGIN
# HTTP_GET on rs2: delay_loop, 4 tries (nb_get_retry 3) of connect + read at 5 s, 3 x 2 s
RS2_LIMIT = DELAY_LOOP + 4 * 2 * 5 + 3 * 2 + MARGIN


ALL_STEPS = "split,listing,failover,rs-down,sorry"
# Every phase with each daemon: both keepalived 2.2.7, both pyipvs-keepalived, and the mixed pair
# (pyipvs-keepalived master, keepalived backup: VRRP between the two, keepalived takes over).
STEPS = {
    "keepalived": ALL_STEPS,
    "pyipvs": ALL_STEPS,
    "pyipvs,keepalived": ALL_STEPS,
}
# One lab run per daemon kind: the kinds can run in different shards (tests/support/sharding.py).
SHARD_BY_PARAMS = ("lab", "failover_lab")
_runs: dict[str, tuple[dict[str, dict[str, Any]], str]] = {}


def run_lab(daemon: str) -> dict[str, dict[str, Any]]:
    """The lab's documents by phase, from one run per daemon (the first test that asks runs it)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    if daemon not in _runs:
        command = [str(LAB), "--json", "--daemon", daemon, "--delay-loop", str(DELAY_LOOP),
                   "--requests", str(SPLIT_REQUESTS), "--scenario", STEPS[daemon]]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        failed = "" if done.returncode == 0 else done.stdout[-4000:] + done.stderr[-4000:]
        _runs[daemon] = ({doc["phase"]: doc for doc in map(json.loads, lines)}, failed)
    documents, failed = _runs[daemon]
    assert not failed, failed  # every test of a failed run fails with its output
    return documents


@pytest.fixture(params=list(STEPS))
def lab(request: pytest.FixtureRequest, ip_vs_kernel: None) -> dict[str, dict[str, Any]]:
    return run_lab(request.param)


@pytest.fixture(params=[run for run, steps in STEPS.items() if "failover" in steps])
def failover_lab(request: pytest.FixtureRequest, ip_vs_kernel: None) -> dict[str, dict[str, Any]]:
    return run_lab(request.param)


def pool(doc: dict[str, Any], lb: str) -> set[str]:
    return {row["address"] for table in doc["tables"][lb] for row in table["rows"]}


def test_every_phase_ran_and_the_summary_says_ok(lab: dict[str, dict[str, Any]]) -> None:
    assert list(lab) == ["start", *STEPS[lab["summary"]["daemon_kind"]].split(","), "summary"]
    assert all(v["ok"] for v in lab["summary"]["verdicts"]), lab["summary"]


def test_lb1_is_master_and_serves_through_the_vip(lab: dict[str, dict[str, Any]]) -> None:
    start = lab["start"]
    assert start["master"] == "lb1"
    assert start["vips"] == {"lb1": ["10.0.0.5", "192.168.0.1"], "lb2": []}
    service = "TCP  10.0.0.5:80 wlc persistent 50"
    for lb in ("lb1", "lb2"):  # both checkers program their own kernel
        assert [t["service"] for t in start["tables"][lb]] == [service]
        assert pool(start, lb) == {"192.168.0.12:80", "192.168.0.13:80"}


def test_the_split_follows_the_weights(lab: dict[str, dict[str, Any]]) -> None:
    answers = lab["split"]["answers"]
    assert sum(answers.values()) == SPLIT_REQUESTS
    assert set(answers) == {"rs1", "rs2"}  # every request answered, by a real server
    for server, weight in (("rs1", 20), ("rs2", 8)):
        share = weight / 28
        seen = answers[server] / SPLIT_REQUESTS
        assert abs(seen - share) <= split_tolerance(share, SPLIT_REQUESTS), answers


def test_pyipvsadm_lists_the_live_table_as_ipvsadm(lab: dict[str, dict[str, Any]]) -> None:
    listing = lab["listing"]
    assert listing["identical"], (listing["pyipvsadm"], listing["ipvsadm"])
    assert "TCP  10.0.0.5:80 wlc persistent 50\n" in listing["pyipvsadm"]


def test_http_through_the_vip_again_after_lb1_dies(
    failover_lab: dict[str, dict[str, Any]],
) -> None:
    failover = failover_lab["failover"]
    assert failover["bound"] == pytest.approx(MASTER_DOWN_INTERVAL + MARGIN, abs=1e-3)
    assert 0 < failover["seconds"] <= failover["bound"]
    assert failover["master"] == "lb2"
    assert failover["vips"]["lb2"] == ["10.0.0.5", "192.168.0.1"]


def test_a_dead_real_server_leaves_the_pool(lab: dict[str, dict[str, Any]]) -> None:
    down = lab["rs-down"]
    assert down["bound"] == pytest.approx(RS1_LIMIT)
    assert down["seconds"] <= down["bound"]
    assert pool(down, down["master"]) == {"192.168.0.13:80"}
    assert down["answers"] == {"rs2": 10}


def test_the_sorry_server_answers_when_all_are_down(lab: dict[str, dict[str, Any]]) -> None:
    sorry = lab["sorry"]
    assert sorry["bound"] == pytest.approx(RS2_LIMIT)
    assert sorry["seconds"] <= sorry["bound"]
    assert pool(sorry, sorry["master"]) == {"192.168.0.1:80"}
    assert sorry["answers"] == {"sorry": 10}


def test_the_notify_scripts_ran(lab: dict[str, dict[str, Any]]) -> None:
    ran = [e["text"] for e in lab["sorry"]["events"] if "notify_" in e["text"]]
    lb1 = [line for line in ran if line.startswith("lb1: ")]
    lb2 = [line for line in ran if line.startswith("lb2: ")]
    # Both daemons enter BACKUP at startup first (priority 100 is not the owner's 255).
    assert lb1[:2] == ["lb1: notify_backup ran (BACKUP)", "lb1: notify_master ran (MASTER)"], ran
    assert lb2[0] == "lb2: notify_backup ran (BACKUP)", ran
    if "failover" in lab:
        # Per load balancer, not the last line of all: on a loaded machine lb2 can take over
        # before lb1 dies (held_before says so), and lb1's notify_backup then comes last.
        held_before = lab["failover"]["held_before"]
        assert lb2[-1] == "lb2: notify_master ran (MASTER)", (ran, held_before)
