# SPDX-License-Identifier: Apache-2.0
"""The ``vrrp`` section from real instances fed events: a backup that hears a master, takes
over when it falls silent, yields to a better one, plus the driver's lateness and drops."""

from __future__ import annotations

import ipaddress
import json

from pyipvs.daemon.state.vrrp import ObservedVrrpInstance, vrrp_section
from pyipvs.vrrp import (
    MASTER_DOWN_TIMER,
    AdvertReceived,
    Shutdown,
    Startup,
    TimerExpired,
    VrrpConfig,
    VrrpInstance,
    VrrpPacket,
)
from pyipvs.vrrp.driver import VrrpDriver

VIP = ipaddress.ip_address("10.0.0.5")
PEER = ipaddress.ip_address("192.0.2.2")
CONFIG = VrrpConfig(vrid=51, priority=100, addresses=(VIP,), primary_address="192.0.2.1", version=3)


def advert(priority: int, vrid: int = 51) -> AdvertReceived:
    return AdvertReceived(VrrpPacket(3, vrid, priority, (VIP,), 1.0), PEER)


def test_a_backup_reports_its_master_then_itself_after_taking_over() -> None:
    wall = [1000.0]
    instance = ObservedVrrpInstance(CONFIG, wall_clock=lambda: wall[0])
    instance.handle(Startup(), 0.0)
    instance.handle(advert(150), 0.5)
    instance.handle(advert(150, vrid=52), 0.6)  # another router's advert: rejected
    instance.handle(advert(50), 0.7)  # lower priority, preempt: rejected
    status = vrrp_section({"VI_1": instance})["instances"]["VI_1"]
    assert status["state"] == "BACKUP"
    assert status["master_address"] == "192.0.2.2"
    assert status["last_transition"] == {
        "time": 1000.0,
        "from": "INIT",
        "to": "BACKUP",
        "reason": "startup",
    }
    assert status["rejected"] == {"vrid_mismatch": 1, "lower_priority": 1}
    assert status["adverts"] == {
        "sent": 0,
        "received": 3,
        "priority_zero_sent": 0,
        "priority_zero_received": 0,
    }
    assert status["master_priority"] == 150

    wall[0] = 1003.5
    deadline = instance.deadlines[MASTER_DOWN_TIMER]
    instance.handle(TimerExpired(MASTER_DOWN_TIMER, late=0.25), deadline + 0.25)
    status = vrrp_section({"VI_1": instance})["instances"]["VI_1"]
    assert status["state"] == "MASTER"
    assert status["master_address"] == "192.0.2.1"
    assert status["last_transition"]["to"] == "MASTER"
    assert status["last_transition"]["reason"] == "master down timer expired"
    assert status["last_transition"]["time"] == 1003.5
    assert status["transitions"] == {"INIT->BACKUP": 1, "BACKUP->MASTER": 1}
    assert status["adverts"]["sent"] == 1
    assert status["timers"]["late_expiries"] == 1
    assert status["timers"]["max_lateness"] == 0.25

    instance.handle(advert(200), deadline + 1.0)  # a better master: yield
    status = vrrp_section({"VI_1": instance})["instances"]["VI_1"]
    assert (status["state"], status["master_address"]) == ("BACKUP", "192.0.2.2")
    assert status["last_transition"]["reason"] == "higher priority master"


def test_priority_zero_means_no_master_known() -> None:
    instance = ObservedVrrpInstance(CONFIG)
    instance.handle(Startup(), 0.0)
    instance.handle(advert(150), 0.5)
    instance.handle(advert(0), 0.9)
    assert instance.master_address is None and instance.master_priority is None
    assert instance.priority_zero_received == 1
    deadline = instance.deadlines["master_down"]
    instance.handle(TimerExpired("master_down"), deadline)
    instance.handle(Shutdown(), deadline + 0.1)  # a master leaving sends priority 0
    assert instance.priority_zero_sent == 1 and instance.state == "INIT"


def test_configuration_priorities_and_a_driver_s_measurements() -> None:
    config = VrrpConfig(
        vrid=7,
        priority=90,
        addresses=("10.0.0.5", "10.0.0.6"),
        primary_address="192.0.2.1",
        version=2,
        tracked={"chk_nginx": 20},
    )
    instance = VrrpInstance(config)  # a plain instance: no history, the rest is there
    instance.handle(Startup(), 0.0)
    driver = VrrpDriver(instance, "eth7")
    for late in (0.0, 0.0005, 0.004, 0.02):
        driver.lateness.record(late)
    driver.codec_drops["bad_checksum"] = 2
    status = vrrp_section({"VI_7": instance}, {"VI_7": driver})["instances"]["VI_7"]
    assert status["interface"] == "eth7"
    assert status["priority"] == {"effective": 110, "configured": 90}
    assert status["vips"] == ["10.0.0.5", "10.0.0.6"]
    assert (status["vrid"], status["version"], status["family"]) == (7, 2, 4)
    assert status["master_address"] is None and status["last_transition"] is None
    assert status["dropped"] == {"bad_checksum": 2}
    wakeups = status["timers"]["wakeups"]
    assert wakeups["count"] == 4 and wakeups["late"] == 2
    assert wakeups["max"] == 0.02 and wakeups["p50"] == 0.0005
    assert status["master_down_interval"] > status["advert_interval"] == 1.0
    json.dumps(status, allow_nan=False)  # the section is JSON as it is
