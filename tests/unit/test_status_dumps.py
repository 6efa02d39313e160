# SPDX-License-Identifier: Apache-2.0
"""keepalived's dump files from a status document: counters mapped onto keepalived's, its
time and interval wording, files written 0600 in $TMPDIR (the layouts themselves are compared
with a real keepalived's in tests/netns/test_status_dumps_keepalived.py)."""

from __future__ import annotations

import ipaddress
import json
import stat
from pathlib import Path

import pytest

from pyipvs.daemon.state import dumps
from pyipvs.daemon.state.server import document
from pyipvs.daemon.state.vrrp import ObservedVrrpInstance, vrrp_section
from pyipvs.vrrp import (
    MASTER_DOWN_TIMER,
    AdvertReceived,
    Shutdown,
    Startup,
    TimerExpired,
    VrrpConfig,
    VrrpPacket,
)
from pyipvs.vrrp.driver import VrrpDriver

VIP = ipaddress.ip_address("10.0.0.5")
CONFIG = VrrpConfig(
    vrid=51, priority=100, addresses=(VIP,), primary_address="192.0.2.1", advert_interval=0.25
)


def history() -> dict[str, object]:
    """Backup, hears priority 0, becomes master, is stopped: priority 0 in and out."""
    instance = ObservedVrrpInstance(CONFIG, wall_clock=lambda: 1796346073.938786)
    instance.handle(Startup(), 0.0)
    peer = ipaddress.ip_address("192.0.2.2")
    instance.handle(AdvertReceived(VrrpPacket(3, 51, 0, (VIP,), 0.25), peer), 0.1)
    instance.handle(TimerExpired(MASTER_DOWN_TIMER), instance.deadlines[MASTER_DOWN_TIMER])
    instance.handle(Shutdown(), 1.0)
    driver = VrrpDriver(instance, "eth0")
    driver.codec_drops.update({"ttl": 2, "truncated": 1, "length": 1, "auth_data": 4})
    return document(vrrp=vrrp_section({"VI_1": instance}, {"VI_1": driver}))


def test_counters_map_onto_keepalived_s() -> None:
    (entry,) = dumps.json_document(history())
    stats = entry["stats"]
    assert (stats["become_master"], stats["release_master"]) == (1, 1)
    assert (stats["pri_zero_rcvd"], stats["pri_zero_sent"]) == (1, 1)
    assert (stats["ip_ttl_err"], stats["packet_len_err"], stats["auth_failure"]) == (2, 2, 4)
    data = entry["data"]
    assert (data["state"], data["vipset"], data["adver_int"]) == (0, False, 0.25)
    assert data["vips"] == ["10.0.0.5 dev eth0 scope global"]


def test_data_wording() -> None:
    text = dumps.data_text(history())
    assert "   Advert interval = 250 milli-sec\n" in text
    assert "   State = INIT\n" in text
    assert "   Multicast address 224.0.0.18\n" in text
    assert "\n Router ID = " not in text  # not known: not written


def test_files_are_0600_in_tmpdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert dumps.dump_dir() == tmp_path
    path = dumps.write_json_dump(history())
    assert path == tmp_path / "keepalived.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text())[0]["data"]["iname"] == "VI_1"
    dumps.write_dump(dumps.STATS_FILE, dumps.stats_text(history()))
    assert (tmp_path / "keepalived.stats").read_text().startswith("VRRP Instance: VI_1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keepalived.json", "keepalived.stats"]
