# SPDX-License-Identifier: Apache-2.0
"""keepalived's dump files, ours beside a real keepalived 2.2.7's: the same two instances run
by keepalived in a namespace (dumped on SIGUSR1, SIGUSR2 and its JSON signal into its
``$TMPDIR``) and by pyipvs instances fed the same history; the layouts must match."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyipvs.daemon.state import dumps
from pyipvs.daemon.state.server import document
from pyipvs.daemon.state.vrrp import ObservedVrrpInstance, vrrp_section
from pyipvs.vrrp import MASTER_DOWN_TIMER, Startup, TimerExpired, VrrpConfig
from pyipvs.vrrp.driver import VrrpDriver

PATIENCE = 30.0  # seconds keepalived may take; never a timing assertion
KEEPALIVED_CONF = """
global_defs {
    router_id lb1
}
vrrp_instance VI_1 {
    state BACKUP
    interface d0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.5
        192.168.0.1
    }
}
vrrp_instance VI_2 {
    state MASTER
    interface d0
    virtual_router_id 52
    priority 150
    version 3
    advert_int 0.5
    virtual_ipaddress {
        10.0.1.5
    }
}
"""
CONFIGS = {
    "VI_1": VrrpConfig(
        vrid=51,
        priority=100,
        addresses=("10.0.0.5", "192.168.0.1"),
        primary_address="192.0.2.1",
        version=2,
    ),
    "VI_2": VrrpConfig(
        vrid=52,
        priority=150,
        addresses=("10.0.1.5",),
        primary_address="192.0.2.1",
        version=3,
        advert_interval=0.5,
    ),
}


def ours() -> dict[str, Any]:
    """Our two instances, started and master (the down timer expired), as a document."""
    instances, drivers = {}, {}
    for name, config in CONFIGS.items():
        instance = ObservedVrrpInstance(config)
        instance.handle(Startup(), 0.0)
        instance.handle(TimerExpired(MASTER_DOWN_TIMER), instance.deadlines[MASTER_DOWN_TIMER])
        instances[name], drivers[name] = instance, VrrpDriver(instance, "d0")
    return document(vrrp=vrrp_section(instances, drivers))


class RealKeepalived:
    def __init__(self, netns: str, directory: Path) -> None:
        if not shutil.which("keepalived"):
            pytest.fail("keepalived 2.2.7 is needed (scripts/bootstrap.sh installs it)")
        self.dir = directory
        conf = directory / "keepalived.conf"
        conf.write_text(KEEPALIVED_CONF)
        subprocess.run(
            ["ip", "-n", netns, "link", "add", "d0", "type", "veth", "peer", "name", "d1"],
            check=True,
        )
        for command in (["link", "set", "d0", "up"], ["link", "set", "d1", "up"]):
            subprocess.run(["ip", "-n", netns, *command], check=True)
        subprocess.run(["ip", "-n", netns, "addr", "add", "192.0.2.1/24", "dev", "d0"], check=True)
        self.process = subprocess.Popen(
            ["ip", "netns", "exec", netns, "keepalived", "-n", "-l", "-G", "-P",
             "-f", str(conf), "-p", str(directory / "k.pid"), "-r", str(directory / "v.pid")],
            env={**os.environ, "TMPDIR": str(directory)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        json_signal = subprocess.run(
            ["keepalived", "--signum=JSON"], capture_output=True, text=True, check=True
        )
        self.json_signal = int(json_signal.stdout)

    def dump(self, signum: int, name: str) -> str:
        """Sends *signum* to keepalived's parent and returns the file it writes."""
        path = self.dir / name
        path.unlink(missing_ok=True)
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            pid_file = self.dir / "k.pid"
            if pid_file.exists() and pid_file.read_text().strip():
                os.kill(int(pid_file.read_text()), signum)
                time.sleep(0.5)  # the child writes the file after the parent forwarded
                if path.exists() and path.stat().st_size > 0:
                    return path.read_text()
            else:
                time.sleep(0.2)
        pytest.fail(f"keepalived wrote no {name} in {PATIENCE} s")

    def both_master(self) -> list[dict[str, Any]]:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            dumped = json.loads(self.dump(self.json_signal, dumps.JSON_FILE))
            if all(vi["data"]["state"] == 2 for vi in dumped):
                return dumped
        pytest.fail("keepalived's instances did not both become master")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=PATIENCE)


