# SPDX-License-Identifier: Apache-2.0
"""The VRRP child's state file: what lets a respawned child resume as master (a MASTER record
of the same VRID, interface and family, younger than Master_Down_Interval) and what does not;
a state file that cannot be written only disables resuming; Startup(resume_master) makes an
instance master at once with an advert."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pyipvs.daemon.vrrp.build import InstancePlan
from pyipvs.daemon.vrrp.state import StateFile, state_path
from pyipvs.vrrp import AddVips, SendAdvert, Startup, VrrpConfig, VrrpInstance

CONFIG = VrrpConfig(vrid=77, priority=150, addresses=("10.0.0.5",), primary_address="10.0.0.2")
PLAN = InstancePlan("VI_1", "eth0", CONFIG)


def test_a_fresh_master_record_of_the_same_instance_resumes(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.json")
    state.record(PLAN, "MASTER")
    records, age = state.load()
    assert age is not None
    assert StateFile(tmp_path / "s.json").resumable(PLAN, records["VI_1"], age, 3.4)


def test_old_backup_other_or_missing_records_do_not_resume(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "s.json")
    state.record(PLAN, "MASTER")
    records, age = state.load()
    other = InstancePlan("VI_1", "eth1", CONFIG)
    assert not state.resumable(other, records["VI_1"], age, 3.4)
    past = time.time() - 10
    os.utime(state.path, (past, past))
    records, age = state.load()
    assert not state.resumable(PLAN, records["VI_1"], age, 3.4)
    state.record(PLAN, "BACKUP")
    records, age = state.load()
    assert not state.resumable(PLAN, records["VI_1"], age, 3.4)
    state.remove()
    assert state.load() == ({}, None)
    assert not state.resumable(PLAN, None, None, 3.4)


def test_an_unwritable_state_file_is_logged_once_and_ignored(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    state = StateFile(blocker / "sub" / "s.json")  # a directory under a regular file
    state.record(PLAN, "MASTER")
    state.record(PLAN, "BACKUP")
    assert state.load() == ({}, None)


def test_each_daemon_has_its_own_file() -> None:
    one = state_path("/etc/keepalived/keepalived.conf", None, "lb1")
    assert one == state_path("/etc/keepalived/keepalived.conf", None, "lb1")
    assert one != state_path("/etc/keepalived/keepalived.conf", "blue", "lb1")
    assert one.parent == Path("/run/pyipvs-keepalived")


def test_startup_resuming_a_master_advertises_at_once() -> None:
    vr = VrrpInstance(CONFIG)
    actions = vr.handle(Startup(resume_master=True), 0.0)
    assert vr.state == "MASTER"
    assert actions[0] == SendAdvert(150, 1.0)
    assert AddVips(CONFIG.addresses) in actions
