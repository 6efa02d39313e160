# SPDX-License-Identifier: Apache-2.0
"""Tracking for the VRRP process: weights from track_interface / track_script (reverse, the
script's own weight unless the entry names one), rtnetlink link messages decoded, a script's
rise / fall, and a real script run on its interval."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

from pyipvs.config import VrrpScriptConfig, parse_config
from pyipvs.config.model import Script
from pyipvs.daemon.vrrp.track import ScriptTracker, parse_link_messages, tracked_weights
from pyipvs.daemon.vrrp.track_file import read_value
from pyipvs.vrrp import Startup, TrackChanged, VrrpConfig, VrrpInstance

CONF = """vrrp_script chk_a {
    script "/bin/true"
    weight 20
}
vrrp_script chk_b {
    script "/bin/true"
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 5
    priority 100
    track_interface {
        eth1
        eth2 weight -30
        eth3 weight 10 reverse
    }
    track_script {
        chk_a
        chk_b weight 5
        chk_missing
    }
    virtual_ipaddress {
        10.0.0.5
    }
}
"""


def test_weights_come_from_the_entry_or_the_script() -> None:
    config = parse_config(CONF).config
    assert tracked_weights(config.vrrp_instances[0], config) == {
        "interface:eth1": 0,
        "interface:eth2": -30,
        "interface:eth3": -10,
        "script:chk_a": 20,
        "script:chk_b": 5,
    }


def _link_message(kind: int, name: str, flags: int) -> bytes:
    attr_data = name.encode() + b"\0"
    attr = struct.pack("=HH", 4 + len(attr_data), 3) + attr_data
    attr += b"\0" * (-len(attr) % 4)
    body = struct.pack("=BBHiII", 0, 0, 1, 7, flags, 0) + attr
    return struct.pack("=IHHII", 16 + len(body), kind, 0, 0, 0) + body


def test_link_messages_give_name_and_up_state() -> None:
    data = (
        _link_message(16, "eth1", 0x1 | 0x40)
        + _link_message(16, "eth2", 0x1)  # admin up, no carrier
        + _link_message(17, "eth3", 0x1 | 0x40)  # deleted
        + _link_message(20, "eth4", 0)  # not a link message
    )
    assert parse_link_messages(data) == [("eth1", True), ("eth2", False), ("eth3", False)]
    assert parse_link_messages(b"\x01\x02") == []


def _tracker(rise: int, fall: int, init_fail: bool = False) -> tuple[ScriptTracker, list[bool]]:
    seen: list[bool] = []
    config = VrrpScriptConfig("chk", Script("/bin/true"), rise=rise, fall=fall, init_fail=init_fail)
    tracker = ScriptTracker(config, lambda t: seen.append(t.up))
    return tracker, seen


def test_fall_failures_in_a_row_take_it_down_and_rise_successes_bring_it_up() -> None:
    tracker, seen = _tracker(rise=2, fall=3)
    for ok in (False, False, True, False, False, False, True, True):
        tracker.record(ok)
    assert seen == [False, True]
    assert tracker.up


def test_init_fail_starts_down() -> None:
    tracker, seen = _tracker(rise=1, fall=1, init_fail=True)
    assert not tracker.up
    tracker.record(True)
    assert seen == [True]


def test_a_script_runs_on_its_interval_and_its_result_counts() -> None:
    seen: list[bool] = []
    config = VrrpScriptConfig("chk", Script("/bin/false"), interval=0.01, rise=1, fall=2)

    async def main() -> None:
        tracker = ScriptTracker(config, lambda t: seen.append(t.up))
        tracker.start()
        while not seen:
            await asyncio.sleep(0.01)
        tracker.stop()

    asyncio.run(asyncio.wait_for(main(), 30))
    assert seen == [False]


def test_a_tracked_file_moves_the_priority_by_value_times_weight() -> None:
    config = VrrpConfig(
        vrid=5,
        priority=100,
        addresses=("10.0.0.5",),
        primary_address="10.0.0.2",
        tracked={"file:f": 10, "file:z": 0},
    )
    vr = VrrpInstance(config)
    vr.handle(Startup(), 0.0)
    vr.handle(TrackChanged("file:f", False, 3), 0.1)
    assert (vr.priority, vr.state) == (130, "BACKUP")
    vr.handle(TrackChanged("file:f", False, -30), 0.2)  # -300 <= -254: FAULT
    assert vr.state == "FAULT"
    vr.handle(TrackChanged("file:f", True, 0), 0.3)
    assert (vr.priority, vr.state) == (100, "BACKUP")
    vr.handle(TrackChanged("file:z", False, 1), 0.4)  # weight 0, non-zero: FAULT
    assert vr.state == "FAULT"


def test_file_weights_and_values(tmp_path: Path) -> None:
    block = "    track_file {\n        tf\n    }\n    track_script {"
    text = 'track_file tf {\n    file "/tmp/x"\n    weight -5\n}\n' + CONF.replace(
        "    track_script {", block
    )
    config = parse_config(text).config
    assert tracked_weights(config.vrrp_instances[0], config)["file:tf"] == -5
    path = tmp_path / "value"
    assert read_value(str(path)) == 0
    path.write_text(" 42 junk\n")
    assert read_value(str(path)) == 42
    path.write_text("junk\n")
    assert read_value(str(path)) == 0