@pytest.fixture(scope="module")
def keepalived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealKeepalived]:
    """One keepalived for the module's tests, in a namespace of its own (root only)."""
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    netns = f"pyipvs-dumps-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", netns], check=True)
    try:
        subprocess.run(["ip", "-n", netns, "link", "set", "lo", "up"], check=True)
        real = RealKeepalived(netns, tmp_path_factory.mktemp("keepalived"))
        try:
            yield real
        finally:
            real.stop()
    finally:
        subprocess.run(["ip", "netns", "delete", netns], check=False)


def test_json_dump_has_keepalived_s_keys_types_and_values(keepalived: RealKeepalived) -> None:
    theirs = keepalived.both_master()
    mine = json.loads(json.dumps(dumps.json_document(ours())))
    assert [vi["data"]["iname"] for vi in mine] == [vi["data"]["iname"] for vi in theirs]
    for our, their in zip(mine, theirs, strict=True):
        for part in ("data", "stats"):
            assert list(our[part]) == list(their[part]), part
            types = {k: type(v).__name__ for k, v in their[part].items()}
            assert {k: type(v).__name__ for k, v in our[part].items()} == types
        same = (
            *("iname", "ifp_ifname", "vrid", "base_priority", "effective_priority", "vipset"),
            *("adver_int", "master_adver_int", "accept", "nopreempt", "preempt_delay", "state"),
            *("wantstate", "version", "vips", "master_priority", "auth_type"),
        )
        assert {k: our["data"][k] for k in same} == {k: their["data"][k] for k in same}
        for counter in ("become_master", "release_master", "pri_zero_rcvd", "advert_rcvd"):
            assert our["stats"][counter] == their["stats"][counter], counter


def test_stats_dump_is_keepalived_s_layout(keepalived: RealKeepalived) -> None:
    keepalived.both_master()
    theirs = keepalived.dump(signal.SIGUSR2, dumps.STATS_FILE)
    mine = dumps.stats_text(ours())

    def skeleton(text: str) -> list[str]:
        return [re.sub(r"\d+", "N", line) for line in text.splitlines()]

    assert skeleton(mine) == skeleton(theirs)
    counted = ("Became master", "Released master", "Length", "TTL", "Failure")
    assert [x for x in mine.splitlines() if x.strip().startswith(counted)] == [
        x for x in theirs.splitlines() if x.strip().startswith(counted)
    ]


def _blocks(text: str) -> dict[str, list[str]]:
    topology = text.split("------< VRRP Topology >------\n", 1)[1]
    topology = topology.split("\n------<", 1)[0]
    blocks: dict[str, list[str]] = {}
    for chunk in topology.split(" VRRP Instance = ")[1:]:
        name, *lines = chunk.rstrip("\n").split("\n")
        blocks[name] = lines
    return blocks


def test_data_dump_lines_are_keepalived_s_in_its_order(keepalived: RealKeepalived) -> None:
    keepalived.both_master()
    theirs_text = keepalived.dump(signal.SIGUSR1, dumps.DATA_FILE)
    mine_text = dumps.data_text(ours(), router_id="lb1")
    assert " Router ID = lb1" in theirs_text.splitlines()
    assert " Router ID = lb1" in mine_text.splitlines()
    theirs, mine = _blocks(theirs_text), _blocks(mine_text)
    assert list(mine) == list(theirs)
    for name, lines in mine.items():
        # Every line of ours is one of keepalived's, in keepalived's order; the transition
        # time is ours, only its shape is compared.
        remaining = iter(theirs[name])
        for line in lines:
            if line.startswith("   Last transition = "):
                pattern = re.compile(r"   Last transition = \d+\.\d{6} \(\w{3} \w{3} [ \d]\d .+\)")
                assert pattern.fullmatch(line), line
                assert any(pattern.fullmatch(x) for x in theirs[name]), name
                continue
            assert line in remaining, f"{name}: {line!r} not in keepalived's order"
